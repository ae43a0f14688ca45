using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Synthex.Load;
using Synthex.Load.Reports;
using Synthex.Load.Scenarios;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>
/// <c>synthex load</c>: the UDP load generator and verifier (src/Synthex.Load, docs/LOAD.md).
/// Self-contained: its options are its own, parsed here and handed to <see cref="LoadRunner"/>.
/// Exit codes: 0 the error rate is within --max-error-rate, 1 it is not (or nothing was sent),
/// 2 a bad option (named), 3 the target cannot be reached from here (no route, no IPv6).
/// </summary>
internal static class LoadCommand
{
    public const string Examples = """
        Load a UDP service and verify every answer. Closed loop (--concurrency: N requests kept in
        flight) or open loop (--rate, --ramp, --steps: requests sent on a schedule, latency measured
        from each request's intended send time, so a stalled server shows). A live line per second;
        at the end a table, and with --report-dir a JSON report, a Markdown summary and a plot.

        Examples:
          # 32 requests in flight for 10 s against synthex's reflect app
          synthex load --scenario reflect --to 127.0.0.1:9000 --concurrency 32 --duration 10

          # 50k requests/s after 2 s of warm-up, 2 pinned sender threads, all reports
          synthex load --scenario reflect --to [::1]:11111 --rate 50000 --warmup 2 --threads 2 --pin 0,1 --report-dir out/

          # ramp from 10k to 200k requests/s over 30 s against sockperf server; fail above 0.1% errors
          synthex load --scenario reflect --to 10.0.0.2:11111 --ramp 10000..200000 --duration 30 --max-error-rate 0.001

          # a step schedule: 5 s at each rate
          synthex load --scenario reflect --to 127.0.0.1:9000 --steps 1000:5,5000:5,20000:5 --report-json load.json

          # the consensus service: 8 experts x 1,024 floats, 500 rounds, 1% of datagrams dropped on purpose and resent
          synthex load --scenario consensus --to 127.0.0.1:9000 --experts 8 --length 1024 --rounds 500 --duration 60 --concurrency 64 --loss 0.01 --timeout 0.05

          # the similarity service: top-10 of queries drawn Zipf(1.0), every 100th checked against a brute force
          synthex load --scenario similarity --to 127.0.0.1:9001 --queries q.npy --k 10 --zipf 1.0 --matrix m.npy --concurrency 32

        Exit codes: 0 within --max-error-rate, 1 above it (mismatches + timeouts + errors over sent),
        2 bad option, 3 the target cannot be reached from this host.
        """;

