using System.Net;
using System.Net.Sockets;
using Synthex.Client;
using Synthex.Protocol;

namespace Synthex.Dpdk.IntegrationTests.Client;

/// <summary>
/// <see cref="SimilarityClient"/>'s rules against a scripted server on a real UDP socket:
/// an unanswered request is resent (retransmit counted), BUSY is waited out and resent, no
/// answer at all ends in a TimeoutException after MaxSends, a cancelled token stops the wait,
/// and answers to other sessions or ids are not taken.
/// </summary>
public sealed class SimilarityClientBehaviourTests : IDisposable
{
    private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _endpoint;
    private static readonly SimilarityClientOptions Fast = new()
    {
        Job = 9, Session = 0xABCD, RetransmitDelay = TimeSpan.FromMilliseconds(100), MaxRetransmitDelay = TimeSpan.FromMilliseconds(200), MaxSends = 5,
    };

    public SimilarityClientBehaviourTests()
    {
        _server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _server.ReceiveTimeout = 20_000;
        _endpoint = (IPEndPoint)_server.LocalEndPoint!;
    }

    public void Dispose() => _server.Dispose();

    /// <summary>Receives one request; returns its header and who sent it.</summary>
    private (Header Header, float[] Values, EndPoint From) Receive()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = _server.ReceiveFrom(buffer, ref from);
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, n), out Message m).IsValid);
        return (m.Header, m.Values.ToArray(), from);
    }

    private void Answer(EndPoint to, Header request, ReadOnlySpan<Match> matches, ulong version = 5)
    {
        var buffer = new byte[65536];
        int n = Matches.WriteOk(buffer, request, 77, version, matches);
        _server.SendTo(buffer.AsSpan(0, n), to);
    }

    [Fact]
    public async Task An_unanswered_query_is_resent_and_the_answer_to_a_resend_completes_it()
    {
        await using var client = new SimilarityClient(_endpoint, Fast);
        Task<SimilarityResult> call = client.QueryAsync(new float[] { 1, 2, 3 }, 2);
        var first = Receive();                    // dropped on purpose
        Assert.Equal((Operation.Query, (ushort)2, (uint)3, (byte)0, 9u, 0xABCDUL), (first.Header.Operation, first.Header.K, first.Header.Length, first.Header.Retransmit, first.Header.Job, first.Header.Session));
        Assert.Equal(new float[] { 1, 2, 3 }, first.Values);
        var second = Receive();
        Assert.Equal((first.Header.Round, (byte)1), (second.Header.Round, second.Header.Retransmit));
        // An answer to another session and one to another id are not taken.
        Answer(second.From, second.Header with { Session = 1 }, [new Match(9, 9f)]);
        Answer(second.From, second.Header with { Round = second.Header.Round + 100 }, [new Match(9, 9f)]);
        Answer(second.From, second.Header, [new Match(4, 0.5f), new Match(1, 0.25f)]);
        SimilarityResult r = await call;
        Assert.Equal([new Match(4, 0.5f), new Match(1, 0.25f)], r.Matches);
        Assert.Equal(5UL, r.MatrixVersion);
        Assert.Equal(77u, client.Epoch);
        Assert.True(client.Retransmissions >= 1);
        Assert.Equal(2, client.Unmatched);
    }

    [Fact]
    public async Task Busy_is_waited_out_then_the_query_is_resent()
    {
        await using var client = new SimilarityClient(_endpoint, Fast with { RetransmitDelay = TimeSpan.FromSeconds(10), MaxRetransmitDelay = TimeSpan.FromSeconds(10) });
        Task<SimilarityResult> call = client.QueryAsync(new float[] { 1, 2 }, 1);
        var first = Receive();
        var buffer = new byte[64];
        _server.SendTo(buffer.AsSpan(0, StatusAnswer.Busy(buffer, first.Header, 77, 300)), first.From);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var second = Receive();                   // long before the 10 s retransmission: the BUSY's retry-after
        Assert.True(clock.ElapsedMilliseconds >= 250, $"resent after {clock.ElapsedMilliseconds} ms, before the 300 ms retry-after");
        Assert.Equal((first.Header.Round, (byte)1), (second.Header.Round, second.Header.Retransmit));
        Answer(second.From, second.Header, [new Match(0, 1f)]);
        Assert.Equal([new Match(0, 1f)], (await call).Matches);
    }

    [Fact]
    public async Task A_refusal_throws_naming_the_status_and_field()
    {
        await using var client = new SimilarityClient(_endpoint, Fast);
        Task<SimilarityResult> call = client.QueryAsync(new float[] { 1, 2 }, 3);
        var q = Receive();
        var buffer = new byte[64];
        _server.SendTo(buffer.AsSpan(0, StatusAnswer.TooLarge(buffer, q.Header, 77, Field.K)), q.From);
        var e = await Assert.ThrowsAsync<SimilarityException>(() => call);
        Assert.Equal((Status.TooLarge, Field.K), (e.Status, e.Field));
    }

    [Fact]
    public async Task No_answer_at_all_times_out_after_max_sends_and_a_token_cancels()
    {
        await using var client = new SimilarityClient(_endpoint, Fast with { MaxSends = 3 });
        await Assert.ThrowsAsync<TimeoutException>(() => client.QueryAsync(new float[] { 1 }, 1));
        Assert.Equal(3, client.Sent);
        Assert.Equal(2, client.Retransmissions);

        using var cts = new CancellationTokenSource();
        Task<ProjectionResult> call = client.ProjectAsync(new float[] { 1, 2 }, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }
}
