using System.Numerics;
using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// RESULT (0x81): a chunk's consensus Σw·r / Σw, to every expert that contributed it. The header
/// echoes the chunk's contribution (job, session, round, target, length, offset, chunk, timeout)
/// with <c>expert</c> the recipient, <c>weight</c> = Σw, <c>count</c> the experts counted and
/// <c>tag</c> their bitmap; the payload is the chunk's elements. Written in place: the caller
/// puts the values into <see cref="Values"/> (the kernel writes them straight into the TX
/// buffer) and then writes the header.
/// </summary>
public static class Result
{
    /// <summary>The result values' place in <paramref name="message"/> for the chunk of
    /// <paramref name="request"/>; empty when the buffer cannot hold them.</summary>
    public static Span<float> Values(Span<byte> message, in Header request)
    {
        int bytes = Contribute.PayloadBytes(request);
        return message.Length < Wire.HeaderSize + bytes
            ? default
            : MemoryMarshal.Cast<byte, float>(message.Slice(Wire.HeaderSize, bytes));
    }

    /// <summary>A completed chunk: <paramref name="bitmap"/> names exactly <c>target</c> experts.
    /// Returns the message size, or 0 when the bitmap does not or the buffer is too small.</summary>
    [Constructs(Status.Ok)]
    public static int WriteOk(Span<byte> message, in Header request, uint epoch, float weightSum, ulong bitmap) =>
        BitOperations.PopCount(bitmap) == request.Target ? Write(message, request, Status.Ok, epoch, weightSum, bitmap) : 0;

    /// <summary>A chunk closed by the round timeout with 1..target−1 experts, named by
    /// <paramref name="bitmap"/>; the values are the consensus of those experts.</summary>
    [Constructs(Status.Partial)]
    public static int WritePartial(Span<byte> message, in Header request, uint epoch, float weightSum, ulong bitmap)
    {
        int n = BitOperations.PopCount(bitmap);
        return n >= 1 && n < request.Target ? Write(message, request, Status.Partial, epoch, weightSum, bitmap) : 0;
    }

    private static int Write(Span<byte> message, in Header request, Status status, uint epoch, float weightSum, ulong bitmap)
    {
        int bytes = Contribute.PayloadBytes(request);
        int size = Wire.HeaderSize + bytes;
        if (bytes == 0 || message.Length < size)
            return 0;
        var h = request with
        {
            Version = Wire.Version, Operation = Operation.Result, Flags = Flags.None, Status = status,
            Detail = 0, Epoch = epoch, Count = (byte)BitOperations.PopCount(bitmap), Weight = weightSum,
            K = 0, Items = 0, Tag = bitmap,
        };
        h.TryWrite(message);
        return size;
    }

    internal static Verdict CheckAnswer(in Header h)
    {
        if (h.Expert >= Wire.MaxExperts) return Verdict.Dropped(Drop.Malformed, Field.Expert);
        if (h.Target == 0 || h.Target > Wire.MaxExperts) return Verdict.Dropped(Drop.Malformed, Field.Target);
        bool countOk = h.Status == Status.Ok ? h.Count == h.Target : h.Count >= 1 && h.Count < h.Target;
        if (!countOk) return Verdict.Dropped(Drop.Malformed, Field.Count);
        var v = Rules.AsMalformed(Rules.ChunkedVector(h));
        if (!v.IsValid) return v;
        // Σw > 0: a chunk whose weights sum to 0 is answered BAD_REQUEST(weight), never a RESULT.
        if (!(h.Weight > 0f) || float.IsInfinity(h.Weight)) return Verdict.Dropped(Drop.Malformed, Field.Weight);
        if (h.K != 0) return Verdict.Dropped(Drop.Malformed, Field.K);
        if (h.Items != 0) return Verdict.Dropped(Drop.Malformed, Field.Items);
        if (BitOperations.PopCount(h.Tag) != h.Count) return Verdict.Dropped(Drop.Malformed, Field.Tag);
        return Verdict.Valid;
    }
}
