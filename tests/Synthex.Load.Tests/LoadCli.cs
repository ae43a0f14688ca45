using System.Text.Json;
using Synthex.Dpdk.IntegrationTests;
using Synthex.Dpdk.IntegrationTests.Fallback;

namespace Synthex.Load.Tests;

/// <summary>Runs the real <c>synthex load</c> as a child process.</summary>
internal static class LoadCli
{
    public static (int Code, string Output) Run(params string[] args)
    {
        using var load = SynthexProcess.Start(["load", .. args]);
        int code = load.WaitForExit(120_000);
        return (code, load.Output);
    }

    /// <summary>Runs it with <c>--report-dir</c> and returns the JSON report too.</summary>
    public static (int Code, string Output, JsonElement Report, string Dir) RunWithReports(params string[] args)
    {
        string dir = Path.Combine(FallbackFixture.TempDir(), "reports");
        var (code, output) = Run([.. args, "--report-dir", dir]);
        string json = Path.Combine(dir, "report.json");
        Assert.True(File.Exists(json), output);
        return (code, output, FallbackFixture.ReadReport(json), dir);
    }
}
