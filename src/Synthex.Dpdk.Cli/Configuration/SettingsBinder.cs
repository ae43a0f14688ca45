using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Cli.Configuration;

/// <summary>
/// Binds <see cref="RunSettings"/> from three Microsoft.Extensions.Configuration providers, in
/// rising precedence: the JSON file (<c>--config</c>), <c>SYNTHEX_</c> environment variables and
/// the command-line options. Each layer's values are parsed by their key's <see cref="RunOption"/>,
/// with a message that names the key, the provider the value came from and what is allowed, so a
/// bad value exits 2 before anything starts; the bound record is then checked by
/// <see cref="RunSettingsValidator"/> (<see cref="RunSettings.Validate"/>).
/// </summary>
/// <remarks>
/// Key spellings are matched loosely (case, dashes and underscores ignored), so
/// <c>"stats-interval"</c>, <c>"statsInterval"</c> and <c>SYNTHEX_STATS_INTERVAL</c> are one key.
/// Unknown keys in the JSON file are errors (a typo must not be silently ignored); unknown
/// <c>SYNTHEX_</c> variables are not, since other tools share the prefix (<c>SYNTHEX_SIMD</c>).
/// Why not <c>ConfigurationBinder.Get&lt;RunSettings&gt;()</c>: it matches property names only
/// (not <c>stats-interval</c> or <c>STATS_INTERVAL</c>), its conversion errors name neither the
/// provider nor the allowed range ("Failed to convert configuration value at 'burst'..."), and it
/// sets properties one by one, bypassing the entries' <c>with</c> setters (<c>port-map</c> implies
/// <c>topology map</c>). Each layer is applied whole, in table order, so a bad value in a lower
/// layer is reported even when a higher one sets the key too, as it always was.
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
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new ConfigurationException("config", $"file '{configFile}' not found");
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)));

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            throw new ConfigurationException("config", $"'{configFile}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
        }

        var settings = new RunSettings();
        List<string>? fileEal = null;
        foreach (var provider in root.Providers) // in the order added: lowest precedence first
        {
            var present = provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (provider is JsonConfigurationProvider)
            {
                foreach (var name in present)
                {
                    if (Normalize(name) == EalKey)
                        fileEal = provider.GetChildKeys([], name).Distinct().OrderBy(c => int.Parse(c, CultureInfo.InvariantCulture))
                            .Select(c => provider.TryGet($"{name}:{c}", out var v) ? v ?? "" : "").ToList();
                    else if (string.IsNullOrWhiteSpace(name))
                        // Found by fuzzing (config target): the message began ": unknown key", naming nothing.
                        throw new ConfigurationException("config", $"'{configFile}' has an empty key (\"{name}\"); known keys: {string.Join(", ", Keys.Select(k => k.Name))}, eal");
                    else if (Find(name) is null)
                        throw new ConfigurationException(name, $"unknown key in '{configFile}'; known keys: {string.Join(", ", Keys.Select(k => k.Name))}, eal");
                }
            }
            // Table order within a layer, so --port-map's implied topology can be overridden.
            foreach (var key in Keys)
            {
                var name = present.FirstOrDefault(n => Normalize(n) == Normalize(key.Name));
                if (name is null) continue;
                if (!provider.TryGet(name, out var value) || value is null)
                {
                    if (provider is JsonConfigurationProvider)
                        throw new ConfigurationException(key.Name, $"in '{configFile}' must be a single value, not an object or array");
                    continue; // SYNTHEX_BURST__X: a section, not this key
                }
                settings = key.Apply(settings, value, provider switch
                {
                    JsonConfigurationProvider => $"in {configFile}",
                    EnvironmentVariablesConfigurationProvider => $"from {EnvironmentPrefix}{name}",
                    _ => $"from --{key.Name}",
                });
            }
        }

        return settings with { EalArgs = ealArgs.Count > 0 ? ealArgs : fileEal ?? [] };
    }

    private static RunOption? Find(string name)
    {
        string n = Normalize(name);
        return Keys.FirstOrDefault(k => Normalize(k.Name) == n);
    }

    private static string Normalize(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();
}
