using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests;
using Synthex.Load.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Load.Tests;

/// <summary>
/// <c>synthex load --scenario similarity</c> (the real binary) against the real similarity service
/// (<c>synthex run --app similarity</c>) on loopback: answers checked against a local brute
/// force over the same matrix, random queries and queries from an .npy file; a relay that
/// changes a score is caught.
/// </summary>
public class SimilarityLoadTests
{
    private const int N = 300, D = 24;

    private static (string Matrix, string Queries) WriteFiles()
    {
        string dir = TempDir();
        var r = new Random(5);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        string matrix = Path.Combine(dir, "matrix.npy"), queries = Path.Combine(dir, "queries.npy");
        NpyWriter.Write(matrix, Random(N * D), N, D);
        NpyWriter.Write(queries, Random(50 * D), 50, D);
        return (matrix, queries);
    }

    private static SynthexProcess StartService(string backend, int port, string matrix)
    {
        var synthex = SynthexProcess.Start(["run", "--app", "similarity", "--matrix", matrix, "--metric", "cosine", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--workers", "1", "--stats-interval", "0"]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        return synthex;
    }

    public static TheoryData<string, bool> Cases => new() { { "socket", false }, { "io-uring", true } };

    [Theory, MemberData(nameof(Cases))]
    public void Every_answer_is_well_formed_and_every_one_agrees_with_the_brute_force(string backend, bool fromFile)
    {
        var (matrix, queries) = WriteFiles();
        int port = FreeUdpPort();
        using var server = StartService(backend, port, matrix);
        string[] source = fromFile ? ["--queries", queries] : ["--dim", $"{D}", "--query-count", "200"];
        var (code, output, report, _) = LoadCli.RunWithReports(
        [
            "--scenario", "similarity", "--to", $"127.0.0.1:{port}", .. source, "--k", "8", "--zipf", "1.0", "--matrix", matrix,
            "--verify-every", "1", "--concurrency", "8", "--duration", "2", "--timeout", "5", "--max-error-rate", "0",
        ]);
        Assert.True(code == 0, output);
        long sent = report.GetProperty("sent").GetInt64();
        Assert.True(sent > 100, output);
        Assert.Equal(sent, report.GetProperty("answered").GetInt64());
        Assert.Equal(sent, report.GetProperty("ok").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetInt64());
        Assert.Contains("Zipf(1)", report.GetProperty("requests").GetString());
        Assert.Equal(0, report.GetProperty("unexpected").GetInt64());
        server.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, server.WaitForExit());
    }

    [Fact]
    public void Without_a_matrix_answers_are_checked_for_form_and_statuses_are_counted()
    {
        var (matrix, _) = WriteFiles();
        int port = FreeUdpPort();
        using var server = StartService("socket", port, matrix);
        // k above the amplification limit for a 24-float query (D/2 = 12 matches): every answer
        // is TOO_LARGE, an error status, counted apart from mismatches.
        var (code, output, report, _) = LoadCli.RunWithReports(
            ["--scenario", "similarity", "--to", $"127.0.0.1:{port}", "--dim", $"{D}", "--k", "13", "--concurrency", "4", "--duration", "1", "--timeout", "5"]);
        Assert.True(code == 1, output);
        long answered = report.GetProperty("answered").GetInt64();
        Assert.True(answered > 0, output);
        Assert.Equal(answered, report.GetProperty("error_statuses").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
    }

    [Fact]
    public void A_server_that_changes_a_score_is_caught_as_mismatches_and_exit_1()
    {
        var (matrix, _) = WriteFiles();
        int port = FreeUdpPort();
        using var server = StartService("socket", port, matrix);
        long seen = 0;
        // Every 5th MATCHES gets its best score lowered by 1e-3: still sorted and plausible, but
        // off the brute force by far more than the bound.
        using var relay = new TamperingRelay(new IPEndPoint(IPAddress.Loopback, port), (buffer, length) =>
        {
            if (length >= Wire.HeaderSize + 16 && buffer[3] == (byte)Operation.Matches && ++seen % 5 == 0)
            {
                float best = BitConverter.ToSingle(buffer, Wire.HeaderSize + 4), next = BitConverter.ToSingle(buffer, Wire.HeaderSize + 12);
                BitConverter.TryWriteBytes(buffer.AsSpan(Wire.HeaderSize + 4), Math.Max(next, best - 1e-3f));
            }
        });
        var (code, output, report, _) = LoadCli.RunWithReports(
        [
            "--scenario", "similarity", "--to", relay.Address, "--dim", $"{D}", "--k", "4", "--matrix", matrix, "--verify-every", "1",
            "--concurrency", "4", "--duration", "2", "--timeout", "5",
        ]);
        Assert.True(code == 1, output);
        long answered = report.GetProperty("answered").GetInt64();
        long mismatches = report.GetProperty("mismatches").GetInt64();
        Assert.True(answered > 50, output);
        // Those whose best and second scores were closer than 1e-3 were changed less: a few may pass.
        Assert.InRange(mismatches, answered / 5 * 8 / 10, answered / 5 + 1);
        Assert.Contains("FAIL", output);
    }

    [Theory]
    [InlineData(new[] { "--k", "0" }, "--k")]
    [InlineData(new[] { "--zipf", "-1" }, "--zipf")]
    [InlineData(new[] { "--metric", "l2" }, "--metric")]
    [InlineData(new[] { "--queries", "/nonexistent.npy" }, "--queries")]
    public void Bad_similarity_options_exit_2_naming_the_option(string[] options, string named)
    {
        var (code, output) = LoadCli.Run(["--scenario", "similarity", "--to", "127.0.0.1:9", "--duration", "1", .. options]);
        Assert.True(code == 2, output);
        Assert.Contains(named, output);
    }
}
