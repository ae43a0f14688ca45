namespace Synthex.Protocol;

/// <summary>
/// The no-amplification rule (docs/PROTOCOL.md, "Amplification"): to a source that has not
/// authenticated (no verified MAC), no answer is larger than the request that caused it. Status
/// answers (64 bytes) always pass, as no request shorter than the header is answered.
/// </summary>
public static class Amplification
{
    /// <summary>True when an answer of <paramref name="answerBytes"/> may go to an unauthenticated
    /// source whose request was <paramref name="requestBytes"/>.</summary>
    public static bool Allows(int requestBytes, int answerBytes) => answerBytes <= requestBytes;

    /// <summary>The most matches an unauthenticated QUERY of <paramref name="length"/> floats may
    /// receive: 64 + 8·k ≤ 64 + 4·length, so k ≤ length / 2.</summary>
    public static int MaxUnauthenticatedMatches(uint length) => (int)Math.Min(length / 2, ushort.MaxValue);
}
