using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>What one chunk of a round came to.</summary>
/// <param name="Offset">The chunk's element offset.</param>
/// <param name="Status">OK (all <c>target</c> experts), PARTIAL (the timeout passed), ABORTED (the server stopped), STALE, or BAD_REQUEST naming weight (Σw = 0).</param>
/// <param name="Count">Experts counted.</param>
/// <param name="Experts">Their bitmap (bit e = expert e).</param>
/// <param name="WeightSum">Σw of the experts counted.</param>
public readonly record struct ChunkOutcome(uint Offset, Status Status, int Count, ulong Experts, float WeightSum);

/// <summary>
/// A round's consensus: <see cref="Values"/> holds Σw·r / Σw per element for every chunk that
/// ended OK or PARTIAL (NaN elsewhere); <see cref="Chunks"/> says how each ended.
/// </summary>
public sealed record ConsensusResult(ulong Round, float[] Values, ChunkOutcome[] Chunks)
{
    /// <summary>Every chunk completed with all <c>target</c> experts.</summary>
    public bool Complete => Array.TrueForAll(Chunks, c => c.Status == Status.Ok);

    /// <summary>Every chunk has values (OK or PARTIAL).</summary>
    public bool HasValues => Array.TrueForAll(Chunks, c => c.Status is Status.Ok or Status.Partial);
}

/// <summary>The server refused a contribution in a way retrying cannot fix (BAD_REQUEST, TOO_LARGE, UNSUPPORTED_VERSION, UNKNOWN_OPERATION, UNAUTHENTICATED).</summary>
public sealed class ConsensusException(Status status, Field field, string message) : Exception(message)
{
    public Status Status { get; } = status;
    public Field Field { get; } = field;
}
