using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Synthex.Protocol;

namespace Synthex.Load.Scenarios;

/// <summary>
/// <c>consensus</c>: one sender thread plays E experts of one run (its own random session) of the
/// consensus service (docs/PROTOCOL.md, "Consensus"). A request is one CONTRIBUTE datagram — one
/// (round, chunk, expert) — and its answer is the RESULT addressed to that expert: a round of a
/// D-element vector in chunks of C is E × ⌈D/C⌉ requests, sent chunk by chunk, every expert of a
/// chunk after the other, and it completes when each of them is answered OK. The E answers of a
/// chunk must carry the same consensus: each is checked element by element against the client's
/// own f64 reference Σwᵢ·xᵢ / Σwᵢ over the experts the answer's bitmap names, within the
/// protocol's bound 2·(n + 1)·2⁻²⁴·Σwᵢ·|xᵢ| / Σwᵢ, and bit for bit against the first answer of
/// the chunk with the same bitmap. A PARTIAL is checked the same way over its experts (and its
/// round is not counted completed).
/// <para>
/// Nothing is stored per element: an expert's values and weight are a hash of (session, round,
/// expert, element), recomputed for the reference. Per request the scenario keeps (round, chunk,
/// expert) in arrays indexed by the runner's slot, and per (round in the window, chunk, expert)
/// the sequence in flight, which is how an answer — matched on (operation, job, session, round,
/// expert, offset) as the protocol says — finds its request. Round ids increase from 1 per
/// session; round r is sent only once every round up to r − W is answered (W = --window, the
/// server's --max-rounds-per-job), so the runner never causes BUSY.
/// </para>
/// </summary>
public struct ConsensusScenario : IScenario
{
    private readonly uint _job;
    private readonly MacContext? _mac;   // this sender thread's key schedule (--keys)
    private readonly ulong _session;
    private readonly int _experts, _target, _window, _chunks;
    private readonly uint _length;
    private readonly ushort _chunk, _timeoutMs;
    private readonly long _roundLimit;
    private readonly ulong _slotMask;

    // Per runner slot: which contribution it carries.
    private readonly long[] _slotRound;
    private readonly int[] _slotChunk, _slotExpert;
    // Per (round mod W, chunk, expert): the sequence in flight for it (0: none).
    private readonly ulong[] _sequenceOf;
    // Per round mod W: requests not yet retired, and whether all so far were answered OK.
    private readonly int[] _remaining;
    private readonly bool[] _roundOk;
    private readonly float[] _values;

    // The reference of the last (round, offset, bitmap) verified, and the first answer's values.
    private readonly double[] _reference, _bound;
    private readonly float[] _firstAnswer;
    private long _cacheRound;
    private uint _cacheOffset;
    private ulong _cacheBitmap;
    private bool _cacheHasAnswer;

    private long _low, _started, _round;
    // The server's epoch as last seen (0 until its first answer), which every request carries: a
    // keyed job's service answers a contribution without it STALE (docs/PROTOCOL.md).
    private uint _epoch;
    private readonly EpochSends[] _slotEpochs;   // per runner slot: the epochs its request's sends carried
    private int _nextChunk, _nextExpert;

    /// <param name="key">The job's MAC key (<c>--keys</c>): requests signed, answers verified; null: neither.</param>
    public ConsensusScenario(ConsensusShape shape, int slots, ulong session, long roundLimit, byte[]? key = null)
    {
        _job = shape.Job;
        _mac = key is null ? null : new MacContext(key);
        _session = session;
        _experts = shape.Experts;
        _target = shape.Target;
        _window = shape.Window;
        _length = (uint)shape.Length;
        _chunk = (ushort)shape.Chunk;
        _chunks = (int)Chunks.Count(_length, _chunk);
        _timeoutMs = (ushort)shape.RoundTimeoutMs;
        _roundLimit = roundLimit;
        _slotMask = (ulong)slots - 1;
        _slotRound = new long[slots];
        _slotChunk = new int[slots];
        _slotExpert = new int[slots];
        _slotEpochs = new EpochSends[slots];
        _sequenceOf = new ulong[_window * _chunks * _experts];
        _remaining = new int[_window];
        _roundOk = new bool[_window];
        _values = new float[_chunk];
        _reference = new double[_chunk];
        _bound = new double[_chunk];
        _firstAnswer = new float[_chunk];
        _cacheRound = -1;
        _low = _started = _round = 1;
    }

