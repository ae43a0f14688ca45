using System.Security.Cryptography;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// The <c>consensus</c> app's registration: a datagram app on every backend, one
/// <see cref="ConsensusRun"/> per run. The epoch is drawn once per process (random, non-zero), so
/// a restart changes it.
/// </summary>
/// <remarks>
/// Any number of workers (OS backends' <c>--workers</c>, DPDK worker lcores): SO_REUSEPORT or RSS
/// spreads one chunk's contributions over several, so each (job, session) is owned by one worker
/// (claimed with a CAS by the first that sees it) and the others hand its contributions to the
/// owner through a lock-free inbox (<see cref="ConsensusRun"/>). Each worker allocates its own
/// collector (<see cref="ConsensusLimits.FootprintBytes"/>) and inbox when it first runs; the
/// first worker's is allocated here, before the backend starts. Sums depend on arrival order at
/// the owner, so on the lcore and queue layout too (docs/PROTOCOL.md).
/// </remarks>
public sealed class ConsensusApp : AppDescriptor
{
    private readonly ConsensusRun? _run;

    /// <summary>The catalogue's entry; <see cref="Open"/> binds a run.</summary>
    public ConsensusApp() { }

    private ConsensusApp(ConsensusRun run) => _run = run;

    public override string Name => "consensus";
    public override string Summary => "the consensus service: experts' weighted vectors aggregated per chunk, each chunk answered when it completes (docs/PROTOCOL.md)";
    public override BackendLayers Layers => BackendLayers.Datagrams;

    /// <summary>This process's epoch: in every answer; new at every start.</summary>
    public static uint Epoch { get; } = DrawEpoch();

    /// <summary>
    /// Opens the run (the first worker's bounded state) before the backend starts, so the
    /// backend's start-up probes and the workers share it instead of each allocating its own.
    /// </summary>
    public override AppDescriptor Open(AppOptions options, TextWriter log)
        => new ConsensusApp(new ConsensusRun(options.Consensus ?? new ConsensusLimits(), Epoch, auth: ServiceAuth.Open(options)));

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => consumer.Accept(new ConsensusService(_run ?? new ConsensusRun(options.Consensus ?? new ConsensusLimits(), Epoch, auth: ServiceAuth.Open(options))));

    public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters()
        => _run?.Snapshot() ?? [];

    /// <summary><c>round</c>: first contribution → last chunk closed, per finished round.</summary>
    public override IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> ServiceHistograms()
        => _run is null ? [] : [new("round", _run.RoundTimes())];

    private static uint DrawEpoch()
    {
        uint e;
        do e = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue); while (e == 0);
        return e;
    }
}