    public static Command Create()
    {
        var scenario = new Option<string>("--scenario")
        {
            Description = "what to send and how to check answers: " + string.Join(", ", ScenarioRegistry.All.Select(s => s.Name)),
            HelpName = "NAME", Required = true,
        };
        var to = new Option<string>("--to") { Description = "the target, ADDR:PORT (IPv4, [IPv6] or a host name)", HelpName = "ADDR:PORT", Required = true };
        var concurrency = new Option<int?>("--concurrency") { Description = "closed loop: requests in flight over all threads (default 1 when no rate is given)", HelpName = "N" };
        var rate = new Option<double?>("--rate") { Description = "open loop: requests per second over all threads", HelpName = "R" };
        var ramp = new Option<string>("--ramp") { Description = "open loop: rate rising linearly from A to B over --duration", HelpName = "A..B" };
        var steps = new Option<string>("--steps") { Description = "open loop: R1 requests/s for S1 seconds, then R2 for S2, ... (sets --duration)", HelpName = "R1:S1,R2:S2" };
        var duration = new Option<double?>("--duration") { Description = "seconds measured, after the warm-up (default 10)", HelpName = "S" };
        var warmup = new Option<double>("--warmup") { Description = "seconds of load before the measured window, excluded from every figure", HelpName = "S" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for an answer before counting a timeout", HelpName = "S", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "sender threads, each with its own socket", HelpName = "N", DefaultValueFactory = _ => 1 };
        var pin = new Option<string>("--pin") { Description = "pin sender thread i to CPU i mod n of this list", HelpName = "CPU,CPU" };
        var batch = new Option<int>("--batch") { Description = "datagrams per system call", HelpName = "N", DefaultValueFactory = _ => 32 };
        var maxOutstanding = new Option<int?>("--max-outstanding") { Description = "open loop: most requests in flight per thread (default: 2 x rate x timeout)", HelpName = "N" };
        var io = new Option<string>("--io") { Description = "mmsg (sendmmsg/recvmmsg, default) or socket (one call per datagram)", HelpName = "KIND", DefaultValueFactory = _ => "mmsg" };
        var busyPoll = new Option<bool>("--busy-poll") { Description = "spin while waiting for answers instead of sleeping in ppoll (lower latency, one core per thread)" };
        var maxErrorRate = new Option<double>("--max-error-rate") { Description = "exit 1 when (mismatches + timeouts + errors) / sent is above this", HelpName = "FRACTION", DefaultValueFactory = _ => 0.01 };
        var interval = new Option<double>("--interval") { Description = "seconds between live lines; 0: none", HelpName = "S", DefaultValueFactory = _ => 1 };
        var retries = new Option<int?>("--retries") { Description = "retransmissions of a request unanswered after --timeout before it counts as a timeout (default: the scenario's, consensus 20, others 0)", HelpName = "N" };
        var loss = new Option<double>("--loss") { Description = "drop this fraction of datagrams on purpose before sending (counted), to exercise retransmission", HelpName = "P" };
        var reportJson = new Option<string>("--report-json") { Description = "write the JSON report here (schema: docs/LOAD.md)", HelpName = "FILE" };
        var reportDir = new Option<string>("--report-dir") { Description = "write report.json, report.md and report.png here", HelpName = "DIR" };

        var command = new Command("load", Examples)
        {
            scenario, to, concurrency, rate, ramp, steps, duration, warmup, timeout, threads, pin, batch, maxOutstanding, io, busyPoll,
            maxErrorRate, interval, retries, loss, reportJson, reportDir,
        };
        // Each scenario's own options (--size, ...), under the scenario's name in the help.
        var scenarioOptions = new List<(ScenarioOption Spec, Option<string> Option)>();
        foreach (var spec in ScenarioRegistry.All.SelectMany(s => s.Options).DistinctBy(o => o.Name))
        {
            var option = new Option<string>("--" + spec.Name) { Description = $"{spec.Help} (default {spec.Default})", HelpName = spec.HelpName };
            command.Options.Add(option);
            scenarioOptions.Add((spec, option));
        }

        command.SetAction(parse =>
        {
            try
            {
                string name = parse.GetValue(scenario)!;
                var descriptor = ScenarioRegistry.Find(name)
                    ?? throw new LoadConfigurationException($"--scenario: '{name}' is not one of {string.Join(", ", ScenarioRegistry.All.Select(s => s.Name))}");
                var own = new Dictionary<string, string>();
                foreach (var (spec, option) in scenarioOptions)
                    if (descriptor.Options.Any(o => o.Name == spec.Name)) own[spec.Name] = parse.GetValue(option) ?? spec.Default;

                RateSchedule? schedule = null;
                double seconds = parse.GetValue(duration) ?? 10;
                int shapes = (parse.GetValue(concurrency) is null ? 0 : 1) + (parse.GetValue(rate) is null ? 0 : 1)
                           + (parse.GetValue(ramp) is null ? 0 : 1) + (parse.GetValue(steps) is null ? 0 : 1);
                if (shapes > 1) throw new LoadConfigurationException("give one of --concurrency, --rate, --ramp or --steps");
                if (parse.GetValue(rate) is { } r) schedule = RateSchedule.Constant(r, seconds);
                if (parse.GetValue(ramp) is { } rampText) schedule = RateSchedule.ParseRamp(rampText, seconds);
                if (parse.GetValue(steps) is { } stepsText)
                {
                    schedule = RateSchedule.ParseSteps(stepsText);
                    if (parse.GetValue(duration) is { } d && Math.Abs(d - schedule.Seconds) > 1e-9)
                        throw new LoadConfigurationException($"--duration: {d} s disagrees with --steps, which last {schedule.Seconds} s (leave --duration out)");
                    seconds = schedule.Seconds;
                }

                var options = new LoadOptions
                {
                    Target = ParseTarget(parse.GetValue(to)!),
                    Scenario = descriptor,
                    ScenarioOptions = own,
                    Concurrency = schedule is null ? parse.GetValue(concurrency) ?? 1 : null,
                    Schedule = schedule,
                    DurationSeconds = seconds,
                    WarmupSeconds = parse.GetValue(warmup),
                    TimeoutSeconds = parse.GetValue(timeout),
                    Threads = parse.GetValue(threads),
                    PinCpus = ParseCpus(parse.GetValue(pin)),
                    Batch = parse.GetValue(batch),
                    MaxOutstanding = parse.GetValue(maxOutstanding),
                    Io = parse.GetValue(io) switch
                    {
                        "mmsg" => IoKind.Mmsg,
                        "socket" => IoKind.Socket,
                        var other => throw new LoadConfigurationException($"--io: '{other}' is not mmsg or socket"),
                    },
                    BusyPoll = parse.GetValue(busyPoll),
                    MaxErrorRate = parse.GetValue(maxErrorRate),
                    Retries = parse.GetValue(retries),
                    Loss = parse.GetValue(loss),
                    IntervalSeconds = parse.GetValue(interval),
                };
                return Execute(options, parse.GetValue(reportJson), parse.GetValue(reportDir), Console.Out, Console.Error);
            }
            catch (LoadConfigurationException e)
            {
                Console.Error.WriteLine($"synthex load: bad option: {e.Message}");
                return ExitCodes.BadConfiguration;
            }
        });
        return command;
    }

    public static int Execute(LoadOptions options, string? reportJson, string? reportDir, TextWriter output, TextWriter error)
    {
        options.Validate();
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });

