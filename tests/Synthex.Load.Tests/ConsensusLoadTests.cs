using System.Net;
using Synthex.Dpdk.IntegrationTests;
using Synthex.Load.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Load.Tests;

/// <summary>
/// <c>synthex load --scenario consensus</c> (the real binary) against the real consensus service
/// (<c>synthex run --app consensus</c>) on loopback: every RESULT verified against the client's
/// own f64 reference, every round completed; with deliberate client-side loss, through
/// retransmission; and a relay that perturbs one float of some answers is caught.
/// </summary>
public class ConsensusLoadTests
{
    private const int Experts = 4, Length = 1000, Chunk = 256, ChunksPerRound = 4;

    private static SynthexProcess StartService(string backend, int port, params string[] extra)
    {
        // A long round timeout: a lost contribution is resent (after the load's --timeout) long
        // before the server would close its chunk PARTIAL.
        var synthex = SynthexProcess.Start(["run", "--app", "consensus", "--backend", backend, "--listen", $"127.0.0.1:{port}",
            "--workers", "1", "--stats-interval", "0", "--round-timeout", "30000", .. extra]);
        Assert.True(synthex.WaitFor("synthex: running", 30_000), synthex.Output);
        return synthex;
    }

    private static string[] Load(string target, int rounds, params string[] extra) =>
    [
        "--scenario", "consensus", "--to", target, "--experts", $"{Experts}", "--length", $"{Length}", "--chunk", $"{Chunk}",
        "--rounds", $"{rounds}", "--concurrency", "16", "--duration", "120", "--interval", "0", .. extra,
    ];

    public static TheoryData<string> Backends => new() { "socket", "io-uring" };

