namespace Synthex.Protocol;

/// <summary>Range checks more than one message kind applies, written once.</summary>
internal static class Rules
{
    /// <summary>Length, chunk and offset of a chunked vector (CONTRIBUTE and RESULT), in header order.</summary>
    public static Verdict ChunkedVector(in Header h)
    {
        if (h.Length == 0) return Verdict.Refused(Status.BadRequest, Field.Length);
        if (h.Length > Wire.MaxLength) return Verdict.Refused(Status.TooLarge, Field.Length);
        if (h.Offset >= h.Length || (h.Chunk != 0 && h.Offset % h.Chunk != 0))
            return Verdict.Refused(Status.BadRequest, Field.Offset);
        if (h.Chunk == 0) return Verdict.Refused(Status.BadRequest, Field.Chunk);
        if (h.Chunk > Wire.MaxChunk) return Verdict.Refused(Status.TooLarge, Field.Chunk);
        return Verdict.Valid;
    }

    /// <summary>Length of a vector that travels whole in one message (QUERY, PROJECT and their answers).</summary>
    public static Verdict WholeVector(in Header h)
    {
        if (h.Length == 0) return Verdict.Refused(Status.BadRequest, Field.Length);
        if (h.Length > Wire.MaxChunk) return Verdict.Refused(Status.TooLarge, Field.Length);
        if (h.Offset != 0) return Verdict.Refused(Status.BadRequest, Field.Offset);
        if (h.Chunk != 0) return Verdict.Refused(Status.BadRequest, Field.Chunk);
        return Verdict.Valid;
    }

    /// <summary>QUERY and PROJECT: the echoed fields, and no items or tag.</summary>
    public static Verdict SimilarityRequest(in Header h, bool asksK)
    {
        var v = SimilarityEcho(h, asksK);
        if (!v.IsValid) return v;
        if (h.Items != 0) return Verdict.Refused(Status.BadRequest, Field.Items);
        if (h.Tag != 0) return Verdict.Refused(Status.BadRequest, Field.Tag);
        return Verdict.Valid;
    }

    /// <summary>MATCHES and PROJECTED: OK (only OK carries a payload) and the query's fields echoed.</summary>
    public static Verdict SimilarityAnswer(in Header h, bool asksK) =>
        h.Status != Status.Ok ? Verdict.Refused(Status.BadRequest, Field.Status) : SimilarityEcho(h, asksK);

    /// <summary>The fields a similarity answer echoes from its request: no consensus fields, a
    /// whole vector, no timeout or weight, and k only for QUERY.</summary>
    private static Verdict SimilarityEcho(in Header h, bool asksK)
    {
        if (h.Expert != 0) return Verdict.Refused(Status.BadRequest, Field.Expert);
        if (h.Target != 0) return Verdict.Refused(Status.BadRequest, Field.Target);
        if (h.Count != 0) return Verdict.Refused(Status.BadRequest, Field.Count);
        var v = WholeVector(h);
        if (!v.IsValid) return v;
        if (h.Timeout != 0) return Verdict.Refused(Status.BadRequest, Field.Timeout);
        if (BitConverter.SingleToInt32Bits(h.Weight) != 0) return Verdict.Refused(Status.BadRequest, Field.Weight);
        if (asksK ? h.K == 0 : h.K != 0) return Verdict.Refused(Status.BadRequest, Field.K);
        return Verdict.Valid;
    }

    /// <summary>A request refusal seen from the client side: the answer is dropped as malformed.</summary>
    public static Verdict AsMalformed(Verdict v) => v.IsValid ? v : Verdict.Dropped(Drop.Malformed, v.Field);

    /// <summary>Writes <paramref name="h"/> and the payload; reserves a zeroed trailer when the MAC
    /// flag is set. Returns the message size, or 0 (nothing written) when it does not fit.</summary>
    public static int Write(Span<byte> dst, in Header h, ReadOnlySpan<byte> payload)
    {
        int size = Wire.HeaderSize + payload.Length + (h.HasMac ? Wire.MacSize : 0);
        if (dst.Length < size || size > Wire.MaxDatagram)
            return 0;
        h.TryWrite(dst);
        // CopyTo handles the in-place case (payload already where it belongs) as a memmove.
        payload.CopyTo(dst[Wire.HeaderSize..]);
        if (h.HasMac)
            dst.Slice(Wire.HeaderSize + payload.Length, Wire.MacSize).Clear();
        return size;
    }
}
