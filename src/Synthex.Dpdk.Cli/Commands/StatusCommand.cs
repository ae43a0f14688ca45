using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Synthex.Dpdk.Operations;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>
/// <c>synthex status</c>: asks running instances, through their control sockets
/// (<see cref="ControlSocket"/>), for their state and prints it: the live line, totals, drops by
/// reason, workers, ports and the service's counters. Exit 0 when every instance asked answered,
/// 3 when there is none to ask or one does not answer.
/// </summary>
internal static class StatusCommand
{
    public const string Help = """
        Ask running synthex instances for their state: the live line, totals, drops by reason,
        workers, ports, the service's counters. Each 'synthex run' opens a control socket
        RUN_DIR/NAME.sock (NAME from --name, default APP-PID; RUN_DIR /run/synthex as root).
        Without --name every instance found there is asked.

        Examples:
          synthex status
          synthex status --name edge1 --json

        Exit codes: 0 every instance asked answered, 2 bad option, 3 no instance running (or one
        that does not answer: it died and left its socket).
        """;

    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "the instance to ask (its 'synthex run --name')", HelpName = "NAME" };
        var runDir = new Option<string>("--run-dir") { Description = "where the instances' control sockets are (the run's --run-dir)", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "print the instance's answer as it came (schema synthex-status/1; several instances: a JSON array)" };
        var command = new Command("status", Help) { name, runDir, json };
        command.SetAction(parse => Execute(parse.GetValue(name), parse.GetValue(runDir), parse.GetValue(json), Console.Out, Console.Error));
        return command;
    }

    public static int Execute(string? name, string? runDir, bool json, TextWriter output, TextWriter error)
    {
        if (name is not null && !RunDirectory.IsValidName(name))
        {
            error.WriteLine($"synthex status: --name '{name}' is not a name: letters, digits, '.', '_' or '-'");
            return ExitCodes.BadConfiguration;
        }
        string dir = RunDirectory.Resolve(runDir);
        IReadOnlyList<string> names = name is not null ? [name] : RunDirectory.Instances(dir);
        if (names.Count == 0)
        {
            error.WriteLine($"synthex status: no running synthex instance: no control socket in {dir} (start one with 'synthex run'; one started with --run-dir is asked with the same --run-dir)");
            return ExitCodes.BadEnvironment;
        }

        int exit = ExitCodes.Ok;
        var answers = new List<byte[]>();
        foreach (var n in names)
        {
            string path = RunDirectory.SocketPath(dir, n);
            if (!File.Exists(path))
            {
                error.WriteLine($"synthex status: no running instance named '{n}' (no {path}); running: {Describe(RunDirectory.Instances(dir))}");
                exit = ExitCodes.BadEnvironment;
                continue;
            }
            var answer = StatusClient.Read(path, TimeSpan.FromSeconds(5), out var failure, out var detail);
            if (answer is null)
            {
                error.WriteLine(failure == StatusClient.Failure.TimedOut
                    ? $"synthex status: '{n}' did not answer within 5 s ({path})"
                    : $"synthex status: '{n}' is not running: its socket {path} does not answer ({detail}); it exited without removing it");
                exit = ExitCodes.BadEnvironment;
                continue;
            }
            answers.Add(answer);
        }

        if (json)
        {
            if (answers.Count == 1 && name is not null) output.WriteLine(Encoding.UTF8.GetString(answers[0]));
            else if (answers.Count > 0) output.WriteLine("[" + string.Join(",\n", answers.Select(a => Encoding.UTF8.GetString(a))) + "]");
        }
        else
        {
            foreach (var a in answers) Print(a, output);
        }
        return exit;
    }

    private static string Describe(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    /// <summary>The human view: who, how long, the live line, then the counters that are not zero.</summary>
    private static void Print(byte[] answer, TextWriter o)
    {
        using var doc = JsonDocument.Parse(answer);
        var root = doc.RootElement;
        var c = CultureInfo.InvariantCulture;
        string mode = root.GetProperty("mode").ValueKind == JsonValueKind.String ? "/" + root.GetProperty("mode").GetString() : "";
        o.WriteLine(string.Create(c, $"synthex '{root.GetProperty("name").GetString()}' (pid {root.GetProperty("pid").GetInt32()}): {root.GetProperty("app").GetString()}{mode} on {root.GetProperty("backend").GetString()}, {root.GetProperty("phase").GetString()}, up {FormatUptime(root.GetProperty("uptime_seconds").GetDouble())}"));
        o.WriteLine("  " + root.GetProperty("live_line").GetString());
        var report = root.GetProperty("report");
        var totals = report.GetProperty("totals");
        o.WriteLine(string.Create(c, $"  totals   rx {totals.GetProperty("rx_packets").GetInt64()} pkts {totals.GetProperty("rx_bytes").GetInt64()} B | tx {totals.GetProperty("tx_packets").GetInt64()} pkts {totals.GetProperty("tx_bytes").GetInt64()} B | replied {totals.GetProperty("replied").GetInt64()} absorbed {totals.GetProperty("absorbed").GetInt64()} originated {totals.GetProperty("originated").GetInt64()} | dropped {totals.GetProperty("dropped").GetInt64()}{(totals.GetProperty("accounted").GetBoolean() ? "" : " (in flight: rx != replied + absorbed + dropped)")}"));
        var drops = totals.GetProperty("drops").EnumerateObject().Where(p => p.Value.GetInt64() != 0).ToList();
        if (drops.Count > 0) o.WriteLine("  drops    " + string.Join(", ", drops.Select(p => $"{p.Name} {p.Value.GetInt64()}")));
        foreach (var w in report.GetProperty("lcores").EnumerateArray())
        {
            long polls = w.GetProperty("polls").GetInt64(), empty = w.GetProperty("empty_polls").GetInt64();
            o.WriteLine(string.Create(c, $"  worker {w.GetProperty("id").GetInt32(),-3} rx {w.GetProperty("rx_packets").GetInt64()} tx {w.GetProperty("tx_packets").GetInt64()} dropped {w.GetProperty("dropped").GetInt64()} | polls {polls} ({(polls == 0 ? 0 : 100.0 * (polls - empty) / polls):F1}% with packets)"));
        }
        foreach (var p in report.GetProperty("ports").EnumerateArray())
        {
            long lost = p.GetProperty("rx_missed").GetInt64() + p.GetProperty("rx_errors").GetInt64() + p.GetProperty("tx_errors").GetInt64() + p.GetProperty("rx_nombuf").GetInt64();
            o.WriteLine(string.Create(c, $"  port {p.GetProperty("id").GetInt32()} {p.GetProperty("name").GetString()}: rx {p.GetProperty("rx_packets").GetInt64()} tx {p.GetProperty("tx_packets").GetInt64()}{(lost == 0 ? "" : $" lost {lost}")}"));
        }
        if (report.TryGetProperty("service", out var service))
        {
            var nonZero = service.EnumerateObject().Where(p => p.Value.GetInt64() != 0).Select(p => $"{p.Name} {p.Value.GetInt64()}").ToList();
            if (nonZero.Count > 0) o.WriteLine("  service  " + string.Join(", ", nonZero));
        }
        if (report.TryGetProperty("latency", out var latency))
            foreach (var h in latency.EnumerateObject())
            {
                static string Bound(JsonElement e) => e.ValueKind == JsonValueKind.Number ? FormatSeconds(e.GetDouble()) : e.ValueKind == JsonValueKind.String ? e.GetString()! : "-";
                o.WriteLine(string.Create(c, $"  latency  {h.Name}: {h.Value.GetProperty("count").GetInt64()} measured, p50 <= {Bound(h.Value.GetProperty("p50_le_seconds"))}, p99 <= {Bound(h.Value.GetProperty("p99_le_seconds"))}"));
            }
        if (report.TryGetProperty("mbuf_pools", out var pools))
            foreach (var pool in pools.EnumerateArray())
                o.WriteLine(string.Create(c, $"  mbufs    {pool.GetProperty("name").GetString()}: {pool.GetProperty("in_use").GetInt64()} of {pool.GetProperty("capacity").GetInt64()} in use"));
        var gc = report.GetProperty("gc");
        o.WriteLine(string.Create(c, $"  gc       {gc.GetProperty("collections").GetInt64()} collections, {gc.GetProperty("allocated_bytes").GetInt64()} B allocated since start{(gc.TryGetProperty("heap_bytes", out var heap) ? string.Create(c, $", heap {heap.GetInt64()} B") : "")}"));
        if (root.GetProperty("metrics_url").ValueKind == JsonValueKind.String) o.WriteLine("  metrics  " + root.GetProperty("metrics_url").GetString());
    }

    private static string FormatSeconds(double s)
        => s >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{s:G3} s") : s >= 1e-3 ? string.Create(CultureInfo.InvariantCulture, $"{s * 1e3:G3} ms") : string.Create(CultureInfo.InvariantCulture, $"{s * 1e6:G3} µs");

    private static string FormatUptime(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m{t.Seconds:D2}s" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s" : string.Create(CultureInfo.InvariantCulture, $"{seconds:F1}s");
    }
}
