using System.Security.Cryptography;

namespace Synthex.Protocol;

/// <summary>
/// <see cref="MessageAuth"/>'s MAC under one key with the key schedule done once: a pre-created
/// HMAC-SHA-256 <see cref="IncrementalHash"/>, reset (to the keyed state) after each message.
/// The static one-shot pads and hashes the key again on every call; this does not, and measured
/// 1.4..3.4× faster per message at 8 KiB..64 B (docs/BENCHMARKS.md, "Message authentication").
/// Not thread-safe: one per (worker, key). No allocation per message.
/// </summary>
public sealed class MacContext : IDisposable
{
    private readonly IncrementalHash _hmac;

    public MacContext(ReadOnlySpan<byte> key) => _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);

    /// <summary>As <see cref="MessageAuth.Compute"/>.</summary>
    public void Compute(ReadOnlySpan<byte> covered, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _hmac.AppendData(covered);
        _hmac.TryGetHashAndReset(full, out _);
        full[..Wire.MacSize].CopyTo(mac);
    }

    /// <summary>As <see cref="MessageAuth.Verify"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Wire.HeaderSize + Wire.MacSize || (datagram[4] & (byte)Flags.Mac) == 0) return false;
        Span<byte> expected = stackalloc byte[Wire.MacSize];
        int covered = datagram.Length - Wire.MacSize;
        Compute(datagram[..covered], expected);
        return CryptographicOperations.FixedTimeEquals(expected, datagram[covered..]);
    }

    /// <summary>As <see cref="MessageAuth.Sign"/>.</summary>
    public int Sign(Span<byte> buffer, int length)
    {
        int n = MacTrailer.Append(buffer, length, out Span<byte> trailer);
        if (n == 0) return 0;
        Compute(buffer[..length], trailer);
        return n;
    }

    public void Dispose() => _hmac.Dispose();
}
