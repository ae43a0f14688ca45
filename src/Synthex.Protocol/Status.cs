namespace Synthex.Protocol;

/// <summary>
/// The status byte (offset 5). Requests carry <see cref="Ok"/>; answers say what happened.
/// docs/PROTOCOL.md has a line per member (when it is sent, what the client does, whether it may
/// go to an unauthenticated source); a test holds the two together.
/// </summary>
public enum Status : byte
{
    /// <summary>The answer carries the complete result.</summary>
    Ok = 0,
    /// <summary>RESULT only: the round timed out with fewer than target experts; count and bitmap name them.</summary>
    Partial = 1,
    /// <summary>No room now; detail = retry-after in milliseconds.</summary>
    Busy = 2,
    /// <summary>Round below the job's low-water mark, no longer known, or an old epoch.</summary>
    Stale = 3,
    /// <summary>The instance is stopping; open chunks are answered this way.</summary>
    Aborted = 4,
    /// <summary>A field is out of range; detail names it (<see cref="Field"/>).</summary>
    BadRequest = 5,
    /// <summary>Larger than this server accepts (length, chunk, k, or an answer bigger than an unauthenticated request).</summary>
    TooLarge = 6,
    /// <summary>The version byte is not one this server speaks; the answer carries the server's version.</summary>
    UnsupportedVersion = 7,
    /// <summary>The operation byte is not a request this server knows.</summary>
    UnknownOperation = 8,
    /// <summary>The message carries a MAC but the server holds no key for its job.</summary>
    Unauthenticated = 9,
}

/// <summary>Facts about statuses.</summary>
public static class Statuses
{
    /// <summary>The highest status version 1 defines.</summary>
    public const Status Last = Status.Unauthenticated;

    /// <summary>True when the byte is a defined status.</summary>
    public static bool IsDefined(byte status) => status <= (byte)Last;

    /// <summary>True for statuses whose answer carries a payload (OK and PARTIAL); every other
    /// status answer is the header alone (plus the MAC trailer when authenticated).</summary>
    public static bool CarriesPayload(Status status) => status is Status.Ok or Status.Partial;

    /// <summary>The doc's spelling: BAD_REQUEST for <see cref="Status.BadRequest"/>.</summary>
    public static string WireName(Status status) => status switch
    {
        Status.Ok => "OK",
        Status.Partial => "PARTIAL",
        Status.Busy => "BUSY",
        Status.Stale => "STALE",
        Status.Aborted => "ABORTED",
        Status.BadRequest => "BAD_REQUEST",
        Status.TooLarge => "TOO_LARGE",
        Status.UnsupportedVersion => "UNSUPPORTED_VERSION",
        Status.UnknownOperation => "UNKNOWN_OPERATION",
        Status.Unauthenticated => "UNAUTHENTICATED",
        _ => "UNDEFINED",
    };
}
