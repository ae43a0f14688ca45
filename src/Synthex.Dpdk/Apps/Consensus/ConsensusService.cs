using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// <c>consensus</c>: the datagram app around a <see cref="ConsensusRun"/>, on each worker its own
/// <see cref="ConsensusWorker"/> (found by the calling thread). A contribution is absorbed into its
/// chunk — on the worker that owns its (job, session), or handed off to it; the one that completes
/// the chunk is answered in place (or, handed off, originated by the owner), the other
/// contributors' results are originated from the service's pool; refusals are answered with their
/// status; what the codec drops is dropped as <c>bad_payload</c> (and counted by the codec's name
/// in the collector). The round timeout runs in <see cref="Poll"/>, ABORTED in <see cref="Stop"/>.
/// </summary>
public readonly struct ConsensusService(ConsensusRun run) : IDatagramApp
{
    public static bool Originates => true;
    public static bool Polls => true;

    public ConsensusRun Run => run;

    public int PendingOriginations => run.Current.PendingOriginations;

    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
    {
        // The worker's receive clock: read once per burst, not per datagram (ConsensusWorker.Handle).
        int r = run.Current.Handle(buffer, length, meta.Peer);
        if (r > 0) return DatagramVerdict.Reply(r);
        if (r == ConsensusCollector.Absorbed) return DatagramVerdict.Absorbed;
        // Dropped by the codec, or (r == 0) an answer the buffer could not hold.
        return DatagramVerdict.Drop(r == 0 ? DropReason.Oversized : DropReason.BadPayload);
    }

    public void Poll(long timestamp) => run.Current.Poll(timestamp);

    public void Stop() => run.Current.Stop();

    public int Originate(Span<byte> payload, out DatagramPeer to) => run.Current.Originate(payload, out to);
}
