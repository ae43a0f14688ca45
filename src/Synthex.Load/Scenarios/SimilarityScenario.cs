using System.Globalization;
using Synthex.Protocol;

namespace Synthex.Load.Scenarios;

/// <summary>
/// <c>similarity</c>: QUERY datagrams to the similarity service (docs/PROTOCOL.md, "Similarity"),
/// the query vector drawn from a set (an .npy file's rows, or random ones) with a Zipf(s)
/// distribution over its rows, so popular queries repeat and exercise a result cache. The
/// request id (<c>round</c>) is the runner's sequence, which the answer echoes. Every answer is
/// checked for form (MATCHES, OK, k and length echoed, items ≤ k, scores finite and highest
/// first); every --verify-every-th one, when --matrix is given, against a local f64 brute force:
/// each score within the protocol's bound of the exact score of its row, the rows distinct, and
/// each one as good as the exact top k's at its rank within that bound (so near-ties may differ).
/// </summary>
public struct SimilarityScenario : IScenario
{
    private readonly SimilarityData _data;
    private readonly MacContext? _mac;   // this sender thread's key schedule (--keys)
    private readonly ulong _session, _slotMask;
    private readonly int[] _slotQuery;
    private readonly float[] _values;
    private readonly double[] _exact, _magnitude, _topScores;
    private ulong _random;
    private long _answers;

    public SimilarityScenario(SimilarityData data, int slots, ulong session, int thread)
    {
        _data = data;
        _mac = data.Key is null ? null : new MacContext(data.Key);
        _session = session;
        _slotMask = (ulong)slots - 1;
        _slotQuery = new int[slots];
        _values = new float[data.Queries.Columns];
        int n = data.Matrix?.Rows ?? 0;
        _exact = new double[n];
        _magnitude = new double[n];
        _topScores = new double[Math.Min(data.K, Math.Max(n, 1))];
        _random = 0x9E3779B97F4A7C15UL * (ulong)(thread + 1) ^ session;
    }

    public int WriteRequest(ulong sequence, int attempt, Span<byte> request)
    {
        int index = (int)(sequence & _slotMask);
        if (attempt == 0) _slotQuery[index] = _data.Draw(NextUniform());
        var h = Query.Header(_data.Job, _session, sequence, (uint)_data.Queries.Columns, (ushort)_data.K, (byte)Math.Min(attempt, 255));
        return ScenarioKeys.Seal(_mac, request, Query.Write(request, h, _data.Queries.Row(_slotQuery[index])));
    }

    public bool TryReadSequence(ReadOnlySpan<byte> answer, out ulong sequence)
    {
        sequence = 0;
        if (!ScenarioKeys.Authentic(_mac, answer) || !Codec.ReadAnswer(answer, out Message m).IsValid) return false;
        var h = m.Header;
        if (h.Operation != Operation.Matches || h.Job != _data.Job || h.Session != _session) return false;
        sequence = h.Round;
        return true;
    }

    public Verdict Verify(ulong sequence, ReadOnlySpan<byte> answer)
    {
        if (!Codec.ReadAnswer(answer, out Message m).IsValid) return Verdict.Mismatch;
        var h = m.Header;
        if (h.Status != Status.Ok) return Verdict.ErrorStatus;
        if (h.K != _data.K || h.Length != (uint)_data.Queries.Columns || h.Tag == 0) return Verdict.Mismatch;
        var matches = m.Matches;
        for (int j = 0; j < matches.Length; j++)
        {
            if (!float.IsFinite(matches[j].Score) || (j > 0 && matches[j].Score > matches[j - 1].Score)) return Verdict.Mismatch;
            if (_data.Matrix is { } matrix && matches[j].Row >= (uint)matrix.Rows) return Verdict.Mismatch;
        }
        if (_data.Matrix is not null)
        {
            if (matches.Length != Math.Min(_data.K, _data.Matrix.Rows)) return Verdict.Mismatch;
            if (_data.VerifyEvery > 0 && _answers++ % _data.VerifyEvery == 0
                && !AgreesWithBruteForce(_data.Queries.Row(_slotQuery[(int)(sequence & _slotMask)]), matches))
                return Verdict.Mismatch;
        }
        return Verdict.Ok;
    }

    public int Retire(ulong sequence, bool ok) => 0;

