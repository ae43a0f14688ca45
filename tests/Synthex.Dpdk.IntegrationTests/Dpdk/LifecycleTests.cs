using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// The appliance's life on the DPDK path: stops on SIGINT/SIGTERM within a second with the
/// report written and every mbuf back in its pool, leaves no hugepage files, runs several
/// workers over RSS queues, and fails with the promised exit codes and messages.
/// </summary>
[Collection(nameof(DpdkCollection))]
public partial class LifecycleTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    private const int SIGINT = 2, SIGTERM = 15;

    /// <summary>Hugepages when the machine has them free (as CI does after hugepages-setup.sh), in memory so no file is left.</summary>
    private static List<string> HugepageEal(string prefix)
    {
        long free = long.Parse(File.ReadAllText("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages").Trim());
        Assert.True(free >= 64, $"only {free} free 2 MiB hugepages: run ./hugepages-setup.sh (scripts/bootstrap.sh does) before the integration tests");
        return ["-l", "0,1", "--in-memory", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error"];
    }

    [Theory]
    [InlineData(SIGINT, "SIGINT")]
    [InlineData(SIGTERM, "SIGTERM")]
    public void Signal_stops_within_a_second_with_report_and_mbufs_back(int signal, string name)
    {
        string prefix = SynthexRun.UniquePrefix();
        string report = Path.Combine(Path.GetTempPath(), $"{prefix}.json");
        using var run = SynthexRun.Start(["run", "--app", "forward", "--mode", "macswap", "--stats-interval", "0.2", "--stats-json", report, "--",
            .. HugepageEal(prefix), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(run.WaitFor("Mpps", 30_000), run.Output); // a live line: packets are flowing

        var sw = Stopwatch.StartNew();
        Assert.Equal(0, kill(run.Pid, signal));
        Assert.True(run.TryWaitForExit(TimeSpan.FromSeconds(5)), run.Output);
        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"exit took {sw.Elapsed.TotalMilliseconds:F0} ms\n{run.Output}");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("back in their pool", run.Stderr);

        var json = SynthexRun.Report(report);
        Assert.Equal(name, json.GetProperty("stop_cause").GetString());
        var totals = json.GetProperty("totals");
        Assert.True(totals.GetProperty("rx_packets").GetInt64() > 100_000, run.Output);
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.Equal(0, json.GetProperty("gc").GetProperty("collections").GetInt64());
        Assert.Equal(0, json.GetProperty("lcores")[0].GetProperty("allocated_bytes").GetInt64());
        Assert.Empty(Directory.GetFiles("/dev/hugepages", prefix + "*"));
        File.Delete(report);
    }

    [Theory]
    [InlineData("io")]
    [InlineData("macswap")]
    public void A_million_packets_through_real_ports_allocate_nothing_and_collect_nothing(string mode)
    {
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--mode", mode, "--duration", "1.5", "--stats-interval", "0", "--stats-json", report, "--",
            .. HugepageEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var json = SynthexRun.Report(report);
        Assert.True(json.GetProperty("totals").GetProperty("rx_packets").GetInt64() >= 1_000_000, run.Output);
        Assert.Equal(0, json.GetProperty("gc").GetProperty("collections").GetInt64());
        Assert.Equal(0, json.GetProperty("lcores")[0].GetProperty("allocated_bytes").GetInt64());
        File.Delete(report);
    }

    [Fact]
    public void Io_with_count_bytes_false_counts_every_packet_through_real_ports_and_says_bytes_were_not_counted()
    {
        // testpmd's io accounting: packets per worker, no byte read; the line and the report say so.
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--mode", "io", "--count-bytes", "false", "--duration", "1", "--stats-interval", "0.3", "--stats-json", report, "--",
            .. HugepageEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var totals = SynthexRun.Report(report).GetProperty("totals");
        Assert.True(totals.GetProperty("rx_packets").GetInt64() > 0, run.Output);
        Assert.Equal(0, totals.GetProperty("rx_bytes").GetInt64());
        Assert.False(totals.GetProperty("bytes_counted").GetBoolean());
        Assert.True(totals.GetProperty("accounted").GetBoolean());
        Assert.Contains("bytes not counted: --count-bytes false", run.Output);
        Assert.Contains(" Mpps | tx ", run.Output); // live lines: packet rates, no Gbps
        Assert.DoesNotContain("Gbps", run.Output);
        File.Delete(report);

        // The other modes read every packet anyway: refused, saying which mode can.
        using var refused = SynthexRun.Run(["run", "--mode", "macswap", "--count-bytes", "false", "--duration", "0.1", "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0"]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("only forward --mode io", refused.Output);
    }

    [Fact]
    public void The_report_times_start_up_from_process_start_to_eal_up_ports_up_and_the_first_packet()
    {
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--mode", "io", "--duration", "0.3", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var startup = SynthexRun.Report(report).GetProperty("startup");
        double eal = startup.GetProperty("backend_open_ms").GetDouble();
        double portsUp = startup.GetProperty("ports_up_ms").GetDouble();
        double first = startup.GetProperty("first_packet_ms").GetDouble(); // net_null always has packets
        // Ordered, and the process's own start (the .NET host, EAL init) comes before EAL is up.
        Assert.True(0 < eal && eal < portsUp && portsUp <= first, $"EAL up {eal} ms, ports up {portsUp} ms, first packet {first} ms\n{run.Output}");
        Assert.Matches(@"start-up: backend open \d+ ms, ports up \d+ ms, first packet \d+ ms after process start", run.Output);
        File.Delete(report);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData(null, false)]
    public void A_dpdk_run_re_executes_itself_once_with_the_shim_preloaded_when_asked_to(string? preloadSwitch, bool preloaded)
    {
        var environment = preloadSwitch is null ? null : new Dictionary<string, string> { ["SYNTHEX_PRELOAD"] = preloadSwitch };
        using var run = SynthexRun.Start(["run", "--mode", "io", "--stats-interval", "0.2", "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0"], environment);
        Assert.True(run.WaitFor("Mpps", 30_000), run.Output); // packets flowing: the process the pid names is the one running
        // The same pid (execve keeps it), now with the shim in LD_PRELOAD and the once-only guard set.
        var environ = File.ReadAllText($"/proc/{run.Pid}/environ").Split('\0');
        Assert.Equal(preloaded, environ.Any(v => v.StartsWith("SYNTHEX_PRELOADED=", StringComparison.Ordinal)));
        Assert.Equal(preloaded, environ.Any(v => v.StartsWith("LD_PRELOAD=", StringComparison.Ordinal) && v.Contains("libsynthex_shim.so")));
        Assert.Equal(0, kill(run.Pid, SIGTERM));
        Assert.True(run.TryWaitForExit(TimeSpan.FromSeconds(10)), run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.DoesNotContain("could not re-execute", run.Output);
    }

    [Fact]
    public void Runs_over_net_ring_too()
    {
        // net_ring0 loops its TX ring back into its RX ring: no traffic source, so this checks the
        // port comes up, runs and closes cleanly on another PMD.
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--app", "reflect", "--duration", "0.5", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_ring0"]);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("net_ring0", SynthexRun.Report(report).GetProperty("ports")[0].GetProperty("name").GetString());
        Assert.Contains("back in their pool", run.Stderr);
        File.Delete(report);
    }

    [Fact]
    public void Two_workers_share_rss_queues_and_account_for_every_packet()
    {
        // Three lcores on two CPUs: the main lcore and two workers (functional, not a speed test).
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        var eal = SynthexRun.NoHugeEal(SynthexRun.UniquePrefix());
        eal[0] = "--lcores";
        eal[1] = "0@0,1@1,2@0";
        using var run = SynthexRun.Run(["run", "--mode", "io", "--rx-queues", "2", "--duration", "1", "--stats-interval", "0", "--stats-json", report, "--",
            .. eal, "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var json = SynthexRun.Report(report);
        var lcores = json.GetProperty("lcores");
        Assert.Equal(2, lcores.GetArrayLength());
        foreach (var l in lcores.EnumerateArray()) Assert.True(l.GetProperty("rx_packets").GetInt64() > 0, run.Output);
        Assert.True(json.GetProperty("totals").GetProperty("accounted").GetBoolean());
        File.Delete(report);
    }

    public static TheoryData<string[], int, string> Failures() => new()
    {
        { ["run", "--burst", "0"], 2, "burst: 0 (from --burst) is out of range; allowed 1..512" },
        { ["run", "--mode", "warp"], 2, "unknown mode 'warp' for app 'forward'; allowed: io, macswap, l2fwd" },
        { ["run", "--no-such-option"], 2, "no-such-option" },
        { ["run", "--app", "forward", "--backend", "socket"], 2, "app 'forward' needs L2 frames but backend 'socket' gives UDP datagrams" },
        { ["run", "--backend", "dpdk", "--", "--no-such-eal-option"], 3, "rte_eal_init failed" },
        { ["run", "--backend", "dpdk", "--", "-l", "0,1", "--no-huge", "--no-shconf", "--no-pci", "--log-level=lib.eal:error"], 3, "EAL found no port" },
        { ["run", "--backend", "dpdk", "--", "-l", "0", "--no-huge", "--no-shconf", "--no-pci", "--vdev", "net_null0"], 2, "give at least two lcores, e.g. -l 0,1" },
        { ["run", "--backend", "dpdk", "--mode", "io", "--", "-l", "0,1", "--no-huge", "--no-shconf", "--no-pci", "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2"], 2, "3 ports cannot be paired" },
        { ["run", "--backend", "dpdk", "--ports", "net_null9", "--", "-l", "0,1", "--no-huge", "--no-shconf", "--no-pci", "--vdev", "net_null0"], 2, "ports: no port 'net_null9'; EAL found: 0=net_null0" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Bad_usage_exits_2_and_bad_environment_exits_3_with_the_promised_message(string[] args, int code, string message)
    {
        // Each EAL run gets its own prefix (added by synthex when none is given).
        using var run = SynthexRun.Run(args);
        Assert.True(run.ExitCode == code, $"expected exit {code}, got {run.ExitCode}\n{run.Output}");
        Assert.Contains(message, run.Stderr);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("run")]
    public void A_bad_SYNTHEX_SIMD_is_a_configuration_error_naming_the_paths(string command)
    {
        // The kernels read SYNTHEX_SIMD in a type initializer; the CLI checks it before anything
        // starts, so a typo is exit 2 with the allowed names, not a TypeInitializationException.
        using var run = SynthexRun.Start([command], new Dictionary<string, string> { ["SYNTHEX_SIMD"] = "avx9000" });
        Assert.True(run.TryWaitForExit(TimeSpan.FromSeconds(30)), run.Output);
        Assert.True(run.ExitCode == 2, $"expected exit 2, got {run.ExitCode}\n{run.Output}");
        Assert.Contains("SYNTHEX_SIMD", run.Stderr);
        Assert.Contains("scalar, v128, v256, v512", run.Stderr);
        Assert.DoesNotContain("TypeInitializationException", run.Output);
    }

    [Fact]
    public void Ports_are_chosen_by_name_and_id()
    {
        string report = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        using var run = SynthexRun.Run(["run", "--mode", "macswap", "--ports", "net_null2,0", "--duration", "0.5", "--stats-interval", "0", "--stats-json", report, "--",
            .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var ports = SynthexRun.Report(report).GetProperty("ports");
        Assert.Equal(["net_null2", "net_null0"], ports.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.All(ports.EnumerateArray(), p => Assert.True(p.GetProperty("tx_packets").GetInt64() > 0));
        File.Delete(report);
    }

    [Fact]
    public void Info_reports_dpdk_the_ports_simd_and_io_uring()
    {
        using var run = SynthexRun.Run(["info", "--json", "--", .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0"]);
        Assert.True(run.ExitCode == 0, run.Output);
        var json = System.Text.Json.JsonDocument.Parse(run.Stdout).RootElement;
        Assert.StartsWith("DPDK 22.11", json.GetProperty("dpdk").GetProperty("version").GetString());
        Assert.Equal("net_null0", json.GetProperty("dpdk").GetProperty("ports")[0].GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("simd").GetProperty("selected").GetString()));
        Assert.Contains(json.GetProperty("io_uring").GetProperty("usable").ValueKind, new[] { System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False });
        Assert.Equal(System.Text.Json.JsonValueKind.Array, json.GetProperty("hugepages").ValueKind);
    }

    [Fact]
    public void Bad_value_in_the_config_file_or_environment_names_the_key()
    {
        string file = Path.Combine(Path.GetTempPath(), $"{SynthexRun.UniquePrefix()}.json");
        File.WriteAllText(file, """{ "app": "forward", "stats-intervall": 2 }""");
        using (var run = SynthexRun.Run(["run", "--config", file]))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("stats-intervall: unknown key", run.Stderr);
        }
        File.WriteAllText(file, """{ "burst": 64, "rx-queues": 99 }""");
        using (var run = SynthexRun.Run(["run", "--config", file]))
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"rx-queues: 99 (in {file}) is out of range; allowed 1..16", run.Stderr);
        }
        using (var run = SynthexRun.Start(["run"], new Dictionary<string, string> { ["SYNTHEX_STATS_INTERVAL"] = "soon" }))
        {
            Assert.True(run.TryWaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("stats-interval: 'soon' (from SYNTHEX_STATS_INTERVAL) is not a number of seconds", run.Stderr);
        }
        File.Delete(file);
    }
}
