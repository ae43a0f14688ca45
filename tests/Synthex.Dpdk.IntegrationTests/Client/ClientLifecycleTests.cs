using System.Net;
using System.Net.Sockets;
using Synthex.Client;
using Synthex.Protocol;

namespace Synthex.Dpdk.IntegrationTests.Client;

/// <summary>
/// The construction order <see cref="SynthexClient"/> promises its derived clients: options are
/// validated before a socket exists (a refused client leaks no descriptor), and the receive loop
/// starts only when the derived constructor says so, so an answer that is already waiting in the
/// socket is handed to a fully built client — never to one whose state is still null.
/// </summary>
public sealed class ClientLifecycleTests : IDisposable
{
    private readonly Socket _server = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _endpoint;

    public ClientLifecycleTests()
    {
        _server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _server.ReceiveTimeout = 20_000;
        _endpoint = (IPEndPoint)_server.LocalEndPoint!;
    }

    public void Dispose() => _server.Dispose();

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    [Fact]
    public void Refused_options_throw_before_a_socket_is_opened()
    {
        const int Attempts = 300;
        int before = OpenDescriptors();
        for (int i = 0; i < Attempts; i++)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ConsensusClient(_endpoint, new ConsensusClientOptions { Expert = 64 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ConsensusClient(_endpoint, new ConsensusClientOptions { Chunk = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new SimilarityClient(_endpoint, new SimilarityClientOptions { MaxSends = 0 }));
        }
        // A socket opened before the check would be one descriptor per attempt (900), held until a
        // finalizer runs; the margin is for descriptors the runtime opens meanwhile.
        Assert.InRange(OpenDescriptors() - before, int.MinValue, 20);
    }

    [Fact]
    public async Task An_answer_waiting_before_the_client_is_built_reaches_it_only_once_built()
    {
        await using var probe = new ProbeClient(_endpoint, _server);
        await probe.Handled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(probe.StateWasBuilt, "OnAnswer ran before the derived constructor had set its state");
        Assert.Equal(77u, probe.Epoch);
        Assert.Equal(1, probe.Sent);
        Assert.Equal(0, probe.Unmatched);
    }

    [Fact]
    public async Task A_malformed_answer_is_counted_as_unmatched_and_the_loop_goes_on()
    {
        await using var client = new SimilarityClient(_endpoint, new SimilarityClientOptions { Job = 3, RetransmitDelay = TimeSpan.FromSeconds(10), MaxRetransmitDelay = TimeSpan.FromSeconds(10) });
        Task<SimilarityResult> call = client.QueryAsync(new float[] { 1, 2 }, 1);
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = _server.ReceiveFrom(buffer, ref from);
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, n), out Message m).IsValid);
        Header request = m.Header;
        _server.SendTo(new byte[] { 1, 2, 3 }, from);   // shorter than a header
        var answer = new byte[256];
        _server.SendTo(answer.AsSpan(0, Matches.WriteOk(answer, request, 77, 1, [new Match(0, 1f)])), from);
        SimilarityResult r = await call.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([new Match(0, 1f)], r.Matches);
        Assert.Equal(1, client.Unmatched);
    }

    /// <summary>
    /// A client whose constructor lets the server's answer arrive (it is in the socket's buffer)
    /// before it builds its own state and starts receiving, as a slow derived constructor would.
    /// </summary>
    private sealed class ProbeClient : SynthexClient
    {
        private readonly object? _state;

        public ProbeClient(IPEndPoint server, Socket scriptedServer) : base(server, key: null)
        {
            // Send one QUERY and have the scripted server answer it now, before _state exists.
            var request = new byte[Wire.HeaderSize + 2 * sizeof(float)];
            Header h = Query.Header(1, 2, 3, 2, 1, 0, 0);
            int n = Query.Write(request, h, [1f, 2f]);
            SendAsync(request.AsMemory(0, n), retransmission: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int got = scriptedServer.ReceiveFrom(buffer, ref from);
            Assert.True(Codec.ReadRequest(buffer.AsSpan(0, got), out Message m).IsValid);
            var answer = new byte[64];
            scriptedServer.SendTo(answer.AsSpan(0, StatusAnswer.Busy(answer, m.Header, 77, 5)), from);
            Thread.Sleep(200);   // the answer is now waiting in this client's socket
            _state = new object();
            StartReceiving();
        }

        public TaskCompletionSource Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool StateWasBuilt { get; private set; }

        private protected override bool OnAnswer(Message answer)
        {
            StateWasBuilt = _state is not null;
            Epoch = answer.Header.Epoch;
            Handled.TrySetResult();
            return true;
        }
    }
}
