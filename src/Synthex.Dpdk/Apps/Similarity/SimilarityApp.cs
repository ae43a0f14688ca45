namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>similarity</c>'s per-worker face: validates a QUERY or PROJECT on the I/O worker and hands
/// it to the shared <see cref="SimilarityService"/> (absorbed), and originates the answers the
/// compute thread finished for this worker. Status answers (bad input, BUSY) are written in place.
/// </summary>
/// <remarks>
/// The worker's answer queue is registered in <see cref="AttachWorker"/>, which the backend calls
/// on the copy a real worker runs — not in the constructor: the DPDK backend makes throwaway
/// copies of the app at start-up to probe it, and those must not leave phantom workers (queues
/// nobody polls). A copy that was never attached has no queue: it originates nothing, and a
/// request it sees is answered BUSY (counted <c>unattached</c>) rather than queued where no
/// worker would send the answer.
/// </remarks>
public struct SimilarityDatagrams(SimilarityService service) : IDatagramApp
{
    private int _worker = SimilarityService.Unattached;

    public static bool Originates => true;
    public static bool AttachesWorker => true;

    /// <summary>The service's index of this worker; <see cref="SimilarityService.Unattached"/> before <see cref="AttachWorker"/>.</summary>
    public readonly int Worker => _worker;

    public void AttachWorker()
    {
        if (_worker == SimilarityService.Unattached) _worker = service.RegisterWorker();
    }

    public readonly int PendingOriginations => _worker < 0 ? 0 : service.DoneOf(_worker).Count;

    public readonly DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta) => service.Accept(buffer, length, meta, _worker);

    public readonly int Originate(Span<byte> payload, out DatagramPeer to)
    {
        if (_worker < 0) { to = default; return -1; }
        return service.Originate(_worker, payload, out to);
    }
}

/// <summary>
/// The <c>similarity</c> app's registration. <see cref="Open"/> loads the matrix (and projection)
/// once per run, before the backend starts, and returns a descriptor bound to that service.
/// </summary>
public sealed class SimilarityApp : AppDescriptor
{
    public override string Name => "similarity";
    public override string Summary => "exact top-k over a stored matrix (--matrix FILE.npy, --metric cosine|dot, --k-max N; PROJECT with --projection FILE.npy)";
    public override BackendLayers Layers => BackendLayers.Datagrams;

    public override AppDescriptor Open(AppOptions options, TextWriter log)
    {
        if (options.Matrix is null)
            throw new ConfigurationException("matrix", "the similarity app needs --matrix FILE (.npy of float32 '<f4', C order, N × D; or .fvecs)");
        StoredMatrix matrix = StoredMatrix.Load(options.Matrix, "matrix");
        StoredMatrix? projection = null;
        try
        {
            Describe(log, "matrix", matrix);
            if (options.Projection is not null)
            {
                projection = StoredMatrix.Load(options.Projection, "projection");
                Describe(log, "projection", projection);
            }
            var service = new SimilarityService(matrix, projection, options.Metric, options.KMax, cacheEntries: options.CacheEntries, auth: ServiceAuth.Open(options));
            log.WriteLine(service.Cache is { } cache
                ? FormattableString.Invariant($"synthex: similarity: result cache: {cache.Capacity} entries, {cache.MemoryBytes} bytes (W-TinyLFU)")
                : "synthex: similarity: result cache: off");
            return new Bound(service, new MatrixReloader(service, options.Matrix, options.Watch, log));
        }
        catch
        {
            matrix.Dispose();
            projection?.Dispose();
            throw;
        }
    }

    private static void Describe(TextWriter log, string what, StoredMatrix m)
        => log.WriteLine(FormattableString.Invariant(
            $"synthex: similarity: {what} '{m.Path}': N = {m.Rows}, D = {m.Columns}, {m.DataBytes} bytes {(m.Mapped ? "mapped read-only" : "read (.fvecs)")}, loaded in {m.LoadTime.TotalMilliseconds:F1} ms"));

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => throw new ConfigurationException("matrix", "the similarity app is created from a loaded matrix (AppDescriptor.Open)");

    /// <summary>The descriptor a run uses: the same app, bound to its loaded service.</summary>
    internal sealed class Bound(SimilarityService service, MatrixReloader reloader) : AppDescriptor, IDisposable
    {
        public SimilarityService Service => service;
        public MatrixReloader Reloader => reloader;
        public override bool Reloads => true;

        public override bool RequestReload(string cause)
        {
            reloader.Request(cause);
            return true;
        }

        public override void StopReloading() => reloader.Stop();

        public override string Name => "similarity";
        public override string Summary => "";
        public override BackendLayers Layers => BackendLayers.Datagrams;

        public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
            => consumer.Accept(new SimilarityDatagrams(service));

        public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters() => service.Counters;

        public override IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> ServiceHistograms() => [new("query", service.QueryTimes())];

        public void Dispose()
        {
            reloader.Dispose(); // no reload runs while the service stops
            service.Dispose();
        }
    }
}
