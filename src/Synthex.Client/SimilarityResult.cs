using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>A QUERY's answer: the top k rows, highest score first (ties by lower row id), and the version of the matrix that scored them.</summary>
public sealed record SimilarityResult(Match[] Matches, ulong MatrixVersion);

/// <summary>A PROJECT's answer: y = P·x, and the version of the matrices that computed it.</summary>
public sealed record ProjectionResult(float[] Values, ulong MatrixVersion);

/// <summary>The server refused a request in a way resending cannot fix (BAD_REQUEST, TOO_LARGE, UNKNOWN_OPERATION, UNAUTHENTICATED, ...).</summary>
public sealed class SimilarityException(Status status, Field field, string message) : Exception(message)
{
    public Status Status { get; } = status;
    public Field Field { get; } = field;
}
