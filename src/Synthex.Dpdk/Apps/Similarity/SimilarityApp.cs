namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>similarity</c>'s per-worker face: validates a QUERY or PROJECT on the I/O worker and hands
/// it to the shared <see cref="SimilarityService"/> (absorbed), and originates the answers the
/// compute thread finished for this worker. Status answers (bad input, BUSY) are written in place.
/// </summary>
public readonly struct SimilarityDatagrams(SimilarityService service) : IDatagramApp
{
    private readonly int _worker = service.RegisterWorker();

    public static bool Originates => true;

    public int PendingOriginations => service.DoneOf(_worker).Count;

    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta) => service.Accept(buffer, length, meta, _worker);

    public int Originate(Span<byte> payload, out DatagramPeer to) => service.Originate(_worker, payload, out to);
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
            var service = new SimilarityService(matrix, projection, options.Metric, options.KMax, cacheEntries: options.CacheEntries);
            log.WriteLine(service.Cache is { } cache
                ? FormattableString.Invariant($"synthex: similarity: result cache: {cache.Capacity} entries, {cache.MemoryBytes} bytes (W-TinyLFU)")
                : "synthex: similarity: result cache: off");
            return new Bound(service);
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
    internal sealed class Bound(SimilarityService service) : AppDescriptor, IDisposable
    {
        public SimilarityService Service => service;
        public override string Name => "similarity";
        public override string Summary => "";
        public override BackendLayers Layers => BackendLayers.Datagrams;

        public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
            => consumer.Accept(new SimilarityDatagrams(service));

        public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters() => service.Counters;

        public void Dispose() => service.Dispose();
    }
}