    public int WriteRequest(ulong sequence, int attempt, Span<byte> request)
    {
        int index = (int)(sequence & _slotMask);
        if (attempt == 0)
        {
            if (_nextChunk == 0 && _nextExpert == 0)
            {
                if (_roundLimit > 0 && _round > _roundLimit) return IScenario.Finished;
                // The admission window: round r only once every round up to r − W is answered.
                if (_round >= _low + _window) return IScenario.NotNow;
                _remaining[_round % _window] = _chunks * _experts;
                _roundOk[_round % _window] = true;
                _started = _round + 1;
            }
            _slotRound[index] = _round;
            _slotChunk[index] = _nextChunk;
            _slotExpert[index] = _nextExpert;
            _sequenceOf[Key(_round, _nextChunk, _nextExpert)] = sequence;
            if (++_nextExpert == _experts)
            {
                _nextExpert = 0;
                if (++_nextChunk == _chunks)
                {
                    _nextChunk = 0;
                    _round++;
                }
            }
        }
        long round = _slotRound[index];
        int chunk = _slotChunk[index], expert = _slotExpert[index];
        uint offset = (uint)chunk * _chunk;
        int n = Chunks.Elements(_length, offset, _chunk);
        var values = _values.AsSpan(0, n);
        for (int i = 0; i < n; i++) values[i] = Value(_session, round, expert, offset + (uint)i);
        var h = Contribute.Header(_job, _session, (ulong)round, (byte)expert, (byte)_target, _length, offset, _chunk,
                                  Weight(_session, round, expert), _timeoutMs, (byte)Math.Min(attempt, 255), _epoch);
        _slotEpochs[index].Sent(_epoch, attempt);
        return ScenarioKeys.Seal(_mac, request, Contribute.Write(request, h, values));
    }

    public bool TryReadSequence(ReadOnlySpan<byte> answer, out ulong sequence)
    {
        sequence = 0;
        if (!ScenarioKeys.Authentic(_mac, answer) || !Codec.ReadAnswer(answer, out Message m).IsValid) return false;
        var h = m.Header;
        if (h.Operation != Operation.Result || h.Job != _job || h.Session != _session || h.Chunk != _chunk
            || h.Expert >= _experts || h.Offset >= _length || h.Offset % _chunk != 0
            || h.Round < (ulong)_low || h.Round >= (ulong)_started)
            return false;
        sequence = _sequenceOf[Key((long)h.Round, (int)(h.Offset / _chunk), h.Expert)];
        return sequence != 0;
    }

    public Verdict Verify(ulong sequence, ReadOnlySpan<byte> answer)
    {
        int index = (int)(sequence & _slotMask);
        long round = _slotRound[index];
        if (!Codec.ReadAnswer(answer, out Message m).IsValid) return Verdict.Mismatch;
        var h = m.Header;
        if (h.Epoch != 0 && h.Epoch != _epoch) _epoch = h.Epoch;   // the server's (new) epoch: later requests carry it
        // STALE for an epoch this request was not written with: not the round's end, send it again.
        // (Also a late STALE to an earlier attempt that carried the old epoch: the answer echoes the attempt.)
        if (h.Status == Status.Stale && _slotEpochs[index].Judge(h) != StaleMeaning.RoundOver)
            return Verdict.Resend;
        if (h.Status is not (Status.Ok or Status.Partial))
        {
            _roundOk[round % _window] = false;
            return Verdict.ErrorStatus;
        }
        if (h.Status == Status.Partial) _roundOk[round % _window] = false;
        ulong experts = _experts == 64 ? ulong.MaxValue : (1UL << _experts) - 1;
        if (h.Target != _target || h.Length != _length || (h.Tag & ~experts) != 0) return Verdict.Mismatch;

        uint offset = h.Offset;
        int n = Chunks.Elements(_length, offset, _chunk);
        var got = m.Values;
        if (got.Length != n) return Verdict.Mismatch;
        if (_cacheRound != round || _cacheOffset != offset || _cacheBitmap != h.Tag)
        {
            double weightSum = Reference(round, offset, h.Tag, n);
            _cacheRound = round;
            _cacheOffset = offset;
            _cacheBitmap = h.Tag;
            _cacheHasAnswer = false;
            _cacheWeightSum = weightSum;
        }
        // Σw travels as f32: one rounding of the f64 sum.
        if (Math.Abs(h.Weight - _cacheWeightSum) > _cacheWeightSum * (1.0 / (1 << 23))) return Verdict.Mismatch;
        for (int i = 0; i < n; i++)
            if (!(Math.Abs(got[i] - _reference[i]) <= _bound[i])) return Verdict.Mismatch;
        // Every contributor of the chunk gets the same consensus.
        if (_cacheHasAnswer)
        {
            if (!MemoryMarshal.AsBytes(got).SequenceEqual(MemoryMarshal.AsBytes(_firstAnswer.AsSpan(0, n)))) return Verdict.Mismatch;
        }
        else
        {
            got.CopyTo(_firstAnswer);
            _cacheHasAnswer = true;
        }
        return Verdict.Ok;
    }

