using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Protocol;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// <c>cache-study [ACCESSES] [UNIVERSE]</c> (scripts/bench-cache.sh): the similarity service's own
/// <see cref="ResultCache"/> (W-TinyLFU) replayed over synthetic query traces beside LRU, a static
/// cache of the C most frequent keys of the whole trace (preloaded: about the best an online
/// policy can do on a stationary stream) and Belady's offline optimum (with bypass: a bound no
/// online policy reaches). Then the latency of a hit against a miss through the service itself.
/// </summary>
/// <remarks>Traces: Zipf s = 0.8, 1.0, 1.2 over UNIVERSE keys, and a scan-polluted mix (Zipf 1.0
/// with bursts of one-off keys making 30% of the accesses). C = 1% and 5% of the trace's distinct keys.</remarks>
internal static class CacheStudy
{
    private const int KeyBytes = 8;

    public static int Run(string[] args)
    {
        int accesses = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        int universe = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
        Console.WriteLine($"trace: {accesses} accesses over {universe} keys; hit ratio % (W-TinyLFU = the service's ResultCache)");
        Console.WriteLine("| trace | C | W-TinyLFU | LRU | static top-C | Belady OPT | W-TinyLFU − LRU | top-C − W-TinyLFU |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        var traces = new (string Name, long[] Keys)[]
        {
            ("Zipf 0.8", Zipf(accesses, universe, 0.8, seed: 1)),
            ("Zipf 1.0", Zipf(accesses, universe, 1.0, seed: 2)),
            ("Zipf 1.2", Zipf(accesses, universe, 1.2, seed: 3)),
            ("scan-polluted (Zipf 1.0 + 30% one-off scans)", ScanPolluted(accesses, universe, seed: 4)),
        };
        foreach (var (name, keys) in traces)
        {
            int distinct = keys.Distinct().Count();
            foreach (double share in new[] { 0.01, 0.05 })
            {
                int c = Math.Max(1, (int)(distinct * share));
                double w = TinyLfu(keys, c), lru = Lru(keys, c), top = StaticTop(keys, c), opt = Belady(keys, c);
                Console.WriteLine(FormattableString.Invariant(
                    $"| {name} | {c} ({share:P0} of {distinct}) | {w:F2} | {lru:F2} | {top:F2} | {opt:F2} | {w - lru:+0.00;-0.00} | {top - w:+0.00;-0.00} |"));
            }
        }
        HitVersusMiss();
        return 0;
    }

    /// <summary><c>cache-trace FILE CAPACITY</c>: replays a recorded query-id trace (scripts/similarity-load.py) through the same policies.</summary>
    public static int Replay(string[] args)
    {
        long[] keys = File.ReadLines(args[1]).Where(l => l.Length > 0).Select(l => long.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        int c = int.Parse(args[2], CultureInfo.InvariantCulture);
        Console.WriteLine(FormattableString.Invariant(
            $"replay of {keys.Length} queries ({keys.Distinct().Count()} distinct), C = {c}: W-TinyLFU {TinyLfu(keys, c):F2} %, LRU {Lru(keys, c):F2} %, static top-C {StaticTop(keys, c):F2} %, Belady {Belady(keys, c):F2} %"));
        return 0;
    }

    private static long[] Zipf(int n, int universe, double s, int seed)
    {
        var cdf = new double[universe];
        double sum = 0;
        for (int i = 0; i < universe; i++) { sum += 1 / Math.Pow(i + 1, s); cdf[i] = sum; }
        // Ranks map to scattered ids so popularity is not ordered like the hash.
        var ids = Enumerable.Range(0, universe).Select(i => (long)i).ToArray();
        var rng = new Random(seed);
        rng.Shuffle(ids);
        var keys = new long[n];
        for (int i = 0; i < n; i++)
        {
            int r = Array.BinarySearch(cdf, rng.NextDouble() * sum);
            keys[i] = ids[r < 0 ? ~r : r];
        }
        return keys;
    }

    private static long[] ScanPolluted(int n, int universe, int seed)
    {
        long[] zipf = Zipf(n, universe, 1.0, seed);
        var rng = new Random(seed + 100);
        var keys = new long[n];
        long nextOneOff = 1L << 40; // never repeats, never in the Zipf universe
        // A burst of 200 starts with probability p per step; scan share = 200p / (200p + 1 − p) = 0.3.
        const double burstStart = 0.3 / (0.7 * 200 + 0.3);
        for (int i = 0, z = 0; i < n;)
        {
            if (rng.NextDouble() < burstStart)
            {
                // A burst of 200 one-off keys (a scan).
                for (int j = 0; j < 200 && i < n; j++) keys[i++] = nextOneOff++;
            }
            else keys[i++] = zipf[z++];
        }
        return keys;
    }

    private static double TinyLfu(long[] keys, int capacity)
    {
        var cache = new ResultCache(capacity, KeyBytes, 1);
        Span<byte> q = stackalloc byte[KeyBytes];
        var into = new Match[1];
        Match[] answer = [new Match(1, 1f)];
        long hits = 0;
        foreach (long key in keys)
        {
            MemoryMarshal.Write(q, key);
            ulong h = cache.HashOf(q, 1, SimilarityMetric.Dot, 1);
            if (cache.TryGet(h, q, 1, SimilarityMetric.Dot, 1, into) >= 0) hits++;
            else cache.Put(h, q, 1, SimilarityMetric.Dot, 1, answer);
        }
        return 100.0 * hits / keys.Length;
    }

    private static double Lru(long[] keys, int capacity)
    {
        var map = new Dictionary<long, LinkedListNode<long>>(capacity);
        var order = new LinkedList<long>();
        long hits = 0;
        foreach (long key in keys)
        {
            if (map.TryGetValue(key, out var node)) { hits++; order.Remove(node); order.AddFirst(node); continue; }
            if (map.Count == capacity) { map.Remove(order.Last!.Value); order.RemoveLast(); }
            map[key] = order.AddFirst(key);
        }
        return 100.0 * hits / keys.Length;
    }

    private static double StaticTop(long[] keys, int capacity)
    {
        var counts = new Dictionary<long, int>();
        foreach (long key in keys) counts[key] = counts.GetValueOrDefault(key) + 1;
        long hits = counts.Values.OrderByDescending(c => c).Take(capacity).Sum(c => (long)c);
        return 100.0 * hits / keys.Length;
    }

    /// <summary>Belady's MIN with bypass: on a miss, keep the C keys whose next use is soonest.</summary>
    private static double Belady(long[] keys, int capacity)
    {
        var next = new int[keys.Length];
        var seen = new Dictionary<long, int>();
        for (int i = keys.Length - 1; i >= 0; i--)
        {
            next[i] = seen.TryGetValue(keys[i], out int j) ? j : int.MaxValue;
            seen[keys[i]] = i;
        }
        var cached = new Dictionary<long, int>(capacity);      // key → its next use
        var byNext = new SortedSet<(int Next, long Key)>();
        long hits = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            long key = keys[i];
            if (cached.TryGetValue(key, out int at)) { hits++; byNext.Remove((at, key)); }
            else if (cached.Count == capacity)
            {
                var furthest = byNext.Max;
                if (next[i] >= furthest.Next) continue; // bypass: this key is needed later than everything held
                byNext.Remove(furthest);
                cached.Remove(furthest.Key);
            }
            cached[key] = next[i];
            byNext.Add((next[i], key));
        }
        return 100.0 * hits / keys.Length;
    }

    /// <summary>Median time of a hit (answered in place by the I/O path) against a miss (queued, scored, originated) through a real service.</summary>
    private static void HitVersusMiss()
    {
        const int rows = 100_000, d = 128, k = 10;
        string path = Path.Combine(Path.GetTempPath(), $"synthex-cache-study-{Environment.ProcessId}.npy");
        var rng = new Random(7);
        var values = new float[rows * d];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        NpyWriter.Write(path, values, rows, d);
        try
        {
            using var service = new SimilarityService(StoredMatrix.Load(path), null, SimilarityMetric.Cosine, kMax: 100, slots: 16, cacheEntries: 4096);
            int worker = service.RegisterWorker();
            var meta = new DatagramMeta(new DatagramPeer(UdpEndpoint.V4(0x7f000001, 4242), UdpEndpoint.V4(0x7f000001, 9000), 0, 0, 0), 0);
            var buffer = new byte[9000];
            var payload = new byte[9000];
            var query = new float[d];
            var miss = new List<double>();
            var hit = new List<double>();
            for (int i = 0; i < 220; i++)
            {
                for (int j = 0; j < d; j++) query[j] = (float)(rng.NextDouble() * 2 - 1);
                int n = Query.Write(buffer, Query.Header(7, 1, (ulong)i, d, k), query);
                byte[] request = buffer[..n];
                long t0 = Stopwatch.GetTimestamp();
                if (!service.Accept(buffer, n, meta, worker).IsAbsorbed) throw new InvalidOperationException("expected a miss");
                while (service.Originate(worker, payload, out _) < 0) Thread.SpinWait(20);
                if (i >= 20) miss.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                for (int r = 0; r < 50; r++)
                {
                    request.CopyTo(buffer, 0);
                    t0 = Stopwatch.GetTimestamp();
                    if (!service.Accept(buffer, n, meta, worker).IsReply) throw new InvalidOperationException("expected a hit");
                    if (i >= 20) hit.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
                }
            }
            miss.Sort();
            hit.Sort();
            Console.WriteLine(FormattableString.Invariant(
                $"latency through SimilarityService (N = {rows}, D = {d}, k = {k}, cosine; in process, one worker): hit p50 {hit[hit.Count / 2]:F2} µs (p99 {hit[hit.Count * 99 / 100]:F2}), miss p50 {miss[miss.Count / 2]:F0} µs (p99 {miss[miss.Count * 99 / 100]:F0}); miss ÷ hit {miss[miss.Count / 2] / hit[hit.Count / 2]:F0}×"));
            Console.WriteLine(string.Join(", ", service.Counters.Where(c => c.Key.StartsWith("cache_", StringComparison.Ordinal)).Select(c => $"{c.Key} {c.Value}")));
        }
        finally { File.Delete(path); }
    }
}
