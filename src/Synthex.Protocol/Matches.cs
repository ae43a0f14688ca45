using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// MATCHES (0x82): the answer to QUERY — <c>items</c> (row id u32, score f32) pairs, highest
/// score first, ties by lower row id; <c>tag</c> is the version of the matrix that scored them.
/// The header echoes the query's (job, session, round, length, k).
/// </summary>
public static class Matches
{
    /// <summary>Writes the matches (at most k of them). Returns the message size, or 0 when there
    /// are more than k or the buffer is too small. The pairs may not overlap the header.</summary>
    [Constructs(Status.Ok)]
    public static int WriteOk(Span<byte> dst, in Header request, uint epoch, ulong matrixVersion, ReadOnlySpan<Match> matches)
    {
        if (matches.Length > request.K)
            return 0;
        var h = request with
        {
            Version = Wire.Version, Operation = Operation.Matches, Flags = Flags.None, Status = Status.Ok,
            Detail = 0, Epoch = epoch, Items = (ushort)matches.Length, Tag = matrixVersion,
        };
        return Rules.Write(dst, h, MemoryMarshal.AsBytes(matches));
    }

    /// <summary>Bytes of a MATCHES answer with <paramref name="items"/> pairs (no trailer): the
    /// amplification rule compares it with the query's size.</summary>
    public static int Size(int items) => Wire.HeaderSize + items * Wire.MatchSize;

    internal static int PayloadBytes(in Header h) => h.Items * Wire.MatchSize;

    internal static Verdict CheckAnswer(in Header h)
    {
        var v = Rules.AsMalformed(Rules.SimilarityAnswer(h, asksK: true));
        if (!v.IsValid) return v;
        if (h.Items > h.K) return Verdict.Dropped(Drop.Malformed, Field.Items);
        return Verdict.Valid;
    }
}
