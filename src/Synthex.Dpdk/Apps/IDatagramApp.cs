using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// A UDP service: sees one datagram's payload in place (inside the mbuf behind the endpoint
/// stage on DPDK and the in-memory port, inside the receive buffer on io_uring and sockets), its
/// endpoints and metadata, and returns a <see cref="DatagramVerdict"/>: a reply written in place
/// (its length), a named drop, or absorbed. The same struct runs on every backend.
/// </summary>
/// <remarks>
/// <para>Implemented by <b>structs</b> only and used through a generic parameter, like
/// <see cref="IFrameApp"/>: the loop is compiled per app and the call is direct. No allocation,
/// lock or exception.</para>
/// <para>The buffer is the backend's (an RX mbuf, a provided buffer): the app must not keep a
/// reference to it past the call. What a service needs later (a peer to answer, a partial
/// result) it copies into its own bounded state and returns <see cref="DatagramVerdict.Absorbed"/>;
/// answers it decides later are <b>originated</b> (<see cref="Originates"/>).</para>
/// </remarks>
public interface IDatagramApp
{
    /// <summary>
    /// Handles one datagram. <paramref name="buffer"/> starts at the payload and is as long as
    /// the room the backend has for a reply (at least <paramref name="length"/>, the payload's
    /// length); a reply longer than it is dropped as <see cref="DropReason.Oversized"/>.
    /// </summary>
    DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta);

    /// <summary>
    /// Whether the app originates datagrams (answers to peers other than the sender of the
    /// datagram in hand). Static, so the JIT folds the origination step away for apps that do
    /// not (the default).
    /// </summary>
    static virtual bool Originates => false;

    /// <summary>
    /// Whether the app has work driven by the clock or by the stop (<see cref="Poll"/>,
    /// <see cref="Stop"/>). Static, so the JIT folds both calls away for apps that have none (the
    /// default). An app that polls originates too: what it decides then goes to its peers.
    /// </summary>
    static virtual bool Polls => false;

    /// <summary>
    /// Whether the app wants <see cref="AttachWorker"/>. Static, so the call folds away for apps
    /// that keep no per-worker state in a shared service (the default).
    /// </summary>
    static virtual bool AttachesWorker => false;

    /// <summary>
    /// Called once by the backend on the copy of the app that a real worker runs, when that worker
    /// is built and before its first datagram (never on the copies a backend makes to probe the
    /// app at start-up): the place to register the worker with a shared service (its answer queue).
    /// The app is a mutable struct held in the worker's field, so what this sets stays with it.
    /// </summary>
    void AttachWorker() { }

    /// <summary>
    /// Called once per poll of the worker, before the originations are read, when
    /// <see cref="Polls"/> (also when nothing arrived: the OS workers wake at least every ~100 ms):
    /// time-driven work such as closing rounds past their timeout. <paramref name="timestamp"/> is
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>.
    /// </summary>
    void Poll(long timestamp) { }

    /// <summary>
    /// Called once when the worker stops receiving, when <see cref="Polls"/>; the worker then sends
    /// what the app originated before it stops (e.g. ABORTED to every contributor of an open round).
    /// </summary>
    void Stop() { }

    /// <summary>How many originated datagrams wait; read once per poll when <see cref="Originates"/>.</summary>
    int PendingOriginations => 0;

    /// <summary>
    /// Writes the next originated datagram's payload into <paramref name="payload"/> (a buffer of
    /// the service's pool, as long as the backend allows) and says whom it goes to: a peer the app
    /// recorded from that peer's own datagram (<see cref="DatagramMeta.Peer"/>), whose L2/L3/L4
    /// source becomes the destination. Returns the payload length, or -1 when nothing waits.
    /// </summary>
    int Originate(Span<byte> payload, out DatagramPeer to)
    {
        to = default;
        return -1;
    }
}