    [Theory, MemberData(nameof(Backends))]
    public void Every_round_completes_and_every_result_verifies(string backend)
    {
        int port = FreeUdpPort();
        using var server = StartService(backend, port);
        const int rounds = 30;
        var (code, output, report, _) = LoadCli.RunWithReports(Load($"127.0.0.1:{port}", rounds, "--timeout", "5", "--max-error-rate", "0"));
        Assert.True(code == 0, output);
        long requests = rounds * Experts * ChunksPerRound;
        Assert.Equal(requests, report.GetProperty("sent").GetInt64());
        Assert.Equal(requests, report.GetProperty("answered").GetInt64());
        Assert.Equal(requests, report.GetProperty("ok").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetInt64());
        Assert.Equal("round", report.GetProperty("unit").GetString());
        Assert.Equal(rounds, report.GetProperty("units").GetInt64());
        Assert.True(report.GetProperty("unit_rate").GetDouble() > 0, output);
        Assert.Equal(0, report.GetProperty("retransmissions").GetInt64());
        Assert.Contains("rounds completed", output);
        server.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, server.WaitForExit());
    }

    /// <summary>
    /// A keyed job: the service answers the first contributions (epoch 0) STALE with its epoch,
    /// signed; the load tool adopts it and resends them at once — every round completes, nothing
    /// counted as an error, and the server saw the stale first contacts.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void With_keys_the_first_contributions_are_stale_and_resent_with_the_servers_epoch()
    {
        string dir = TempDir(), keys = Path.Combine(dir, "keys"), serverReport = Path.Combine(dir, "server.json");
        File.WriteAllText(keys, "7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        int port = FreeUdpPort();
        using var server = StartService("socket", port, "--keys", keys, "--require-auth", "true", "--stats-json", serverReport);
        const int rounds = 10;
        var (code, output, report, _) = LoadCli.RunWithReports(Load($"127.0.0.1:{port}", rounds, "--timeout", "5", "--max-error-rate", "0", "--job", "7", "--keys", keys));
        Assert.True(code == 0, output);
        Assert.Equal(rounds, report.GetProperty("units").GetInt64());
        Assert.Equal(0, report.GetProperty("errors").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.True(report.GetProperty("retransmissions").GetInt64() > 0, output);   // the resends after STALE
        server.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, server.WaitForExit());
        var service = ReadReport(serverReport).GetProperty("service");
        Assert.True(service.GetProperty("epoch_stale").GetInt64() > 0, service.ToString());
        Assert.Equal(rounds * Experts * ChunksPerRound, service.GetProperty("aggregated").GetInt64());
        Assert.Equal(0, service.GetProperty("auth_failed").GetInt64() + service.GetProperty("replayed").GetInt64() + service.GetProperty("unknown_job").GetInt64());
    }

    /// <summary>The hot path allocates nothing: after a warm-up (which takes the one-time loading
    /// of the protocol codec and first calls), the sender loop's allocation is 0.</summary>
    [Fact]
    public void The_sender_allocates_nothing_after_the_warmup()
    {
        int port = FreeUdpPort();
        using var server = StartService("socket", port);
        var (code, output, report, _) = LoadCli.RunWithReports(
        [
            "--scenario", "consensus", "--to", $"127.0.0.1:{port}", "--experts", $"{Experts}", "--length", $"{Length}", "--chunk", $"{Chunk}",
            "--concurrency", "16", "--warmup", "1", "--duration", "2", "--interval", "0", "--timeout", "5", "--max-error-rate", "0",
        ]);
        Assert.True(code == 0, output);
        Assert.True(report.GetProperty("units").GetInt64() > 0, output);
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("sender_allocated_bytes").GetInt64());
    }

    [Fact]
    public void With_client_side_loss_every_round_completes_through_retransmission()
    {
        int port = FreeUdpPort();
        using var server = StartService("socket", port);
        const int rounds = 40;
        var (code, output, report, _) = LoadCli.RunWithReports(Load($"127.0.0.1:{port}", rounds, "--loss", "0.05", "--timeout", "0.3", "--max-error-rate", "0"));
        Assert.True(code == 0, output);
        long requests = rounds * Experts * ChunksPerRound;
        Assert.Equal(requests, report.GetProperty("sent").GetInt64());
        Assert.Equal(requests, report.GetProperty("answered").GetInt64());
        Assert.Equal(0, report.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, report.GetProperty("timeouts").GetInt64());
        Assert.Equal(rounds, report.GetProperty("units").GetInt64());
        long dropped = report.GetProperty("client_dropped").GetInt64();
        long retransmissions = report.GetProperty("retransmissions").GetInt64();
        Assert.True(dropped > 0, output);
        // Every dropped datagram was sent again (a retransmission may itself be dropped, and one
        // may go out for a contribution whose answer was only slow).
        Assert.True(retransmissions >= dropped, output);
        Assert.Equal(0.05, report.GetProperty("loss").GetDouble());
    }

    [Fact]
    public void A_server_that_perturbs_results_is_caught_as_mismatches_and_exit_1()
    {
        int port = FreeUdpPort();
        using var server = StartService("socket", port);
        long seen = 0;
        // Every 7th RESULT gets its first float nudged by one part in a thousand — far outside
        // the protocol's bound, well inside what a plausibility check would pass.
        using var relay = new TamperingRelay(new IPEndPoint(IPAddress.Loopback, port), (buffer, length) =>
        {
            if (length > Wire.HeaderSize && buffer[3] == (byte)Operation.Result && ++seen % 7 == 0)
            {
                float v = BitConverter.ToSingle(buffer, Wire.HeaderSize);
                BitConverter.TryWriteBytes(buffer.AsSpan(Wire.HeaderSize), v + Math.Max(Math.Abs(v), 0.01f) * 1e-3f);
            }
        });
        const int rounds = 20;
        var (code, output, report, _) = LoadCli.RunWithReports(Load(relay.Address, rounds, "--timeout", "5"));
        Assert.True(code == 1, output);
        long mismatches = report.GetProperty("mismatches").GetInt64();
        long answered = report.GetProperty("answered").GetInt64();
        Assert.Equal(rounds * Experts * ChunksPerRound, answered);
        Assert.InRange(mismatches, answered / 7 - 1, answered / 7 + 1);
        Assert.True(report.GetProperty("units").GetInt64() < rounds, output);
        Assert.False(report.GetProperty("passed").GetBoolean());
        Assert.Contains("FAIL", output);
    }

    [Theory]
    [InlineData(new[] { "--experts", "0" }, "--experts")]
    [InlineData(new[] { "--experts", "4", "--target-count", "5" }, "--target-count")]
    [InlineData(new[] { "--length", "100000", "--chunk", "10" }, "--chunk")]
    [InlineData(new[] { "--experts", "8", "--concurrency", "4" }, "--concurrency")]
    [InlineData(new[] { "--window", "65" }, "--window")]
    public void Bad_consensus_options_exit_2_naming_the_option(string[] options, string named)
    {
        var (code, output) = LoadCli.Run(["--scenario", "consensus", "--to", "127.0.0.1:9", "--duration", "1", .. options]);
        Assert.True(code == 2, output);
        Assert.Contains(named, output);
    }
}
