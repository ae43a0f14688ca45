using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// PROJECTED (0x83): the answer to PROJECT — y = P·x, <c>items</c> f32; <c>tag</c> is the
/// version of the projection that computed it. The header echoes the request's (job, session,
/// round, length).
/// </summary>
public static class Projected
{
    /// <summary>Writes y. Returns the message size, or 0 when y is empty or longer than one
    /// message holds, or the buffer is too small. y may not overlap the header.</summary>
    [Constructs(Status.Ok)]
    public static int WriteOk(Span<byte> dst, in Header request, uint epoch, ulong matrixVersion, ReadOnlySpan<float> y)
    {
        if (y.Length == 0 || y.Length > Wire.MaxChunk)
            return 0;
        var h = request with
        {
            Version = Wire.Version, Operation = Operation.Projected, Flags = Flags.None, Status = Status.Ok,
            Detail = 0, Epoch = epoch, Items = (ushort)y.Length, Tag = matrixVersion,
        };
        return Rules.Write(dst, h, MemoryMarshal.AsBytes(y));
    }

    internal static int PayloadBytes(in Header h) => h.Items * sizeof(float);

    internal static Verdict CheckAnswer(in Header h)
    {
        var v = Rules.AsMalformed(Rules.SimilarityAnswer(h, asksK: false));
        if (!v.IsValid) return v;
        if (h.Items == 0 || h.Items > Wire.MaxChunk) return Verdict.Dropped(Drop.Malformed, Field.Items);
        return Verdict.Valid;
    }
}
