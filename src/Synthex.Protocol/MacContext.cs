using System.Security.Cryptography;
using Synthex.Protocol.Internal;

namespace Synthex.Protocol;

/// <summary>
/// <see cref="MessageAuth"/>'s MAC under one key with the key's work done once. With
/// <see cref="MacEngine.OpenSslSha256"/> (the default, <see cref="MacImplementation"/>): the
/// HMAC's keyed inner and outer SHA-256 states, and per message two OpenSSL
/// <c>SHA256_Update/Final</c> pairs called directly — ~0.2 µs at 64 B where the fallback costs
/// ~1.7 µs (docs/BENCHMARKS.md, "Message authentication without the per-call cost"). With
/// <see cref="MacEngine.IncrementalHash"/>: a pre-created HMAC <see cref="IncrementalHash"/>,
/// reset to the keyed state after each message (1.4..3.4× faster than the static one-shot).
/// Not thread-safe: one per (worker, key). No allocation per message.
/// </summary>
public sealed class MacContext : IDisposable
{
    // The engine is chosen when the context is made (once per worker and key): per message the
    // one branch below is on a field that never changes, so it is always predicted.
    private readonly IncrementalHash? _hmac;   // the fallback's; null with the direct engine
    private readonly HmacPads _pads;           // the direct engine's keyed states

    public MacContext(ReadOnlySpan<byte> key) : this(key, MacImplementation.Selected) { }

    /// <summary>A context on a given engine (the tests force the fallback with it).</summary>
    internal MacContext(ReadOnlySpan<byte> key, MacEngine engine)
    {
        Engine = engine;
        if (engine == MacEngine.OpenSslSha256) _pads = HmacPads.Create(key);
        else _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    /// <summary>The engine this context computes with.</summary>
    public MacEngine Engine { get; }

    /// <summary>As <see cref="MessageAuth.Compute"/>.</summary>
    public void Compute(ReadOnlySpan<byte> covered, Span<byte> mac)
    {
        if (_hmac is null)
        {
            _pads.Compute(covered, mac[..Wire.MacSize]);
            return;
        }
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

    public void Dispose() => _hmac?.Dispose();
}