    /// <summary>The answer against exact f64 scores of every row (docs/PROTOCOL.md, "Exactness":
    /// |error| ≤ γ(D + 2)·Σ|qᵢrᵢ| — over ‖q‖‖r‖ for cosine — plus 5·2⁻²⁴·|score|).</summary>
    private readonly bool AgreesWithBruteForce(ReadOnlySpan<float> q, ReadOnlySpan<Match> matches)
    {
        var matrix = _data.Matrix!;
        int d = matrix.Columns;
        double queryNorm = 0;
        foreach (float v in q) queryNorm += (double)v * v;
        queryNorm = Math.Sqrt(queryNorm);
        double gamma = (d + 2) * (1.0 / (1 << 24)) / (1 - (d + 2) * (1.0 / (1 << 24)));
        for (int r = 0; r < matrix.Rows; r++)
        {
            var row = matrix.Row(r);
            double dot = 0, magnitude = 0;
            for (int i = 0; i < d; i++)
            {
                double p = (double)q[i] * row[i];
                dot += p;
                magnitude += Math.Abs(p);
            }
            if (_data.Cosine)
            {
                double norms = queryNorm * _data.RowNorms![r];
                dot = norms == 0 ? 0 : dot / norms;
                magnitude = norms == 0 ? 0 : magnitude / norms;
            }
            _exact[r] = dot;
            _magnitude[r] = gamma * magnitude;
        }
        // The exact top k's scores, highest first (insertion into k places).
        int k = _topScores.Length, filled = 0;
        for (int r = 0; r < matrix.Rows; r++)
        {
            double s = _exact[r];
            if (filled == k && s <= _topScores[k - 1]) continue;
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && _topScores[at - 1] < s) { _topScores[at] = _topScores[at - 1]; at--; }
            _topScores[at] = s;
        }
        double slack = 0;
        for (int j = 0; j < matches.Length; j++)
        {
            int row = (int)matches[j].Row;
            double bound = _magnitude[row] + 5 * (1.0 / (1 << 24)) * Math.Abs(matches[j].Score);
            if (!(Math.Abs(matches[j].Score - _exact[row]) <= bound)) return false;
            for (int i = 0; i < j; i++) if (matches[i].Row == matches[j].Row) return false;
            slack = Math.Max(slack, bound);
        }
        // Each answered row is as good as the exact one at its rank, up to the rounding of two scores.
        for (int j = 0; j < matches.Length; j++)
            if (_exact[(int)matches[j].Row] < _topScores[j] - 2 * slack - 1e-12) return false;
        return true;
    }

    private double NextUniform()
    {
        ulong x = _random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _random = x;
        return ((x * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
    }
}

/// <summary>What every sender thread of a similarity run shares, read-only: the queries, the
/// Zipf distribution over them, the reference matrix and its row norms.</summary>
public sealed class SimilarityData
{
    public required NpyMatrix Queries { get; init; }
    public NpyMatrix? Matrix { get; init; }
    /// <summary>f64 norms of the matrix's rows (cosine only).</summary>
    public double[]? RowNorms { get; init; }
    public required int K { get; init; }
    public required uint Job { get; init; }
    public required bool Cosine { get; init; }
    public required int VerifyEvery { get; init; }
    /// <summary>The job's MAC key (<c>--keys</c>); null: unauthenticated.</summary>
    public byte[]? Key { get; init; }
    /// <summary>Cumulative probabilities of the query ranks, Zipf(s): p(i) ∝ 1 / (i + 1)^s.</summary>
    public required double[] Cumulative { get; init; }

    /// <summary>The query index for a uniform draw in [0, 1).</summary>
    public int Draw(double uniform)
    {
        int i = Array.BinarySearch(Cumulative, uniform);
        if (i < 0) i = ~i;
        return Math.Min(i, Cumulative.Length - 1);
    }

    public static double[] Zipf(int count, double s)
    {
        var cumulative = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++) cumulative[i] = sum += Math.Pow(i + 1, -s);
        for (int i = 0; i < count; i++) cumulative[i] /= sum;
        return cumulative;
    }
}

/// <summary>Registration of <see cref="SimilarityScenario"/>: --queries or --dim/--query-count,
/// --k, --zipf, --matrix, --verify-every, --metric, --job.</summary>
public sealed class SimilarityScenarioDescriptor : ScenarioDescriptor
{
    public override string Name => "similarity";
    public override string Summary => "top-k QUERY datagrams, Zipf-repeated; answers checked for form, a sample against a local brute force";

