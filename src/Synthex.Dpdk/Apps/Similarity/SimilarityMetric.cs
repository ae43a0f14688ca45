namespace Synthex.Dpdk.Apps;

/// <summary>How the similarity service scores a query against a stored row (<c>--metric</c>).</summary>
public enum SimilarityMetric
{
    /// <summary>(q·r) / (‖q‖·‖r‖), through inverse norms kept beside the matrix; a zero row or query scores 0.</summary>
    Cosine,
    /// <summary>q·r.</summary>
    Dot,
}
