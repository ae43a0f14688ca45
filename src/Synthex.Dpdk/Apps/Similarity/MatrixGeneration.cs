namespace Synthex.Dpdk.Apps;

/// <summary>
/// One loaded version of the similarity matrix: the mapping (with its per-row inverse norms), the
/// scorer over it and the version every answer computed from it names in its <c>tag</c>. A reload
/// makes a new generation beside the running one and swaps the service's reference with one
/// atomic store; the old one is disposed (unmapped) only once no compute thread can still be
/// reading it (<see cref="QuiescentReaders"/>).
/// </summary>
public sealed class MatrixGeneration : IDisposable
{
    internal MatrixGeneration(StoredMatrix matrix, SimilarityMetric metric, int maxBatch, int kMax, uint version)
    {
        Matrix = matrix;
        Version = version;
        Scorer = new TopKScorer(matrix, metric, maxBatch, kMax);
    }

    /// <summary>1 for the matrix loaded at start, one more for every reload that succeeded. Never 0 (0 is a reader's "offline").</summary>
    public uint Version { get; }

    public StoredMatrix Matrix { get; }

    /// <summary>N (a plain field: readable after the mapping is released).</summary>
    public int Rows => Matrix.Rows;

    internal TopKScorer Scorer { get; }

    /// <summary>Whether the mapping has been released (after a reload, once every reader passed a quiescent point).</summary>
    public bool Released => Matrix.Released;

    public void Dispose() => Matrix.Dispose();
}