    private double _cacheWeightSum;

    public int Retire(ulong sequence, bool ok)
    {
        int index = (int)(sequence & _slotMask);
        long round = _slotRound[index];
        int key = Key(round, _slotChunk[index], _slotExpert[index]);
        if (_sequenceOf[key] == sequence) _sequenceOf[key] = 0;
        int w = (int)(round % _window);
        if (!ok) _roundOk[w] = false;
        int units = 0;
        if (--_remaining[w] == 0 && _roundOk[w]) units = 1;
        // The window's low end moves over rounds with nothing left in flight (a round being
        // built still counts all its requests, so it never looks done early).
        while (_low < _started && _remaining[_low % _window] == 0) _low++;
        return units;
    }

    /// <summary>The f64 reference of a chunk over the experts in <paramref name="bitmap"/> into
    /// <see cref="_reference"/>, with each element's bound; returns Σw.</summary>
    private double Reference(long round, uint offset, ulong bitmap, int n)
    {
        double weightSum = 0;
        int counted = BitOperations.PopCount(bitmap);
        for (ulong b = bitmap; b != 0; b &= b - 1) weightSum += Weight(_session, round, BitOperations.TrailingZeroCount(b));
        double factor = 2.0 * (counted + 1) * (1.0 / (1 << 24));
        for (int i = 0; i < n; i++)
        {
            double sum = 0, magnitude = 0;
            for (ulong b = bitmap; b != 0; b &= b - 1)
            {
                int e = BitOperations.TrailingZeroCount(b);
                double w = Weight(_session, round, e), x = Value(_session, round, e, offset + (uint)i);
                sum += w * x;
                magnitude += w * Math.Abs(x);
            }
            _reference[i] = sum / weightSum;
            _bound[i] = factor * magnitude / weightSum;
        }
        return weightSum;
    }

    private readonly int Key(long round, int chunk, int expert) => ((int)(round % _window) * _chunks + chunk) * _experts + expert;

    /// <summary>Expert <paramref name="expert"/>'s element <paramref name="element"/> in a round:
    /// a hash to a float in [−1, 1) with 24 significant bits (exact in f32 and f64).</summary>
    public static float Value(ulong session, long round, int expert, uint element)
    {
        ulong x = Mix(session ^ (ulong)round * 0x9E3779B97F4A7C15UL ^ (ulong)(expert + 1) * 0xC2B2AE3D27D4EB4FUL ^ ((ulong)element + 1) * 0x165667B19E3779F9UL);
        return (int)(x >> 40) * (1f / (1 << 23)) - 1f;
    }

    /// <summary>An expert's weight in a round: 0.5 .. 1.5 in steps of 1/1024 (exact).</summary>
    public static float Weight(ulong session, long round, int expert)
        => 0.5f + (Mix(session * 31 ^ (ulong)round * 0xD6E8FEB86659FD93UL ^ (ulong)(expert + 7) * 0x9E3779B97F4A7C15UL) & 1023) / 1024f;

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        return x ^ (x >> 33);
    }
}

/// <summary>The consensus scenario's options, validated.</summary>
public sealed record ConsensusShape(uint Job, int Experts, int Target, int Length, int Chunk, long Rounds, int Window, int RoundTimeoutMs)
{
    public int ChunksPerRound => (int)Chunks.Count((uint)Length, (ushort)Chunk);
}

/// <summary>Registration of <see cref="ConsensusScenario"/>: --experts, --length, --rounds,
/// --target-count, --chunk, --window, --job, --round-timeout-ms.</summary>
public sealed class ConsensusScenarioDescriptor : ScenarioDescriptor
{
    public override string Name => "consensus";
    public override string Summary => "E experts contribute D floats a round to the consensus service; every RESULT checked against an f64 reference";

