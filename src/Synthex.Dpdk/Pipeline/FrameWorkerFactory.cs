using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// Receives the app's struct type back as a generic argument (from
/// <see cref="AppDescriptor.CreateFrameApp{TResult}"/>) and builds the poll loop specialized for
/// that app and the I/O <typeparamref name="TIo"/>: DPDK ports in production, the in-memory
/// network in unit tests.
/// </summary>
public sealed class FrameWorkerFactory<TIo>(TIo io, RxQueueRef[] rx, IReadOnlyDictionary<int, ushort> tx, int burst,
                                            WorkerCounters counters, QuitFlag stop, IdleMode idle = IdleMode.Busy,
                                            IRxWait? rxWait = null, bool countBytes = true) : IFrameAppConsumer<IWorker>
    where TIo : struct, IPacketIo
{
    public IWorker Accept<TApp>(TApp app) where TApp : struct, IFrameApp
        => new FrameWorker<TApp, TIo>(app, io, rx, tx, burst, counters, stop, idle, rxWait, countBytes);
}
