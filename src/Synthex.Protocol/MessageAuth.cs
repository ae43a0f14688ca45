using System.Security.Cryptography;
using Synthex.Protocol.Internal;

namespace Synthex.Protocol;

/// <summary>
/// The per-job message authentication code of docs/PROTOCOL.md ("Authentication trailer"):
/// HMAC-SHA-256 with the job's key over every byte before the trailer (the header with the MAC
/// flag set, then the payload), truncated to its first 16 bytes. Used by the services (verify
/// requests, sign answers) and by the clients (sign requests, verify answers).
/// </summary>
/// <remarks>
/// No allocation, thread-safe (the clients use it). With <see cref="MacEngine.OpenSslSha256"/>
/// (<see cref="MacImplementation"/>) the key's pads are hashed on the stack per call and the
/// message through OpenSSL's SHA-256 directly; with the fallback, the static one-shot
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>. The
/// services use <see cref="MacContext"/> per worker and key, which also skips the pads per message
/// (tests/Synthex.Dpdk.Benchmarks MacSuite; docs/BENCHMARKS.md). Comparison in constant time
/// (<see cref="CryptographicOperations.FixedTimeEquals"/>), so a forger learns nothing from timing.
/// </remarks>
public static class MessageAuth
{
    /// <summary>The shortest key accepted: 16 bytes (128 bits, the MAC's own strength).</summary>
    public const int MinKeyBytes = 16;

    /// <summary>The longest key accepted: 64 bytes, HMAC-SHA-256's block (a longer one is hashed first, no stronger).</summary>
    public const int MaxKeyBytes = 64;

    /// <summary>Writes the 16-byte MAC of <paramref name="covered"/> under <paramref name="key"/> into <paramref name="mac"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> covered, Span<byte> mac)
        => Compute(key, covered, mac, MacImplementation.Selected);

    /// <summary>As <see cref="Compute(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> on a given engine (the tests force the fallback with it).</summary>
    internal static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> covered, Span<byte> mac, MacEngine engine)
    {
        if (engine == MacEngine.OpenSslSha256)
        {
            HmacPads.Create(key).Compute(covered, mac[..Wire.MacSize]);
            return;
        }
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, covered, full);
        full[..Wire.MacSize].CopyTo(mac);
    }

    /// <summary>
    /// Whether <paramref name="datagram"/> (the whole message, trailer last) has the MAC flag and
    /// a trailer that verifies under <paramref name="key"/>. A message shorter than header +
    /// trailer never verifies.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Wire.HeaderSize + Wire.MacSize || (datagram[4] & (byte)Flags.Mac) == 0) return false;
        Span<byte> expected = stackalloc byte[Wire.MacSize];
        int covered = datagram.Length - Wire.MacSize;
        Compute(key, datagram[..covered], expected);
        return CryptographicOperations.FixedTimeEquals(expected, datagram[covered..]);
    }

    /// <summary>
    /// Signs the message of <paramref name="length"/> bytes in <paramref name="buffer"/>: sets the
    /// MAC flag, appends the trailer and fills it. Returns the new length, or 0 when the buffer
    /// has no room for the trailer or the message already carries one.
    /// </summary>
    public static int Sign(Span<byte> buffer, int length, ReadOnlySpan<byte> key)
    {
        int n = MacTrailer.Append(buffer, length, out Span<byte> trailer);
        if (n == 0) return 0;
        Compute(key, buffer[..length], trailer);   // the flag is already set in the covered header
        return n;
    }
}