        output.WriteLine($"synthex load: {options.Scenario.Name} ({options.Scenario.Describe(options.ScenarioOptions)}) -> {options.Target}, "
                         + $"{options.ShapeDescription}, {options.Threads} thread(s), {options.DurationSeconds:0.###} s after {options.WarmupSeconds:0.###} s warm-up");
        if (options.ScenarioOptions.TryGetValue("keys", out string? keys) && !string.IsNullOrEmpty(keys))
            output.WriteLine($"synthex load: message authentication: {Synthex.Protocol.MacImplementation.Describe()}");
        LoadResult result;
        try
        {
            result = LoadRunner.Run(options, output, stop.Token);
        }
        catch (SocketException e)
        {
            error.WriteLine($"synthex load: cannot reach {options.Target} from here: {e.Message} (check the address family, the route, the port)");
            return ExitCodes.BadEnvironment;
        }
        catch (Exception e) when (e is not LoadConfigurationException)
        {
            error.WriteLine($"synthex load: failed while running: {e}");
            return ExitCodes.Failure;
        }
        output.Write(TextReport.Table(result));
        foreach (var path in ReportFiles.Write(result, reportJson, reportDir)) output.WriteLine($"synthex load: wrote {path}");
        if (!result.Passed)
            error.WriteLine(result.Sent == 0
                ? "synthex load: FAIL: nothing was sent"
                : string.Create(CultureInfo.InvariantCulture, $"synthex load: FAIL: error rate {result.ErrorRate:P3} is above --max-error-rate {result.MaxErrorRate:P3}"));
        return result.Passed ? ExitCodes.Ok : ExitCodes.Failure;
    }

    internal static IPEndPoint ParseTarget(string text)
    {
        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0 && text.Contains(':')
            && (endpoint.AddressFamily == AddressFamily.InterNetwork || text.StartsWith('[')))
            return endpoint;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) && port != 0)
        {
            string host = text[..colon];
            IPAddress[] addresses;
            try { addresses = Dns.GetHostAddresses(host); }
            catch (SocketException e) { throw new LoadConfigurationException($"--to: cannot resolve '{host}': {e.Message}"); }
            if (addresses.Length > 0) return new IPEndPoint(addresses[0], port);
        }
        throw new LoadConfigurationException($"--to: '{text}' is not ADDR:PORT (e.g. 127.0.0.1:9000, [::1]:9000, host:9000)");
    }

    private static int[] ParseCpus(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        return text.Split(',', StringSplitOptions.TrimEntries).Select(c =>
            int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu) ? cpu
                : throw new LoadConfigurationException($"--pin: '{c}' is not a CPU number")).ToArray();
    }
}
