namespace Synthex.Protocol;

/// <summary>
/// Answers that carry only a status: the request's header echoed (so the client matches it to
/// what it sent) with operation | 0x80, this server's version and epoch, the status and its
/// detail, flags cleared — 64 bytes, never larger than any request that is answered, so each may
/// go to an unauthenticated source (docs/PROTOCOL.md, "Statuses"). Each returns 64, or 0 when
/// <c>dst</c> is shorter than the header.
/// </summary>
public static class StatusAnswer
{
    /// <summary>No room now (round table or job slots full); retry after <paramref name="retryAfterMs"/> (at least 1).</summary>
    [Constructs(Status.Busy)]
    public static int Busy(Span<byte> dst, in Header request, uint epoch, ushort retryAfterMs) =>
        Write(dst, request, epoch, Status.Busy, Math.Max((ushort)1, retryAfterMs));

    /// <summary>The round is below the job's low-water mark, evicted, or of another epoch.</summary>
    [Constructs(Status.Stale)]
    public static int Stale(Span<byte> dst, in Header request, uint epoch) => Write(dst, request, epoch, Status.Stale, 0);

    /// <summary>The instance is stopping; the chunk will not complete.</summary>
    [Constructs(Status.Aborted)]
    public static int Aborted(Span<byte> dst, in Header request, uint epoch) => Write(dst, request, epoch, Status.Aborted, 0);

    /// <summary>A field is out of range.</summary>
    [Constructs(Status.BadRequest)]
    public static int BadRequest(Span<byte> dst, in Header request, uint epoch, Field field) =>
        Write(dst, request, epoch, Status.BadRequest, (ushort)field);

    /// <summary>A field asks for more than this server accepts.</summary>
    [Constructs(Status.TooLarge)]
    public static int TooLarge(Span<byte> dst, in Header request, uint epoch, Field field) =>
        Write(dst, request, epoch, Status.TooLarge, (ushort)field);

    /// <summary>The request's version is not this server's; the answer carries the server's.</summary>
    [Constructs(Status.UnsupportedVersion)]
    public static int UnsupportedVersion(Span<byte> dst, in Header request, uint epoch) =>
        Write(dst, request, epoch, Status.UnsupportedVersion, 0);

    /// <summary>The operation is not a request this server knows.</summary>
    [Constructs(Status.UnknownOperation)]
    public static int UnknownOperation(Span<byte> dst, in Header request, uint epoch) =>
        Write(dst, request, epoch, Status.UnknownOperation, 0);

    /// <summary>The message carries a MAC but this server holds no key for its job.</summary>
    [Constructs(Status.Unauthenticated)]
    public static int Unauthenticated(Span<byte> dst, in Header request, uint epoch) =>
        Write(dst, request, epoch, Status.Unauthenticated, 0);

    /// <summary>The answer to a request the codec refused (<see cref="Verdict.IsRefused"/>); 0 for
    /// any other verdict.</summary>
    public static int Refuse(Span<byte> dst, in Header request, uint epoch, Verdict verdict) =>
        !verdict.IsRefused ? 0 : verdict.Answer switch
        {
            Status.BadRequest => BadRequest(dst, request, epoch, verdict.Field),
            Status.TooLarge => TooLarge(dst, request, epoch, verdict.Field),
            Status.UnsupportedVersion => UnsupportedVersion(dst, request, epoch),
            Status.UnknownOperation => UnknownOperation(dst, request, epoch),
            _ => 0,
        };

    private static int Write(Span<byte> dst, in Header request, uint epoch, Status status, ushort detail)
    {
        var h = request with
        {
            Version = Wire.Version, Operation = (Operation)Operations.AnswerTo((byte)request.Operation),
            Flags = Flags.None, Status = status, Detail = detail, Epoch = epoch,
        };
        return h.TryWrite(dst) ? Wire.HeaderSize : 0;
    }

    /// <summary>True when <paramref name="detail"/> is what <paramref name="status"/> carries.</summary>
    internal static bool DetailFits(Status status, ushort detail) => status switch
    {
        Status.Busy => detail >= 1,
        Status.BadRequest or Status.TooLarge => detail <= byte.MaxValue && IsNamedField((Field)detail),
        _ => detail == 0,
    };

    private static bool IsNamedField(Field f) => f switch
    {
        Field.Version or Field.Operation or Field.Flags or Field.Status or Field.Detail or Field.Epoch or
        Field.Job or Field.Round or Field.Session or Field.Expert or Field.Target or Field.Retransmit or
        Field.Count or Field.Length or Field.Offset or Field.Chunk or Field.Timeout or Field.Weight or
        Field.K or Field.Items or Field.Tag or Field.Payload => true,
        _ => false,
    };
}
