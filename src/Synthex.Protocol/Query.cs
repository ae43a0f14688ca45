using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// QUERY (0x02): the top k rows of the stored matrix for a query vector. Payload: length f32.
/// <c>round</c> is the client's request id; k is 1..65,535 here and 1..--k-max at the service.
/// </summary>
public static class Query
{
    /// <summary>The header of a query.</summary>
    public static Header Header(uint job, ulong session, ulong requestId, uint length, ushort k,
        byte retransmit = 0, uint epoch = 0) => new()
    {
        Operation = Operation.Query,
        Epoch = epoch, Job = job, Round = requestId, Session = session,
        Retransmit = retransmit, Length = length, K = k,
    };

    /// <summary>Writes a query; 0 when <paramref name="values"/> is not <c>h.Length</c> long or
    /// <paramref name="dst"/> is too small.</summary>
    public static int Write(Span<byte> dst, in Header h, ReadOnlySpan<float> values) =>
        values.Length == 0 || values.Length != h.Length ? 0 : Rules.Write(dst, h, MemoryMarshal.AsBytes(values));

    internal static Verdict Check(in Header h) => Rules.SimilarityRequest(h, asksK: true);
}
