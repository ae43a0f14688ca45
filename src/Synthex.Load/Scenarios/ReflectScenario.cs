using System.Buffers.Binary;
using System.Globalization;

namespace Synthex.Load.Scenarios;

/// <summary>
/// <c>reflect</c>: sockperf ping-pong messages (<see cref="SockperfMessage"/>) of a fixed size,
/// so it loads <c>sockperf server</c> as well as <c>synthex run --app reflect</c>. Each payload is
/// a pattern computed from the sequence number, so nothing is stored per request and every
/// answer is checked in full: same length, same sequence, client flag cleared, other flags as
/// sent, every payload byte as sent.
/// </summary>
public readonly struct ReflectScenario(int size) : IScenario
{
    /// <summary>What a client sends: "from a client, answer me".</summary>
    public const ushort RequestFlags = SockperfMessage.ClientFlag | SockperfMessage.PongRequestFlag;

    /// <summary>What the answer must carry: the same with the client flag cleared.</summary>
    public const ushort AnswerFlags = RequestFlags & ~SockperfMessage.ClientFlag;

    public int WriteRequest(ulong sequence, int attempt, Span<byte> request)
    {
        SockperfMessage.WriteHeader(request, sequence, RequestFlags, size);
        var payload = request[SockperfMessage.HeaderLength..size];
        int words = payload.Length / 8;
        for (int i = 0; i < words; i++) BinaryPrimitives.WriteUInt64LittleEndian(payload[(i * 8)..], Pattern(sequence, i));
        ulong last = Pattern(sequence, words);
        for (int b = words * 8; b < payload.Length; b++, last >>= 8) payload[b] = (byte)last;
        return size;
    }

    public int Retire(ulong sequence, bool ok) => 0;

    public bool TryReadSequence(ReadOnlySpan<byte> answer, out ulong sequence)
        => SockperfMessage.TryReadHeader(answer, out sequence, out _);

    public Verdict Verify(ulong sequence, ReadOnlySpan<byte> answer)
    {
        if (answer.Length != size || !SockperfMessage.TryReadHeader(answer, out ulong seq, out ushort flags)
            || seq != sequence || flags != AnswerFlags)
            return Verdict.Mismatch;
        var payload = answer[SockperfMessage.HeaderLength..];
        int words = payload.Length / 8;
        for (int i = 0; i < words; i++)
            if (BinaryPrimitives.ReadUInt64LittleEndian(payload[(i * 8)..]) != Pattern(sequence, i)) return Verdict.Mismatch;
        ulong last = Pattern(sequence, words);
        for (int b = words * 8; b < payload.Length; b++, last >>= 8)
            if (payload[b] != (byte)last) return Verdict.Mismatch;
        return Verdict.Ok;
    }

    /// <summary>Word <paramref name="index"/> of a payload: a multiplicative hash (the golden
    /// ratio constant) of sequence and index, so a byte moved, dropped or changed shows.</summary>
    private static ulong Pattern(ulong sequence, int index)
    {
        ulong x = (sequence + 1) * 0x9E3779B97F4A7C15UL ^ ((ulong)index + 1) * 0xC2B2AE3D27D4EB4FUL;
        return x ^ (x >> 29);
    }
}

/// <summary>Registration of <see cref="ReflectScenario"/>: option <c>--size</c>.</summary>
public sealed class ReflectScenarioDescriptor : ScenarioDescriptor
{
    public const string SizeOption = "size";

    public override string Name => "reflect";
    public override string Summary => "sockperf-compatible echo messages, every answer checked byte for byte (loads `sockperf server` too)";

    public override IReadOnlyList<ScenarioOption> Options { get; } =
        [new(SizeOption, $"reflect: message size in bytes, header included ({SockperfMessage.HeaderLength}..{SockperfMessage.MaxLength})", "BYTES", "64")];

    public override int MaxRequestLength(IReadOnlyDictionary<string, string> options) => Size(options);
    public override int MaxAnswerLength(IReadOnlyDictionary<string, string> options) => Size(options);
    public override void Validate(IReadOnlyDictionary<string, string> options) => Size(options);
    public override string Describe(IReadOnlyDictionary<string, string> options) => $"{Size(options)}-byte sockperf messages";

    public override TResult Create<TResult>(IScenarioConsumer<TResult> consumer, IReadOnlyDictionary<string, string> options)
        => consumer.Accept(context => new ReflectScenario(Size(context.Options)));

    private static int Size(IReadOnlyDictionary<string, string> options)
    {
        string text = options.TryGetValue(SizeOption, out var v) ? v : "64";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size)
            || size < SockperfMessage.HeaderLength || size > SockperfMessage.MaxLength)
            throw new LoadConfigurationException($"--{SizeOption}: '{text}' is not a message size in {SockperfMessage.HeaderLength}..{SockperfMessage.MaxLength}");
        return size;
    }
}
