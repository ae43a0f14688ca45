using Microsoft.Extensions.Options;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Validates <see cref="RunSettings"/> through Microsoft.Extensions.Options. Ranges are not
/// written here: each comes from its key's entry in <see cref="RunSettings.Options"/>. What a
/// range cannot say is written here once: names that must be known (app, mode, backend), text
/// formats (listen address, port map, peer MACs, ports), a power of two, keys that need each
/// other (topology map needs a port map) and a report path that can be written.
/// </summary>
/// <remarks>
/// Every problem is a <see cref="ConfigurationException"/> naming its key, so a failed result
/// (<see cref="Failure"/>) keeps them: the CLI exits 2 with each message word for word, while a
/// host that validates options generically still reads <see cref="ValidateOptionsResult.Failures"/>.
/// </remarks>
public sealed class RunSettingsValidator : IValidateOptions<RunSettings>
{
    public static readonly RunSettingsValidator Instance = new();

    public ValidateOptionsResult Validate(string? name, RunSettings options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : new Failure(problems);
    }

    /// <summary>A failed validation that keeps each problem's key.</summary>
    public sealed class Failure : ValidateOptionsResult
    {
        public Failure(IReadOnlyList<ConfigurationException> problems)
        {
            Problems = problems;
            Failed = true;
            Failures = problems.Select(p => p.Message);
            FailureMessage = string.Join("; ", Failures);
        }

        /// <summary>The problems in the order keys are checked; at least one.</summary>
        public IReadOnlyList<ConfigurationException> Problems { get; }
    }

    /// <summary>Every problem with <paramref name="s"/>, in a fixed order (names first, then the table's ranges, then formats).</summary>
    public static IEnumerable<ConfigurationException> Problems(RunSettings s)
    {
        if (!AppCatalog.TryFind(s.App, out var app))
            yield return new ConfigurationException("app", $"unknown app '{s.App}'; allowed: {AppCatalog.NamesWithPairs}");
        else if (s.Mode is not null && !app.Modes.Contains(s.Mode, StringComparer.Ordinal))
            yield return new ConfigurationException("mode", app.Modes.Count == 0
                ? $"app '{app.Name}' has no modes"
                : $"unknown mode '{s.Mode}' for app '{app.Name}'; allowed: {string.Join(", ", app.Modes)}");
        if (!BackendSelector.Names.Contains(s.Backend, StringComparer.Ordinal))
            yield return new ConfigurationException("backend", $"unknown backend '{s.Backend}'; allowed: {string.Join(", ", BackendSelector.Names)}");
        foreach (var option in RunSettings.Options)
            if (option.Problem(s) is { } problem) yield return problem;
        if (!s.CountBytes && app is not null && !(app.Name == "forward" && app.ResolveMode(s.Mode) == "io"))
            yield return new ConfigurationException("count-bytes", $"only forward --mode io can leave bytes uncounted; {app.Name}{(app.ResolveMode(s.Mode) is { } m ? " " + m : "")} reads every packet and counts its bytes at no extra cost");
        if (app is not null && s.Workers > app.MaxWorkers)
            yield return new ConfigurationException("workers", $"app '{app.Name}' runs on at most {app.MaxWorkers} worker(s); give --workers {app.MaxWorkers} or 0");
        if (Thrown(() => s.ConsensusLimits.Validate()) is { } badLimits) yield return badLimits;
        if (s.RateLimit is { } rateLimit)
        {
            if (!Apps.RateLimit.RateLimitSpec.TryParse(rateLimit, out _, out string rateProblem))
                yield return new ConfigurationException("rate-limit", rateProblem);
            else if (app is not null && (app.Layers & BackendLayers.Datagrams) == 0)
                yield return new ConfigurationException("rate-limit", $"app '{app.Name}' is not a datagram service; the rate limit is per source address of a service's datagrams");
        }
        if (!int.IsPow2(s.Buffers))
            yield return new ConfigurationException("buffers", $"{s.Buffers} is not a power of two (the io_uring buffer ring needs one), e.g. 1024, 2048, 4096");
        if (!RunSettings.TryParseListen(s.Listen, out _, out _))
            yield return new ConfigurationException("listen", $"'{s.Listen}' is not ADDR:PORT (e.g. 0.0.0.0:9000 or [::]:9000, port 1..65535)");
        if (s.Topology == PortTopology.Map && string.IsNullOrWhiteSpace(s.PortMap))
            yield return new ConfigurationException("port-map", "topology 'map' needs a port map, e.g. \"0:1,1:0\"");
        if (s.PortMap is not null && Thrown(() => PortMap.Parse(s.PortMap)) is { } badMap) yield return badMap;
        if (s.PeerMacs is not null && Thrown(() => MacTable.ParsePeers(s.PeerMacs)) is { } badMacs) yield return badMacs;
        if (s.StatsJson is not null && StatsJsonProblem(s.StatsJson) is { } badPath) yield return badPath;
        if (Thrown(() => Endpoint.OwnedAddress.ParseList(s.Address)) is { } badAddress) yield return badAddress;
        if (s.Metrics is not null && !Operations.PrometheusEndpoint.TryParse(s.Metrics, out _))
            yield return new ConfigurationException("metrics", $"'{s.Metrics}' is not [ADDR:]PORT (e.g. 9464, 127.0.0.1:9464 or [::1]:9464)");
        if (s.Name is not null && !Operations.RunDirectory.IsValidName(s.Name))
            yield return new ConfigurationException("name", $"'{s.Name}' is not a name: 1..64 letters, digits, '.', '_' or '-', not starting with '.'");
        if (s.RequireAuth && s.Keys is null)
            yield return new ConfigurationException("require-auth",
                "needs --keys FILE: without a key file no job has a key, so every message would be dropped; give --keys FILE listing every job ('JOB HEXKEY' lines, mode 600), or leave --require-auth off to serve unlisted jobs unauthenticated");
        else if (s.Keys is not null && Thrown(() => Apps.ServiceAuth.Open(s.AppOptions)) is { } badKeys) yield return badKeys;
        if (s.Ports is not null && RunSettings.ParsePorts(s.Ports).Count == 0)
            yield return new ConfigurationException("ports", "names no port; give names or ids, e.g. \"net_null0,net_null1\" or \"0,1\"");
    }

    /// <summary>
    /// The report is written at the end of a run that may have lasted hours: a path that cannot be
    /// written must stop the run before it starts, not lose the report after it.
    /// </summary>
    private static ConfigurationException? StatsJsonProblem(string path)
    {
        // Found by fuzzing (config target): "" (or a NUL in the path) threw ArgumentException from
        // GetFullPath, a crash with a stack trace instead of exit 2 naming the key.
        if (string.IsNullOrWhiteSpace(path))
            return new ConfigurationException("stats-json", "is empty; give a file to write the report to, e.g. 'report.json'");
        if (path.Contains('\0'))
            return new ConfigurationException("stats-json", "contains a NUL character; give a file to write the report to, e.g. 'report.json'");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            return new ConfigurationException("stats-json", $"'{path}' is a directory; give a file name in it, e.g. '{Path.Combine(path, "report.json")}'");
        string? dir = Path.GetDirectoryName(full);
        return dir is not null && !Directory.Exists(dir)
            ? new ConfigurationException("stats-json", $"directory '{dir}' of '{path}' does not exist; create it first")
            : null;
    }

    /// <summary>The parsers of text keys throw their own keyed message; an iterator cannot catch around a yield.</summary>
    private static ConfigurationException? Thrown(Action parse)
    {
        try { parse(); return null; }
        catch (ConfigurationException e) { return e; }
    }
}
