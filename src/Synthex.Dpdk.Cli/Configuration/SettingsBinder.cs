using System.Globalization;
using Microsoft.Extensions.Configuration;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Cli.Configuration;

/// <summary>
/// Binds <see cref="RunSettings"/> from, in rising precedence, the JSON file (<c>--config</c>),
/// <c>SYNTHEX_</c> environment variables and command-line options. Each value is parsed by its
/// key's <see cref="RunOption"/> with a message that names the key, where the value came from and
/// what is allowed, so a bad value exits 2 before anything starts.
/// </summary>
/// <remarks>
/// Key spellings are matched loosely (case, dashes and underscores ignored), so
/// <c>"stats-interval"</c>, <c>"statsInterval"</c> and <c>SYNTHEX_STATS_INTERVAL</c> are one key.
/// Unknown keys in the JSON file are errors (a typo must not be silently ignored); unknown
/// <c>SYNTHEX_</c> variables are not, since other tools share the prefix (<c>SYNTHEX_SIMD</c>).
/// </remarks>
internal static class SettingsBinder
{
    public const string EnvironmentPrefix = "SYNTHEX_";

    /// <summary>The keys, each written once with its type and range (<see cref="RunSettings.Options"/>).</summary>
    public static IReadOnlyList<RunOption> Keys => RunSettings.Options;

    /// <summary>The JSON file may also carry the EAL arguments: <c>"eal": ["-l", "0,1", ...]</c>.</summary>
    public const string EalKey = "eal";

    public static RunSettings Bind(string? configFile, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> ealArgs)
    {
        var settings = new RunSettings();
        List<string>? fileEal = null;

        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new ConfigurationException("config", $"file '{configFile}' not found");
            IConfigurationRoot file;
            try
            {
                file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile), optional: false).Build();
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                throw new ConfigurationException("config", $"'{configFile}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            }
            foreach (var section in file.GetChildren())
            {
                if (Normalize(section.Key) == EalKey)
                {
                    fileEal = section.GetChildren().OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(c => c.Value ?? "").ToList();
                    continue;
                }
                var key = Find(section.Key)
                    ?? throw new ConfigurationException(section.Key, $"unknown key in '{configFile}'; known keys: {string.Join(", ", Keys.Select(k => k.Name))}, eal");
                if (section.Value is null)
                    throw new ConfigurationException(key.Name, $"in '{configFile}' must be a single value, not an object or array");
                settings = key.Apply(settings, section.Value, $"in {configFile}");
            }
        }

        foreach (var (name, value) in new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build().AsEnumerable())
        {
            if (value is null || Find(name) is not { } key) continue;
            settings = key.Apply(settings, value, $"from {EnvironmentPrefix}{name}");
        }

        // Options last: they win. Apply in table order so --port-map's implied topology can be overridden.
        foreach (var key in Keys)
            if (options.TryGetValue(key.Name, out var value))
                settings = key.Apply(settings, value, $"from --{key.Name}");

        return settings with { EalArgs = ealArgs.Count > 0 ? ealArgs : fileEal ?? [] };
    }

    private static RunOption? Find(string name)
    {
        string n = Normalize(name);
        return Keys.FirstOrDefault(k => Normalize(k.Name) == n);
    }

    private static string Normalize(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();
}
