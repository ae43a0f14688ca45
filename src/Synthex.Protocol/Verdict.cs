namespace Synthex.Protocol;

/// <summary>Why a datagram is dropped without an answer (counted by the receiver under this name).</summary>
public enum Drop : byte
{
    /// <summary>Not dropped.</summary>
    None = 0,
    /// <summary>Shorter than the 64-byte header: nothing to answer to (and an answer would amplify).</summary>
    TooShort,
    /// <summary>The first two bytes are not "SX": not this protocol.</summary>
    BadMagic,
    /// <summary>A server received an answer (operation high bit set): never answered, so two servers cannot loop.</summary>
    NotARequest,
    /// <summary>A client received a request.</summary>
    NotAnAnswer,
    /// <summary>A client received an answer of another version (other than UNSUPPORTED_VERSION, which every version can read).</summary>
    OtherVersion,
    /// <summary>A client received an answer that breaks a rule; <see cref="Verdict.Field"/> names the field.</summary>
    Malformed,
}

/// <summary>
/// What the codec decided about a datagram: valid, dropped (<see cref="Drop"/>), or — for a
/// request — refused with the status to answer and the field it names.
/// </summary>
public readonly struct Verdict : IEquatable<Verdict>
{
    private Verdict(Drop drop, Status answer, Field field) => (Drop, Answer, Field) = (drop, answer, field);

    /// <summary>Set when the datagram gets no answer at all.</summary>
    public Drop Drop { get; }
    /// <summary>For a request that is not dropped: <see cref="Status.Ok"/> when valid, else the status to answer with.</summary>
    public Status Answer { get; }
    /// <summary>The field at fault (BAD_REQUEST, TOO_LARGE, a malformed answer), else <see cref="Field.None"/>.</summary>
    public Field Field { get; }

    /// <summary>Valid: the message may be used.</summary>
    public bool IsValid => Drop == Drop.None && Answer == Status.Ok;

    /// <summary>A request refused with a status answer (write it with <see cref="StatusAnswer"/>).</summary>
    public bool IsRefused => Drop == Drop.None && Answer != Status.Ok;

    /// <summary>The valid verdict.</summary>
    public static Verdict Valid => default;

    /// <summary>Dropped without an answer.</summary>
    public static Verdict Dropped(Drop drop, Field field = Field.None) => new(drop, Status.Ok, field);

    /// <summary>Refused with <paramref name="status"/> naming <paramref name="field"/>.</summary>
    public static Verdict Refused(Status status, Field field = Field.None) => new(Drop.None, status, field);

    /// <inheritdoc/>
    public bool Equals(Verdict o) => Drop == o.Drop && Answer == o.Answer && Field == o.Field;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Verdict v && Equals(v);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Drop, Answer, Field);
    /// <inheritdoc/>
    public override string ToString() =>
        Drop != Drop.None ? $"drop {Drop} {Field}" : Answer == Status.Ok ? "valid" : $"{Statuses.WireName(Answer)} {Field}";
}
