using Synthex.Dpdk.IntegrationTests.Fallback;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// The Native AOT build of synthex (scripts/publish-aot.sh into artifacts/aot), when it has been
/// built: its <c>info</c> picks the SIMD path the JIT build picks on this CPU (the build compiles
/// for this CPU's instruction set), and a one-second run between two net_null ports forwards
/// packets, accounts for every one, and allocates nothing on the worker. Its features beside the
/// data path (configuration file, --help, dotnet-counters) are checked here too, because AOT
/// trimming is where they would break. ILC needs several CPU-minutes, so CI does not build it:
/// without artifacts/aot/synthex these tests are skipped, with that reason.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class AotBuildTests
{
    [AotBuiltFact]
    public void Info_runs_and_picks_the_same_simd_path_as_the_jit_build()
    {
        // The text form: EAL's own lines share the output (Run joins stdout and stderr).
        var (code, output) = FallbackFixture.Run(AotBuiltFactAttribute.Executable, "info");
        Assert.True(code == 0, output);
        var simd = System.Text.RegularExpressions.Regex.Match(output, @"SIMD:\s+(\S+)");
        Assert.True(simd.Success, output);
        Assert.Equal(Kernels.SimdInfo.Name(Kernels.SimdInfo.Selected), simd.Groups[1].Value);
    }

    [AotBuiltFact]
    public void A_one_second_net_null_run_forwards_accounts_and_allocates_nothing()
    {
        string dir = FallbackFixture.TempDir(), report = Path.Combine(dir, "r.json"), config = Path.Combine(dir, "c.json");
        // The configuration file's binding (SettingsBinder over Microsoft.Extensions.Configuration):
        // a value only the file gives must reach the run.
        File.WriteAllText(config, """{ "app": "forward", "mode": "macswap", "burst": 64 }""");
        var (code, output) = FallbackFixture.Run(AotBuiltFactAttribute.Executable,
            ["run", "--config", config, "--duration", "1", "--stats-interval", "0", "--stats-json", report, "--",
             .. SynthexRun.NoHugeEal(SynthexRun.UniquePrefix()), "--vdev", "net_null0", "--vdev", "net_null1"]);
        Assert.True(code == 0, output);
        var json = FallbackFixture.ReadReport(report);
        var totals = json.GetProperty("totals");
        Assert.True(totals.GetProperty("rx_packets").GetInt64() > 100_000, output);
        Assert.True(totals.GetProperty("accounted").GetBoolean(), output);
        Assert.Equal(0, json.GetProperty("gc").GetProperty("collections").GetInt64());
        Assert.Equal(0, json.GetProperty("lcores")[0].GetProperty("allocated_bytes").GetInt64());
        Assert.Contains("\"macswap\"", File.ReadAllText(report));
        Assert.True(json.GetProperty("startup").GetProperty("first_packet_ms").GetDouble() > 0, output);
    }

    [AotBuiltFact]
    public void Help_lists_the_run_options()
    {
        var (code, output) = FallbackFixture.Run(AotBuiltFactAttribute.Executable, "run", "--help");
        Assert.True(code == 0, output);
        Assert.Contains("--burst", output);
        Assert.Contains("--stats-json", output);
    }

    [AotBuiltFact]
    public void A_bad_configuration_value_is_exit_2_with_the_key_named()
    {
        var (code, output) = FallbackFixture.Run(AotBuiltFactAttribute.Executable, "run", "--burst", "0", "--duration", "1", "--backend", "socket");
        Assert.True(code == 2, output);
        Assert.Contains("burst", output, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A fact that needs the Native AOT build: skipped, with the reason, when artifacts/aot/synthex is absent.</summary>
public sealed class AotBuiltFactAttribute : FactAttribute
{
    /// <summary>artifacts/aot/synthex, or SYNTHEX_AOT when set (another publish directory's executable).</summary>
    public static string Executable
        => Environment.GetEnvironmentVariable("SYNTHEX_AOT") is { Length: > 0 } path ? path
            : Path.Combine(FallbackFixture.RepoRoot, "artifacts", "aot", "synthex");

    public AotBuiltFactAttribute()
    {
        if (!File.Exists(Executable))
            Skip = $"no Native AOT build at {Executable}: scripts/publish-aot.sh builds it (several CPU-minutes of ILC; .ci/run does before the tests)";
    }
}
