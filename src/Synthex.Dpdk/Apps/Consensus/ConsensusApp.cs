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
    private static readonly List<ConsensusCollector> s_collectors = [];

    public override string Name => "consensus";
    public override string Summary => "the consensus service: experts' weighted vectors aggregated per chunk, each chunk answered when it completes (docs/PROTOCOL.md)";
    public override BackendLayers Layers => BackendLayers.Datagrams;
    public override int MaxWorkers => 1;

    /// <summary>This process's epoch: in every answer; new at every start.</summary>
    public static uint Epoch { get; } = DrawEpoch();

    /// <summary>The collectors this process created (one per run), for the report and tests.</summary>
    public static IReadOnlyList<ConsensusCollector> Collectors { get { lock (s_collectors) return [.. s_collectors]; } }

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
    {
        var collector = new ConsensusCollector(options.Consensus ?? new ConsensusLimits(), Epoch);
        lock (s_collectors) s_collectors.Add(collector);
        return consumer.Accept(new ConsensusService(collector));
    }

    public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters()
    {
        ConsensusCollector? last;
        lock (s_collectors) last = s_collectors.Count > 0 ? s_collectors[^1] : null;
        return last?.Counters.Snapshot() ?? [];
    }

    private static uint DrawEpoch()
    {
        uint e;
        do e = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue); while (e == 0);
        return e;
    }
}
