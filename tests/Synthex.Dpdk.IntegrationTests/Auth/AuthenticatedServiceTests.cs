using System.Net;
using Synthex.Client;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using Synthex.Dpdk.IntegrationTests.Fallback;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Auth;

/// <summary>
/// <c>synthex run --app consensus,similarity --keys FILE</c> as a child process on io_uring and
/// sockets, over real UDP: the real clients with the job's key get their consensus and matches
/// (every answer signed); forged datagrams (a bit flipped in header, payload or trailer; another
/// job's key), an unsigned one for a keyed job and a replay below the window get no answer; a
/// contribution without the server's epoch is answered STALE (signed, opening nothing); the
/// MAC flag for a job without a key is answered UNAUTHENTICATED; a retransmission is not
/// aggregated twice; the report counts each under its name. The server runs on the direct
/// OpenSSL MAC engine and, in one case, on the forced fallback (<c>SYNTHEX_MAC=incremental</c>)
/// against in-process clients on the direct one: the two engines' MACs interoperate.
/// </summary>
[Collection(FallbackCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class AuthenticatedServiceTests
{
    /// <summary>(backend, the server's MAC engine as SYNTHEX_MAC names it).</summary>
    public static TheoryData<string, string> Cases => new() { { "io-uring", "openssl" }, { "socket", "openssl" }, { "io-uring", "incremental" } };

    private static readonly byte[] Key5 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] Key6 = Convert.FromHexString("00112233445566778899aabbccddeeff");
    private const int N = 100, D = 16;

    [Theory, MemberData(nameof(Cases))]
    public async Task Keyed_jobs_are_served_to_their_key_holders_only(string backend, string engine)
    {
        string dir = TempDir(), report = Path.Combine(dir, "report.json"), matrixPath = Path.Combine(dir, "m.npy"), keys = Path.Combine(dir, "keys");
        float[] values = WriteFiles(matrixPath, keys);
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
        [
            "run", "--app", "consensus,similarity", "--matrix", matrixPath, "--metric", "dot", "--k-max", "4", "--backend", backend,
            "--listen", $"127.0.0.1:{port}", "--workers", "1", "--stats-interval", "0", "--stats-json", report, "--round-timeout", "20000",
            "--keys", keys,
        ], environment: new Dictionary<string, string> { [MacImplementation.EnvironmentVariable] = engine });
        Assert.True(synthex.WaitFor("synthex: running consensus,similarity"), synthex.Output);
        Assert.True(synthex.WaitFor($"synthex: message authentication: {engine} ("), synthex.Output);
        if (Environment.GetEnvironmentVariable(MacImplementation.EnvironmentVariable) is null)
            Assert.Equal(MacEngine.OpenSslSha256, MacImplementation.Selected);   // this process's clients: the direct engine
        await Exercise(new IPEndPoint(IPAddress.Loopback, port), values, netns: null);
        synthex.Signal(SynthexProcess.SIGINT);
        Assert.Equal(0, synthex.WaitForExit());
        AssertCounted(ReadReport(report));
    }

    /// <summary>The key file (jobs 5 and 6) and the matrix; returns the matrix's values.</summary>
    internal static float[] WriteFiles(string matrixPath, string keys)
    {
        var r = new Random(5);
        float[] values = new float[N * D];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(r.NextDouble() * 2 - 1);
        NpyWriter.Write(matrixPath, values, N, D);
        File.WriteAllText(keys, $"# test keys\n5 {Convert.ToHexString(Key5)}\n6 {Convert.ToHexString(Key6)}\n");
        File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return values;
    }

    private static T Create<T>(string? netns, Func<T> factory) => netns is null ? factory() : NamespaceThread.Create(netns, factory);

    /// <summary>
    /// The clients and the raw datagrams against a running <c>consensus,similarity</c> with the
    /// key file of <see cref="WriteFiles"/>; the sockets are made in <paramref name="netns"/> (null: here).
    /// </summary>
    internal static async Task Exercise(IPEndPoint server, float[] values, string? netns)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // 1. Two experts of job 5 with its key, through the real client: one round of two chunks.
        //    Their first sends carry epoch 0: answered STALE with the epoch, and resent with it.
        ulong session = Sessions.New();
        var clients = Create(netns, () => Enumerable.Range(0, 2).Select(e => new ConsensusClient(server, new ConsensusClientOptions
        {
            Job = 5, Session = session, Expert = (byte)e, Chunk = 256, Key = Key5, RetransmitDelay = TimeSpan.FromMilliseconds(100),
        })).ToArray());
        var results = await Task.WhenAll(clients.Select((c, e) => c.ContributeAsync(0, 2, Enumerable.Repeat((float)(e + 1), 300).ToArray(), 1f, timeout.Token)));
        foreach (var result in results)
        {
            Assert.True(result.Complete, string.Join(", ", result.Chunks));
            Assert.All(result.Values, v => Assert.Equal(1.5f, v));
        }
        Assert.All(clients, c => Assert.Equal(0, c.Forged));
        foreach (var c in clients) await c.DisposeAsync();

        // 2. A query of job 6 with its key, through the real client.
        await using (var sim = Create(netns, () => new SimilarityClient(server, new SimilarityClientOptions { Job = 6, Key = Key6 })))
        {
            var matches = await sim.QueryAsync(values.AsMemory(3 * D, D), 4, timeout.Token);
            Assert.Equal(4, matches.Matches.Length);
            Assert.Equal(0, sim.Forged);
        }

        // 3. Raw datagrams: the forgeries get nothing back.
        var buffer = new byte[4096];
        using var raw = Create(netns, () => new UdpTestClient(server, timeoutMs: 5000));
        ulong rawSession = Sessions.New();
        uint epoch = 0;
        int Signed(ulong round, byte[]? key, uint job = 5, byte expert = 0)
        {
            int n = Contribute.Write(buffer, Contribute.Header(job, rawSession, round, expert, 1, 8, 0, 8, 1f, epoch: epoch), new float[] { 1, 2, 3, 4, 5, 6, 7, 8 });
            return key is null ? n : MessageAuth.Sign(buffer, n, key);
        }
        byte[] Exchange(int n)
        {
            raw.Send(buffer.AsSpan(0, n));
            return raw.Receive();
        }
        // Epoch 0 (or an earlier instance's): STALE with the server's epoch, signed, no larger than the request, nothing opened.
        int firstContact = Signed(1, Key5);
        byte[] answer = Exchange(firstContact);
        Assert.True(MessageAuth.Verify(Key5, answer));
        Assert.True(answer.Length <= firstContact, $"{answer.Length} bytes answer a request of {firstContact}");
        Assert.True(Codec.ReadAnswer(answer, out Message stale).IsValid);
        Assert.Equal(Status.Stale, stale.Header.Status);
        epoch = stale.Header.Epoch;
        Assert.NotEqual(0u, epoch);

        // A valid one (target 1: answered at once, signed) — so silence below is the forgery's.
        answer = Exchange(Signed(1, Key5));
        Assert.True(MessageAuth.Verify(Key5, answer));
        Assert.True(Codec.ReadAnswer(answer, out Message ok).IsValid);
        Assert.Equal(Status.Ok, ok.Header.Status);
        byte[] captured = buffer[..Signed(1, Key5)];

        foreach (int at in new[] { 16, 70, 64 + 32 + 5 })   // header (round), payload, trailer
        {
            int n = Signed(2, Key5);
            buffer[at] ^= 0x10;
            raw.Send(buffer.AsSpan(0, n));
        }
        raw.Send(buffer.AsSpan(0, Signed(3, Key6)));           // job 5 signed with job 6's key
        raw.Send(buffer.AsSpan(0, Signed(4, null)));           // unsigned, keyed job
        Assert.Equal(0, raw.Drain(quietMs: 500));

        // The MAC flag for job 7, which has no key: UNAUTHENTICATED, 64 bytes.
        answer = Exchange(Signed(1, Key5, job: 7));
        Assert.Equal(64, answer.Length);
        Assert.True(Codec.ReadAnswer(answer, out Message u).IsValid);
        Assert.Equal(Status.Unauthenticated, u.Header.Status);

        // A replay: round 1 again after the expert moved 1,024 rounds on.
        Assert.True(MessageAuth.Verify(Key5, Exchange(Signed(1 + ServiceAuth.DefaultWindow, Key5))));
        captured.CopyTo(buffer, 0);
        raw.Send(buffer.AsSpan(0, captured.Length));
        Assert.Equal(0, raw.Drain(quietMs: 500));
    }

    /// <summary>The report of a run <see cref="Exercise"/> drove: each drop under its name, exactly.</summary>
    internal static void AssertCounted(System.Text.Json.JsonElement json)
    {
        Assert.True(json.GetProperty("totals").GetProperty("accounted").GetBoolean(), json.ToString());
        var service = json.GetProperty("service");
        long Counter(string name) => service.GetProperty(name).GetInt64();
        Assert.Equal(4, Counter("consensus.auth_failed"));
        Assert.Equal(1, Counter("consensus.auth_missing"));
        Assert.Equal(1, Counter("consensus.replayed"));
        Assert.Equal(1, Counter("consensus.refused_unauthenticated"));
        Assert.Equal(0, Counter("consensus.unknown_job"));
        Assert.True(Counter("consensus.epoch_stale") >= 1 + 2, service.ToString());   // the raw first contact, and each client's first send at least
        Assert.Equal(2 + 2, Counter("consensus.chunks_completed"));   // the clients' two chunks + the two raw rounds
        Assert.Equal(2 * 2 + 2, Counter("consensus.aggregated"));     // each expert once per chunk, whatever was retransmitted or stale
        Assert.True(Counter("consensus.authenticated") >= 6);
        Assert.True(Counter("similarity.authenticated") >= 1);
        Assert.True(Counter("similarity.answered") >= 1);
    }
}
