using System.Diagnostics;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// <c>consensus</c>: the datagram app around a <see cref="ConsensusCollector"/>. A contribution
/// is absorbed into its chunk; the one that completes the chunk is answered in place, the other
/// contributors' results are originated from the service's pool; refusals are answered with
/// their status; what the codec drops is dropped as <c>bad_payload</c> (and counted by the
/// codec's name in the collector). The round timeout runs in <see cref="Poll"/>, ABORTED in
/// <see cref="Stop"/>.
/// </summary>
public readonly struct ConsensusService(ConsensusCollector collector) : IDatagramApp
{
    public static bool Originates => true;
    public static bool Polls => true;

    public ConsensusCollector Collector => collector;

    public int PendingOriginations => collector.PendingOriginations;

    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
    {
        int r = collector.Handle(buffer, length, meta.Peer, Stopwatch.GetTimestamp());
        if (r > 0) return DatagramVerdict.Reply(r);
        if (r == ConsensusCollector.Absorbed) return DatagramVerdict.Absorbed;
        // Dropped by the codec, or (r == 0) an answer the buffer could not hold.
        return DatagramVerdict.Drop(r == 0 ? DropReason.Oversized : DropReason.BadPayload);
    }

    public void Poll(long timestamp) => collector.Sweep(timestamp);

    public void Stop() => collector.Abort();

    public int Originate(Span<byte> payload, out DatagramPeer to) => collector.Originate(payload, out to);
}