    public override IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("experts", "consensus: experts E each sender thread plays (1..64)", "E", "8"),
        new("length", "consensus: elements D of each expert's vector (1..16,777,216)", "D", "1024"),
        new("rounds", "consensus: rounds over all threads, then stop (0: until --duration)", "R", "0"),
        new("target-count", "consensus: experts that complete a chunk (1..E; default E)", "T", "0"),
        new("chunk", "consensus: floats per CONTRIBUTE datagram (1..16,356; 256 fits a 1,500-byte frame)", "N", "256"),
        new("window", "consensus: rounds in flight per session; set it to the server's --max-rounds-per-job (1..64)", "W", "8"),
        new("job", "consensus, similarity: the job id the requests carry", "J", "1"),
        new("round-timeout-ms", "consensus: the round timeout each contribution asks for (0: the server's)", "MS", "0"),
        ScenarioKeys.Option,
    ];

    public override int MaxRequestLength(IReadOnlyDictionary<string, string> options) => Wire.HeaderSize + 4 * Shape(options).Chunk + ScenarioKeys.TrailerBytes(options);
    public override int MaxAnswerLength(IReadOnlyDictionary<string, string> options) => Wire.HeaderSize + 4 * Shape(options).Chunk + 16;
    public override void Validate(IReadOnlyDictionary<string, string> options)
    {
        var s = Shape(options);
        ScenarioKeys.Load(options, s.Job);
    }
    public override int DefaultRetries => 20;
    public override string? Unit(IReadOnlyDictionary<string, string> options) => "round";

    public override string Describe(IReadOnlyDictionary<string, string> options)
    {
        var s = Shape(options);
        return string.Create(CultureInfo.InvariantCulture,
            $"{s.Experts} experts x {s.Length} floats (target {s.Target}, {s.ChunksPerRound} chunk(s) of {s.Chunk}, window {s.Window}, job {s.Job}){(s.Rounds > 0 ? $", {s.Rounds} rounds" : "")}");
    }

    public override void ValidateShape(LoadOptions options)
    {
        var s = Shape(options.ScenarioOptions);
        // A chunk completes only once T of its contributions are out: each thread needs that many in flight.
        if (options.Concurrency is { } c && c / options.Threads < s.Target)
            throw new LoadConfigurationException($"--concurrency: {c} over {options.Threads} thread(s) leaves fewer than --target-count {s.Target} contributions in flight per thread (a chunk could never complete)");
        if (options.MaxOutstanding is { } m && m < s.Target)
            throw new LoadConfigurationException($"--max-outstanding: {m} is less than --target-count {s.Target} (a chunk could never complete)");
        if (s.Rounds > 0 && s.Rounds < options.Threads)
            throw new LoadConfigurationException($"--rounds: {s.Rounds} is less than --threads {options.Threads} (each thread plays its own run)");
    }

    public override TResult Create<TResult>(IScenarioConsumer<TResult> consumer, IReadOnlyDictionary<string, string> options)
    {
        byte[]? key = ScenarioKeys.Load(options, Shape(options).Job);
        return consumer.Accept(context =>
        {
            var s = Shape(context.Options);
            long rounds = s.Rounds == 0 ? 0 : s.Rounds / context.Threads + (context.Thread < s.Rounds % context.Threads ? 1 : 0);
            ulong session = Sessions.New();   // increasing: a keyed job's service refuses older sessions
            return new ConsensusScenario(s, context.Slots, session, rounds, key);
        });
    }

    internal static ConsensusShape Shape(IReadOnlyDictionary<string, string> options)
    {
        long Get(string name, string fallback, long min, long max)
        {
            string text = options.TryGetValue(name, out var v) ? v : fallback;
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
                throw new LoadConfigurationException($"--{name}: '{text}' is not a whole number in {min}..{max}");
            return value;
        }
        int experts = (int)Get("experts", "8", 1, Wire.MaxExperts);
        int length = (int)Get("length", "1024", 1, 1 << 24);
        int chunk = (int)Get("chunk", "256", 1, 16356);
        int target = (int)Get("target-count", "0", 0, experts);
        var shape = new ConsensusShape((uint)Get("job", "1", 0, uint.MaxValue), experts, target == 0 ? experts : target, length, chunk,
                                       Get("rounds", "0", 0, long.MaxValue / 2), (int)Get("window", "8", 1, 64), (int)Get("round-timeout-ms", "0", 0, 65535));
        if (shape.ChunksPerRound > 4096)
            throw new LoadConfigurationException($"--chunk: {chunk} cuts {length} floats into {shape.ChunksPerRound} chunks, more than the 4,096 a round may have (use longer chunks)");
        return shape;
    }
}
