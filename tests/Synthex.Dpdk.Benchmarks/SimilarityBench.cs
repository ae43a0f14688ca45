using System.Diagnostics;
using System.Globalization;
using Synthex.Dpdk.Apps;
using Synthex.Protocol;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// <c>similarity MATRIX.npy QUERIES.npy K BATCH[,BATCH...] [cosine|dot]</c>: the similarity
/// service's scorer (<see cref="TopKScorer"/>, what the compute thread runs) over a stored matrix,
/// one line per batch size: QPS on this thread and the time per batch. The counterpart of
/// FAISS's IndexFlatIP in scripts/bench-similarity.sh, on the same files.
/// </summary>
internal static class SimilarityBench
{
    public static int Run(string[] args)
    {
        using var matrix = StoredMatrix.Load(args[1]);
        using var queries = StoredMatrix.Load(args[2], "queries");
        int k = int.Parse(args[3], CultureInfo.InvariantCulture);
        int[] batches = args[4].Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        var metric = args.Length > 5 && args[5] == "cosine" ? SimilarityMetric.Cosine : SimilarityMetric.Dot;
        if (queries.Columns != matrix.Columns) throw new ArgumentException("queries and matrix differ in D");
        int d = matrix.Columns;
        foreach (int batch in batches)
        {
            var scorer = new TopKScorer(matrix, metric, batch, k);
            var ks = Enumerable.Repeat(k, batch).ToArray();
            var matches = new Match[batch * k];
            var counts = new int[batch];
            int q0 = 0;
            void One()
            {
                if (q0 + batch > queries.Rows) q0 = 0;
                scorer.Score(queries.Values.Slice(q0 * d, batch * d), ks, matches, counts);
                q0 += batch;
            }
            One(); // warm-up: JIT and the matrix's pages
            long queriesDone = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 3) { One(); queriesDone += batch; }
            double s = clock.Elapsed.TotalSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"synthex N={matrix.Rows} D={d} k={k} batch={batch} metric={metric.ToString().ToLowerInvariant()}: {queriesDone / s:F1} QPS, {s / (queriesDone / batch) * 1000:F2} ms per batch"));
        }
        return 0;
    }
}
