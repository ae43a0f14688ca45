using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>rendezvous</c>: a small service that exercises absorb and originate on every backend.
/// Each datagram is absorbed (its payload and sender kept); once two have arrived, each sender
/// is sent the other's payload — answers to someone other than the sender of the packet in hand,
/// so they are originated from the service's pool, not replied in place.
/// </summary>
/// <remarks>
/// Bounded state: one pair of slots per worker, each as large as the largest datagram. A
/// datagram arriving while a full pair waits to be sent (it is sent at the end of the poll) is
/// dropped as <c>no_buffer</c>. Two peers on different workers never meet: each worker pairs the
/// datagrams it receives.
/// </remarks>
public struct Rendezvous : IDatagramApp
{
    public const int MaxPayload = 9000;

    private readonly State _state;

    public Rendezvous() => _state = new State();

    private sealed class State
    {
        public readonly byte[][] Payloads = [new byte[MaxPayload], new byte[MaxPayload]];
        public readonly int[] Lengths = new int[2];
        public readonly DatagramPeer[] Peers = new DatagramPeer[2];
        public int Filled;
        public int Sent;
    }

    public static bool Originates => true;

    public readonly int PendingOriginations => _state.Filled == 2 ? 2 - _state.Sent : 0;

    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
    {
        State s = _state;
        if (s.Filled == 2) return DatagramVerdict.Drop(DropReason.NoBuffer);
        if (length > MaxPayload) return DatagramVerdict.Drop(DropReason.Oversized);
        buffer[..length].CopyTo(s.Payloads[s.Filled]);
        s.Lengths[s.Filled] = length;
        s.Peers[s.Filled] = meta.Peer;
        s.Filled++;
        return DatagramVerdict.Absorbed;
    }

    public int Originate(Span<byte> payload, out DatagramPeer to)
    {
        State s = _state;
        if (s.Filled != 2) { to = default; return -1; }
        int i = s.Sent;      // to peer i ...
        int other = 1 - i;   // ... the other's payload
        to = s.Peers[i];
        int length = Math.Min(s.Lengths[other], payload.Length);
        s.Payloads[other].AsSpan(0, length).CopyTo(payload);
        if (++s.Sent == 2) (s.Filled, s.Sent) = (0, 0);
        return length;
    }
}

/// <summary>The <c>rendezvous</c> app's registration: a datagram app on every backend.</summary>
public sealed class RendezvousApp : AppDescriptor
{
    public override string Name => "rendezvous";
    public override string Summary => "test service: absorb datagrams in pairs and send each sender the other's payload (originated answers)";
    public override BackendLayers Layers => BackendLayers.Datagrams;

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => consumer.Accept(new Rendezvous());
}