    public override IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("queries", "similarity: the query vectors, an .npy file (float32, N x D); none: random ones (--dim, --query-count)", "FILE.npy", ""),
        new("dim", "similarity: D of random queries (1..16,356; must be the served matrix's)", "D", "128"),
        new("query-count", "similarity: how many distinct random queries", "N", "1000"),
        new("k", "similarity: matches asked for per query (1..65,535)", "K", "10"),
        new("zipf", "similarity: query i is drawn with probability ~ 1/(i+1)^s (0: uniform)", "S", "1.0"),
        new("matrix", "similarity: the served matrix (.npy); with it, answers are checked against a local brute force", "FILE.npy", ""),
        new("verify-every", "similarity: check every Nth answer against the brute force (0: none)", "N", "100"),
        new("metric", "similarity: cosine | dot, as the server's --metric (for the brute force)", "NAME", "cosine"),
        // Shared with consensus (one --job, one --keys): listed here so the runner passes them to this scenario too.
        new("job", "consensus, similarity: the job id the requests carry", "J", "1"),
        ScenarioKeys.Option,
    ];

    public override int MaxRequestLength(IReadOnlyDictionary<string, string> options) => Wire.HeaderSize + 4 * Dim(options) + ScenarioKeys.TrailerBytes(options);
    public override int MaxAnswerLength(IReadOnlyDictionary<string, string> options) => Wire.HeaderSize + 8 * Int(options, "k", "10", 1, ushort.MaxValue) + 16;

    public override void Validate(IReadOnlyDictionary<string, string> options)
    {
        Dim(options);
        Int(options, "query-count", "1000", 1, 1 << 24);
        Int(options, "k", "10", 1, ushort.MaxValue);
        Int(options, "verify-every", "100", 0, int.MaxValue);
        Zipf(options);
        Cosine(options);
        ScenarioKeys.Load(options, (uint)Long(options, "job", "1", 0, uint.MaxValue));
    }

    public override string Describe(IReadOnlyDictionary<string, string> options)
    {
        string queries = Text(options, "queries") is { } file ? $"queries from {file}" : $"{Int(options, "query-count", "1000", 1, 1 << 24)} random queries";
        string check = Text(options, "matrix") is { } m ? $", every {Int(options, "verify-every", "100", 0, int.MaxValue)}th answer checked against {m}" : ", answers checked for form only";
        return string.Create(CultureInfo.InvariantCulture, $"top-{Int(options, "k", "10", 1, ushort.MaxValue)} of {Dim(options)}-float {queries}, Zipf({Zipf(options)}){check}");
    }

    public override TResult Create<TResult>(IScenarioConsumer<TResult> consumer, IReadOnlyDictionary<string, string> options)
    {
        // Loaded once, shared read-only by every sender thread.
        var data = Load(options);
        return consumer.Accept(context => new SimilarityScenario(data, context.Slots, (ulong)Random.Shared.NextInt64() | 1, context.Thread));
    }

    public static SimilarityData Load(IReadOnlyDictionary<string, string> options)
    {
        int k = Int(options, "k", "10", 1, ushort.MaxValue);
        NpyMatrix queries;
        if (Text(options, "queries") is { } file) queries = NpyMatrix.Load(file, "--queries");
        else
        {
            int d = Dim(options), n = Int(options, "query-count", "1000", 1, 1 << 24);
            var random = new Random(12345);
            var values = new float[(long)n * d];
            for (long i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            queries = new NpyMatrix(n, d, values);
        }
        if (queries.Columns > 16356) throw new LoadConfigurationException($"--queries: D = {queries.Columns} is above the 16,356 floats a QUERY may carry");
        NpyMatrix? matrix = Text(options, "matrix") is { } m ? NpyMatrix.Load(m, "--matrix") : null;
        if (matrix is not null && matrix.Columns != queries.Columns)
            throw new LoadConfigurationException($"--matrix: D = {matrix.Columns} differs from the queries' D = {queries.Columns}");
        bool cosine = Cosine(options);
        double[]? norms = null;
        if (matrix is not null && cosine)
        {
            norms = new double[matrix.Rows];
            for (int r = 0; r < matrix.Rows; r++)
            {
                double s = 0;
                foreach (float v in matrix.Row(r)) s += (double)v * v;
                norms[r] = Math.Sqrt(s);
            }
        }
        return new SimilarityData
        {
            Queries = queries, Matrix = matrix, RowNorms = norms, K = k, Job = (uint)Long(options, "job", "1", 0, uint.MaxValue), Cosine = cosine,
            VerifyEvery = Int(options, "verify-every", "100", 0, int.MaxValue), Cumulative = SimilarityData.Zipf(queries.Rows, Zipf(options)),
            Key = ScenarioKeys.Load(options, (uint)Long(options, "job", "1", 0, uint.MaxValue)),
        };
    }

    private static string? Text(IReadOnlyDictionary<string, string> options, string name)
        => options.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static int Dim(IReadOnlyDictionary<string, string> options) => Int(options, "dim", "128", 1, 16356);

    private static bool Cosine(IReadOnlyDictionary<string, string> options) => (Text(options, "metric") ?? "cosine") switch
    {
        "cosine" => true,
        "dot" => false,
        var other => throw new LoadConfigurationException($"--metric: '{other}' is not cosine or dot"),
    };

    private static double Zipf(IReadOnlyDictionary<string, string> options)
    {
        string text = Text(options, "zipf") ?? "1.0";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) || !(s >= 0) || s > 10)
            throw new LoadConfigurationException($"--zipf: '{text}' is not an exponent in [0, 10]");
        return s;
    }

    private static int Int(IReadOnlyDictionary<string, string> options, string name, string fallback, int min, int max)
        => (int)Long(options, name, fallback, min, max);

    private static long Long(IReadOnlyDictionary<string, string> options, string name, string fallback, long min, long max)
    {
        string text = Text(options, name) ?? fallback;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
            throw new LoadConfigurationException($"--{name}: '{text}' is not a whole number in {min}..{max}");
        return value;
    }
}
