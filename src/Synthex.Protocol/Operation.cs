namespace Synthex.Protocol;

/// <summary>
/// The operation byte (offset 3). Requests have the high bit clear; the answer to request
/// <c>op</c> is <c>op | 0x80</c>, also for an operation the server does not know, so a client
/// can always match an answer to what it asked. A server never answers an answer (no loops
/// between two servers).
/// </summary>
public enum Operation : byte
{
    /// <summary>Consensus: an expert's weighted chunk of a round's vector.</summary>
    Contribute = 0x01,
    /// <summary>Similarity: top-k rows of the stored matrix for a query vector.</summary>
    Query = 0x02,
    /// <summary>Similarity: y = P·x for the stored projection P.</summary>
    Project = 0x03,
    /// <summary>Answer to CONTRIBUTE: the chunk's consensus Σw·r / Σw (OK or PARTIAL) or a status.</summary>
    Result = 0x81,
    /// <summary>Answer to QUERY: (row id, score) pairs, highest first, or a status.</summary>
    Matches = 0x82,
    /// <summary>Answer to PROJECT: y, or a status.</summary>
    Projected = 0x83,
}

/// <summary>Relations between operations.</summary>
public static class Operations
{
    /// <summary>The bit that marks an answer.</summary>
    public const byte AnswerBit = 0x80;

    /// <summary>True for a byte with the answer bit set.</summary>
    public static bool IsAnswer(byte operation) => (operation & AnswerBit) != 0;

    /// <summary>The operation byte of the answer to <paramref name="request"/> (known or not).</summary>
    public static byte AnswerTo(byte request) => (byte)(request | AnswerBit);

    /// <summary>True for the three requests version 1 defines.</summary>
    public static bool IsKnownRequest(byte operation) =>
        operation is (byte)Operation.Contribute or (byte)Operation.Query or (byte)Operation.Project;

    /// <summary>True for the three answers version 1 defines.</summary>
    public static bool IsKnownAnswer(byte operation) =>
        operation is (byte)Operation.Result or (byte)Operation.Matches or (byte)Operation.Projected;
}
