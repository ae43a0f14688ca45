namespace Synthex.Dpdk.Kernels;

/// <summary>The accumulator precision of a <see cref="ConsensusAccumulator"/>.</summary>
public enum ConsensusPrecision
{
    /// <summary>f32: half the memory traffic; fine for rounds of up to a few thousand experts.</summary>
    Single,
    /// <summary>f64: for long rounds, where f32 would lose the small late contributions (error γ₆₄(m) instead of γ₃₂(m)).</summary>
    Double,
}

/// <summary>
/// One consensus round: experts' weighted response vectors are added as they arrive
/// (acc[d] += w·v[d]), the total weight is kept in f64, and <see cref="Finalize"/> writes Σw·v / Σw.
/// Allocates once, at construction; not thread-safe (one per lcore or per round owner).
/// </summary>
public sealed class ConsensusAccumulator
{
    private readonly float[]? _single;
    private readonly double[]? _double;
    private double _totalWeight;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not positive.</exception>
    public ConsensusAccumulator(int dimension, ConsensusPrecision precision = ConsensusPrecision.Single)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Dimension = dimension;
        Precision = precision;
        if (precision == ConsensusPrecision.Double) _double = new double[dimension];
        else _single = new float[dimension];
    }

    /// <summary>The response vector length.</summary>
    public int Dimension { get; }

    /// <summary>The accumulator precision.</summary>
    public ConsensusPrecision Precision { get; }

    /// <summary>Responses added since the last <see cref="Reset"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Σ w over the responses added, in f64.</summary>
    public double TotalWeight => _totalWeight;

    /// <summary>Adds one expert's response.</summary>
    /// <exception cref="ArgumentException"><paramref name="response"/>'s length is not <see cref="Dimension"/>.</exception>
    public void Add(float weight, ReadOnlySpan<float> response)
    {
        if (_double is not null) Consensus.Accumulate(_double, weight, response);
        else Consensus.Accumulate(_single!, weight, response);
        _totalWeight += weight;
        Count++;
    }

    /// <summary>Adds a burst of responses: <paramref name="responses"/> is weights.Length × <see cref="Dimension"/>, row-major.</summary>
    /// <exception cref="ArgumentException">The shapes disagree or the burst is empty.</exception>
    public void AddBurst(ReadOnlySpan<float> weights, ReadOnlySpan<float> responses)
    {
        if (_single is not null) Consensus.AccumulateBurst(_single, weights, responses);
        else
        {
            if (weights.IsEmpty) Reductions.ThrowEmpty(nameof(weights));
            if (responses.Length != weights.Length * Dimension)
                throw new ArgumentException($"Expected {weights.Length} × {Dimension} floats, got {responses.Length}.", nameof(responses));
            for (int e = 0; e < weights.Length; e++) Consensus.Accumulate(_double!, weights[e], responses.Slice(e * Dimension, Dimension));
        }
        foreach (float w in weights) _totalWeight += w;
        Count += weights.Length;
    }

    /// <summary>Writes the weighted mean Σw·v / Σw.</summary>
    /// <exception cref="ArgumentException">The total weight is zero (nothing added, or weights cancelled), or <paramref name="result"/> has the wrong length.</exception>
    public void Finalize(Span<float> result)
    {
        if (_totalWeight == 0) Consensus.ThrowZeroWeight(nameof(TotalWeight));
        if (_double is not null) Consensus.Finalize(_double, _totalWeight, result);
        else Consensus.Finalize(_single!, (float)_totalWeight, result);
    }

    /// <summary>Clears the round for reuse; no allocation.</summary>
    public void Reset()
    {
        if (_double is not null) Array.Clear(_double);
        else Array.Clear(_single!);
        _totalWeight = 0;
        Count = 0;
    }
}
