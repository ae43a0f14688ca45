using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// CONTRIBUTE (0x01): an expert's weighted chunk of a round's vector. Payload: the chunk's
/// min(chunk, length − offset) elements as f32.
/// </summary>
public static class Contribute
{
    /// <summary>The header of a contribution (fields a CONTRIBUTE does not use stay zero).</summary>
    public static Header Header(uint job, ulong session, ulong round, byte expert, byte target,
        uint length, uint offset, ushort chunk, float weight,
        ushort timeoutMs = 0, byte retransmit = 0, uint epoch = 0) => new()
    {
        Operation = Operation.Contribute,
        Epoch = epoch, Job = job, Round = round, Session = session,
        Expert = expert, Target = target, Retransmit = retransmit,
        Length = length, Offset = offset, Chunk = chunk, Timeout = timeoutMs, Weight = weight,
    };

    /// <summary>Writes a contribution: header <paramref name="h"/> and the chunk's values. Returns
    /// the message size, or 0 when <paramref name="values"/> is not the chunk's element count or
    /// <paramref name="dst"/> is too small.</summary>
    public static int Write(Span<byte> dst, in Header h, ReadOnlySpan<float> values)
    {
        if (values.Length == 0 || values.Length != Chunks.Elements(h.Length, h.Offset, h.Chunk))
            return 0;
        return Rules.Write(dst, h, MemoryMarshal.AsBytes(values));
    }

    /// <summary>Payload bytes of a valid contribution header.</summary>
    internal static int PayloadBytes(in Header h) => Chunks.Elements(h.Length, h.Offset, h.Chunk) * sizeof(float);

    /// <summary>The request's fields in header order (docs/PROTOCOL.md, "CONTRIBUTE").</summary>
    internal static Verdict Check(in Header h)
    {
        if (h.Expert >= Wire.MaxExperts) return Verdict.Refused(Status.BadRequest, Field.Expert);
        if (h.Target == 0 || h.Target > Wire.MaxExperts) return Verdict.Refused(Status.BadRequest, Field.Target);
        if (h.Count != 0) return Verdict.Refused(Status.BadRequest, Field.Count);
        var v = Rules.ChunkedVector(h);
        if (!v.IsValid) return v;
        // Finite and ≥ 0 (−0 included); NaN fails both comparisons.
        if (!(h.Weight >= 0f) || float.IsInfinity(h.Weight)) return Verdict.Refused(Status.BadRequest, Field.Weight);
        if (h.K != 0) return Verdict.Refused(Status.BadRequest, Field.K);
        if (h.Items != 0) return Verdict.Refused(Status.BadRequest, Field.Items);
        if (h.Tag != 0) return Verdict.Refused(Status.BadRequest, Field.Tag);
        return Verdict.Valid;
    }
}
