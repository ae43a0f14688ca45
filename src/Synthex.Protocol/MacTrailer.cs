namespace Synthex.Protocol;

/// <summary>
/// The 16-byte trailer reserved for the per-job message authentication code (the hardening
/// issue): flag <see cref="Flags.Mac"/> says it follows the payload; the MAC covers every byte
/// before it (header with the flag set, payload). Version 1 frames it; computing and checking it
/// is the services' (HMAC-SHA-256 truncated to 128 bits, or AES-GMAC).
/// </summary>
public static class MacTrailer
{
    /// <summary>Sets the MAC flag on the message of <paramref name="length"/> bytes in
    /// <paramref name="message"/> and returns its new length with the zeroed trailer, which
    /// <paramref name="trailer"/> views; 0 when the buffer has no room or the flag is already set.</summary>
    public static int Append(Span<byte> message, int length, out Span<byte> trailer)
    {
        trailer = default;
        if (length < Wire.HeaderSize || message.Length < length + Wire.MacSize ||
            length + Wire.MacSize > Wire.MaxDatagram || (message[4] & (byte)Flags.Mac) != 0)
            return 0;
        message[4] |= (byte)Flags.Mac;
        trailer = message.Slice(length, Wire.MacSize);
        trailer.Clear();
        return length + Wire.MacSize;
    }

    /// <summary>The bytes the MAC covers in a message of <paramref name="length"/> bytes that has the trailer.</summary>
    public static ReadOnlySpan<byte> Covered(ReadOnlySpan<byte> message, int length) =>
        length < Wire.HeaderSize + Wire.MacSize || length > message.Length ? default : message[..(length - Wire.MacSize)];
}
