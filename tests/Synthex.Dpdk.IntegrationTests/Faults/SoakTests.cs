using System.Diagnostics;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Faults;

/// <summary>
/// The one-minute soak: <c>scripts/soak.sh 1</c> (consensus and similarity, over DPDK through a
/// tap into a namespace and over io_uring, each under two <c>synthex load</c> runs) must pass its
/// drift checks — the accounting identity at every sample and in both final reports, RSS growth
/// over the second half within 16 MiB, mbufs back, open rounds bounded, wrong answers none.
/// Longer than the other tests (~75 s) because it is the soak; the 30-minute run is the script's.
/// </summary>
[Collection(nameof(DpdkCollection))]
public class SoakTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public async Task A_one_minute_soak_keeps_the_identity_and_memory_flat()
    {
        Assert.True(IsRoot, "needs root for ip netns and net_tap (CI runs tests as root)");
        string outDir = TempDir();
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(RepoRoot, "scripts", "soak.sh"), "1", outDir }) psi.ArgumentList.Add(a);
        using var soak = Process.Start(psi)!;
        var stdout = soak.StandardOutput.ReadToEndAsync();
        var stderr = soak.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await soak.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            soak.Kill(entireProcessTree: true);
            Assert.Fail("soak.sh 1 did not finish in 5 minutes");
        }
        int code = soak.ExitCode;
        string output = await stdout + await stderr;
        log.WriteLine(output);
        string summary = File.Exists(Path.Combine(outDir, "summary.txt")) ? File.ReadAllText(Path.Combine(outDir, "summary.txt")) : "(no summary)";
        Assert.True(code == 0, $"soak.sh exited {code}:\n{output}\n{summary}");
        Assert.Contains("RESULT: PASS", summary);
        Assert.Contains("dpdk final:", summary);
        Assert.Contains("io-uring final:", summary);
        var rows = File.ReadAllLines(Path.Combine(outDir, "soak.csv"));
        Assert.True(rows.Count(l => l.Contains(",dpdk,")) >= 4, string.Join('\n', rows));
        Assert.True(rows.Count(l => l.Contains(",io-uring,")) >= 4, string.Join('\n', rows));
    }
}
