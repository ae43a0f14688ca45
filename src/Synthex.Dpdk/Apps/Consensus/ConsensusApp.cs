using System.Security.Cryptography;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// The <c>consensus</c> app's registration: a datagram app on every backend, one collector per
/// run. The epoch is drawn once per process (random, non-zero), so a restart changes it.
/// </summary>
/// <remarks>
/// One worker only: a chunk's contributions must meet in one collector, and this version does
/// not merge collectors across workers, so a second worker is refused at start (exit 2) rather
/// than splitting chunks between two collectors and answering wrong partials.
/// </remarks>
public sealed class ConsensusApp : AppDescriptor
{
    private readonly ConsensusCollector? _collector;

    /// <summary>The catalogue's entry; <see cref="Open"/> binds a run's collector.</summary>
    public ConsensusApp() { }

    private ConsensusApp(ConsensusCollector collector) => _collector = collector;

    public override string Name => "consensus";
    public override string Summary => "the consensus service: experts' weighted vectors aggregated per chunk, each chunk answered when it completes (docs/PROTOCOL.md)";
    public override BackendLayers Layers => BackendLayers.Datagrams;
    public override int MaxWorkers => 1;

    /// <summary>This process's epoch: in every answer; new at every start.</summary>
    public static uint Epoch { get; } = DrawEpoch();

    /// <summary>
    /// Allocates the run's one collector (its whole bounded state) before the backend starts, so
    /// the backend's start-up probes and the worker share it instead of each allocating its own.
    /// </summary>
    public override AppDescriptor Open(AppOptions options, TextWriter log)
        => new ConsensusApp(new ConsensusCollector(options.Consensus ?? new ConsensusLimits(), Epoch));

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => consumer.Accept(new ConsensusService(_collector ?? new ConsensusCollector(options.Consensus ?? new ConsensusLimits(), Epoch)));

    public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters()
        => _collector?.Counters.Snapshot() ?? [];

    private static uint DrawEpoch()
    {
        uint e;
        do e = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue); while (e == 0);
        return e;
    }
}
