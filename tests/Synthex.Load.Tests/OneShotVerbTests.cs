using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Load.Tests;

/// <summary>
/// <c>synthex consensus</c> and <c>synthex query</c> (the real binary) against the real services
/// on loopback, and their bad arguments (exit 2 naming the option).
/// </summary>
public class OneShotVerbTests
{
    private static (int Code, string Output) Synthex(params string[] args)
    {
        using var p = SynthexProcess.Start(args);
        int code = p.WaitForExit(60_000);
        return (code, p.Output);
    }

    [Fact]
    public void Consensus_prints_the_weighted_mean_of_two_experts()
    {
        int port = FreeUdpPort();
        using var server = SynthexProcess.Start(["run", "--app", "consensus", "--backend", "socket", "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0", "--round-timeout", "30000"]);
        Assert.True(server.WaitFor("synthex: running", 30_000), server.Output);
        string[] common = ["consensus", "--to", $"127.0.0.1:{port}", "--job", "7", "--session", "42", "--round", "1", "--target", "2"];
        // Two experts in two processes, as two people at two shells would: both get the mean.
        using var first = SynthexProcess.Start([.. common, "--expert", "0", "--weight", "1", "--values", "1,2,3"]);
        using var second = SynthexProcess.Start([.. common, "--expert", "1", "--weight", "3", "--values", "5,6,7"]);
        Assert.True(first.WaitForExit(60_000) == 0, first.Output);
        Assert.True(second.WaitForExit(60_000) == 0, second.Output);
        foreach (var p in new[] { first, second })
        {
            Assert.Contains("round 1 (job 7, session 42", p.Stdout);
            Assert.Contains(": OK", p.Stdout);
            Assert.Contains("2 expert(s) counted (bitmap 0x3), weight sum 4", p.Stdout);
            // (1·1 + 3·5) / 4 = 4, (2 + 18) / 4 = 5, (3 + 21) / 4 = 6; norm √77.
            Assert.Contains("3 element(s), norm 8.774964: [4, 5, 6]", p.Stdout);
        }
    }

    [Fact]
    public void Consensus_of_one_expert_from_an_npy_row_is_the_row()
    {
        int port = FreeUdpPort();
        using var server = SynthexProcess.Start(["run", "--app", "consensus", "--backend", "socket", "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0"]);
        Assert.True(server.WaitFor("synthex: running", 30_000), server.Output);
        string npy = Path.Combine(TempDir(), "v.npy");
        NpyWriter.Write(npy, [1, 1, 1, 0.5f, -2, 0.25f], 2, 3);
        var (code, output) = Synthex("consensus", "--to", $"127.0.0.1:{port}", "--round", "5", "--npy", npy, "--row", "1", "--chunk", "2");
        Assert.True(code == 0, output);
        Assert.Contains("2 chunk(s): OK, 1 expert(s) counted (bitmap 0x1), weight sum 1", output);
        Assert.Contains("[0.5, -2, 0.25]", output);
    }

    [Fact]
    public void Query_prints_the_top_k()
    {
        string matrix = Path.Combine(TempDir(), "m.npy");
        // Rows: e0, e1, e2, (1,1,0)/√2-ish: a query along e0 ranks row 0 first (1), then row 3.
        NpyWriter.Write(matrix, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], 4, 3);
        int port = FreeUdpPort();
        using var server = SynthexProcess.Start(["run", "--app", "similarity", "--matrix", matrix, "--backend", "socket",
            "--listen", $"127.0.0.1:{port}", "--workers", "1", "--stats-interval", "0"]);
        Assert.True(server.WaitFor("synthex: running", 30_000), server.Output);
        var (code, output) = Synthex("query", "--to", $"127.0.0.1:{port}", "--k", "1", "--values", "2,0,0,");
        Assert.True(code == 2, output);   // a trailing comma is an empty element: named
        Assert.Contains("--values", output);
        (code, output) = Synthex("query", "--to", $"127.0.0.1:{port}", "--k", "1", "--values", "2,0,0");
        Assert.True(code == 0, output);
        Assert.Contains("1 match(es) of 1 asked, matrix version 1, 3-float query", output);
        Assert.Matches(@"\n\s+1  0\s+1\s", output);
        // k above what a 3-float query may be answered with (amplification): the status is printed, exit 1.
        (code, output) = Synthex("query", "--to", $"127.0.0.1:{port}", "--k", "3", "--values", "2,0,0");
        Assert.True(code == 1, output);
        Assert.Contains("TOO_LARGE", output);
    }

    [Theory]
    [InlineData(new[] { "consensus", "--to", "127.0.0.1:9", "--round", "1" }, "--values or --npy")]
    [InlineData(new[] { "consensus", "--to", "127.0.0.1:9", "--round", "1", "--values", "1,x" }, "--values")]
    [InlineData(new[] { "consensus", "--to", "127.0.0.1:9", "--round", "1", "--values", "1", "--target", "65" }, "--target")]
    [InlineData(new[] { "consensus", "--to", "127.0.0.1:9", "--round", "1", "--values", "1", "--weight", "-1" }, "--weight")]
    [InlineData(new[] { "consensus", "--to", "nowhere", "--round", "1", "--values", "1" }, "--to")]
    [InlineData(new[] { "consensus", "--to", "127.0.0.1:9", "--round", "1", "--npy", "/nonexistent.npy" }, "--npy")]
    [InlineData(new[] { "query", "--to", "127.0.0.1:9", "--values", "1", "--k", "0" }, "--k")]
    [InlineData(new[] { "query", "--to", "127.0.0.1:9", "--values", "1", "--row", "2" }, "--row")]
    public void Bad_arguments_exit_2_naming_them(string[] args, string named)
    {
        var (code, output) = Synthex(args);
        Assert.True(code == 2, output);
        Assert.Contains(named, output);
    }
}
