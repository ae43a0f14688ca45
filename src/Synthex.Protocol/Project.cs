using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>PROJECT (0x03): y = P·x for the stored projection P. Payload: x, length f32.</summary>
public static class Project
{
    /// <summary>The header of a projection request.</summary>
    public static Header Header(uint job, ulong session, ulong requestId, uint length,
        byte retransmit = 0, uint epoch = 0) => new()
    {
        Operation = Operation.Project,
        Epoch = epoch, Job = job, Round = requestId, Session = session,
        Retransmit = retransmit, Length = length,
    };

    /// <summary>Writes a projection request; 0 when <paramref name="x"/> is not <c>h.Length</c>
    /// long or <paramref name="dst"/> is too small.</summary>
    public static int Write(Span<byte> dst, in Header h, ReadOnlySpan<float> x) =>
        x.Length == 0 || x.Length != h.Length ? 0 : Rules.Write(dst, h, MemoryMarshal.AsBytes(x));

    internal static Verdict Check(in Header h) => Rules.SimilarityRequest(h, asksK: false);
}
