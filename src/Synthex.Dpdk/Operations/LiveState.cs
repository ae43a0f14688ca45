using System.Diagnostics;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// What a running instance can tell an operator while it runs: the same counters the report reads
/// at the end, captured on demand by the control thread's readers (the metrics exporter, the
/// control socket), never by a worker. The workers keep writing their single-writer counters; a
/// reader only loads them, so asking costs the hot path nothing.
/// </summary>
/// <remarks>
/// One capture is shared by every reader for <see cref="ReuseFor"/>: a Prometheus scrape reads
/// some thirty instruments, and each would otherwise walk every worker and ask every port for its
/// stats. Captures are serialised by a lock (readers only; the workers never take it), because
/// port stats are read through the driver, which is not asked to be reentrant.
/// </remarks>
public sealed class LiveState
{
    /// <summary>A capture younger than this is reused (one scrape, one capture).</summary>
    public static readonly TimeSpan ReuseFor = TimeSpan.FromMilliseconds(100);

    private readonly Func<StatsSnapshot> _capture;
    private readonly Func<IReadOnlyList<KeyValuePair<string, long>>> _serviceCounters;
    private readonly Func<IReadOnlyList<PoolStats>> _pools;
    private readonly Func<IReadOnlyList<KeyValuePair<string, HistogramSnapshot>>> _histograms;
    private readonly Lock _gate = new();
    private StatsSnapshot? _last;
    private volatile StatsSnapshot _previousLive;
    private long _gcCollectionsAtStart;
    private long _allocatedAtStart;
    private volatile bool _running, _stopped;

    /// <param name="capture">Reads every worker's counters and every port's stats (the runtime's capture, as the live line's).</param>
    /// <param name="serviceCounters">The app's own counters (consensus rounds, similarity batches...).</param>
    /// <param name="pools">The backend's buffer pools, read now (DPDK's mbuf pools); none when null.</param>
    public LiveState(string name, string app, string? mode, string backend, string backendReason,
                     Func<StatsSnapshot> capture, Func<IReadOnlyList<KeyValuePair<string, long>>> serviceCounters,
                     Func<IReadOnlyList<PoolStats>>? pools = null,
                     Func<IReadOnlyList<KeyValuePair<string, HistogramSnapshot>>>? histograms = null)
    {
        _pools = pools ?? (() => []);
        _histograms = histograms ?? (() => []);
        Name = name;
        App = app;
        Mode = mode;
        Backend = backend;
        BackendReason = backendReason;
        _capture = capture;
        _serviceCounters = serviceCounters;
        StartedTimestamp = Stopwatch.GetTimestamp();
        StartedUtc = DateTime.UtcNow;
        _previousLive = Empty();
    }

    /// <summary>
    /// Called by the control thread once the backend's workers run (their counter blocks exist
    /// only then): uptime and the GC figures count from here, as the report's window does.
    /// Until then a capture is empty.
    /// </summary>
    public void Started(StatsSnapshot first)
    {
        _gcCollectionsAtStart = GC.CollectionCount(0);
        _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
        StartedTimestamp = Stopwatch.GetTimestamp();
        StartedUtc = DateTime.UtcNow;
        _previousLive = first;
        _running = true;
    }

    /// <summary>Called once the workers have stopped: captures return the final counters from then on.</summary>
    public void Stopped() => _stopped = true;

    /// <summary>"starting", "running" or "stopping".</summary>
    public string Phase => _stopped ? "stopping" : _running ? "running" : "starting";

    /// <summary>The instance's name (<c>--name</c>): its control socket and its metrics' <c>instance</c>.</summary>
    public string Name { get; }

    public string App { get; }
    public string? Mode { get; }
    public string Backend { get; }
    public string BackendReason { get; }
    public long StartedTimestamp { get; private set; }
    public DateTime StartedUtc { get; private set; }

    public double UptimeSeconds => Stopwatch.GetElapsedTime(StartedTimestamp).TotalSeconds;

    /// <summary>Collections of any generation since the workers started (as the report counts them).</summary>
    public long GcCollections => GC.CollectionCount(0) - _gcCollectionsAtStart;

    /// <summary>Bytes the whole process allocated since the workers started (control threads included).</summary>
    public long GcAllocatedBytes => GC.GetTotalAllocatedBytes(precise: false) - _allocatedAtStart;

    /// <summary>The snapshot the last live line ended with: rates in <c>synthex status</c> are measured from it.</summary>
    public StatsSnapshot PreviousLive => _previousLive;

    /// <summary>Called by the control thread after each live line, so status rates cover the same interval as the live line.</summary>
    public void MarkLive(StatsSnapshot snapshot) => _previousLive = snapshot;

    /// <summary>The counters now, or the capture of the last <see cref="ReuseFor"/>.</summary>
    public StatsSnapshot Capture(bool fresh = false)
    {
        lock (_gate)
        {
            if (!_running) return Empty();
            if (!fresh && _last is { } last && Stopwatch.GetElapsedTime(last.Timestamp) < ReuseFor) return last;
            _last = _capture();
            return _last;
        }
    }

    private static StatsSnapshot Empty() => StatsSnapshot.Capture([], []);

    /// <summary>The app's own counters now (consensus rounds, similarity batches...).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ServiceCounters() => _serviceCounters();

    /// <summary>The app's latency histograms now (consensus <c>round</c>, similarity <c>query</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> ServiceHistograms() => _histograms();

    /// <summary>The mbuf pools' use now (empty before the workers start and for backends without pools).</summary>
    public IReadOnlyList<PoolStats> Pools() => _running ? _pools() : [];
}
