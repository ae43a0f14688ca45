namespace Synthex.Protocol;

/// <summary>
/// A header field, named by its byte offset, so the value a BAD_REQUEST or TOO_LARGE answer carries in
/// <c>detail</c> points straight at the offending bytes; <see cref="Payload"/> (64) is the payload
/// (its size disagrees with the header, or it holds a non-finite float).
/// </summary>
public enum Field : byte
{
    /// <summary>No field (every status but BAD_REQUEST and TOO_LARGE). Offset 0 is the magic,
    /// which is never named: a wrong magic is dropped, not answered.</summary>
    None = 0,
    /// <summary>Offset 2.</summary>
    Version = 2,
    /// <summary>Offset 3.</summary>
    Operation = 3,
    /// <summary>Offset 4.</summary>
    Flags = 4,
    /// <summary>Offset 5.</summary>
    Status = 5,
    /// <summary>Offset 6.</summary>
    Detail = 6,
    /// <summary>Offset 8.</summary>
    Epoch = 8,
    /// <summary>Offset 12.</summary>
    Job = 12,
    /// <summary>Offset 16.</summary>
    Round = 16,
    /// <summary>Offset 24.</summary>
    Session = 24,
    /// <summary>Offset 32.</summary>
    Expert = 32,
    /// <summary>Offset 33.</summary>
    Target = 33,
    /// <summary>Offset 34.</summary>
    Retransmit = 34,
    /// <summary>Offset 35.</summary>
    Count = 35,
    /// <summary>Offset 36.</summary>
    Length = 36,
    /// <summary>Offset 40.</summary>
    Offset = 40,
    /// <summary>Offset 44.</summary>
    Chunk = 44,
    /// <summary>Offset 46.</summary>
    Timeout = 46,
    /// <summary>Offset 48.</summary>
    Weight = 48,
    /// <summary>Offset 52.</summary>
    K = 52,
    /// <summary>Offset 54.</summary>
    Items = 54,
    /// <summary>Offset 56.</summary>
    Tag = 56,
    /// <summary>The payload after the header.</summary>
    Payload = 64,
}
