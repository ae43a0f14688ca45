namespace Synthex.Protocol;

/// <summary>
/// The constants of protocol version 1 (docs/PROTOCOL.md, "Header" and "Sizes"). Every range
/// the codec checks is written here once.
/// </summary>
public static class Wire
{
    /// <summary>First two bytes of every message: 'S' 'X' (0x5853 read little-endian).</summary>
    public const ushort Magic = 0x5853;

    /// <summary>The version this codec speaks.</summary>
    public const byte Version = 1;

    /// <summary>The fixed header: one 64-byte cache line, so the f32 payload starts 4-aligned
    /// relative to the message and a header never straddles two lines.</summary>
    public const int HeaderSize = 64;

    /// <summary>The authentication trailer reserved for the hardening issue (flag <see cref="Flags.Mac"/>).</summary>
    public const int MacSize = 16;

    /// <summary>The largest UDP payload over IPv4 (65,535 − 20 − 8); no message is larger.</summary>
    public const int MaxDatagram = 65_507;

    /// <summary>Most elements one message carries: (65,507 − 64 − 16) / 4.</summary>
    public const int MaxChunk = (MaxDatagram - HeaderSize - MacSize) / sizeof(float);

    /// <summary>Longest consensus vector: 2^24 floats (64 MiB); services configure less.</summary>
    public const uint MaxLength = 1u << 24;

    /// <summary>Expert ids are 0..63 so a round's contributors fit one 64-bit bitmap.</summary>
    public const int MaxExperts = 64;

    /// <summary>Bytes of one (row id, score) pair in MATCHES.</summary>
    public const int MatchSize = 8;

    internal static bool HostIsLittleEndian => BitConverter.IsLittleEndian;
}
