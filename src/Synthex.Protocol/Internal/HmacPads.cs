using System.Runtime.CompilerServices;

namespace Synthex.Protocol.Internal;

/// <summary>
/// HMAC-SHA-256 (RFC 2104) with the key's work done once: the SHA-256 states after the key's
/// inner pad (key ⊕ 0x36…) and outer pad (key ⊕ 0x5c…) blocks. A message then costs copying the
/// inner state, hashing the message, finishing, copying the outer state, hashing the 32-byte
/// inner digest and finishing — bit for bit HMAC, with OpenSSL's SHA-256 called directly
/// (<see cref="OpenSslSha256"/>) and no allocation.
/// </summary>
/// <remarks>
/// Only usable where <see cref="OpenSslSha256.Loaded"/>; <see cref="MacImplementation"/> decides
/// that once, never per message. 224 bytes, kept by value (in a <see cref="MacContext"/>, or on
/// the stack for the one-shot).
/// </remarks>
internal unsafe struct HmacPads
{
    private const int Block = 64;    // SHA-256's block: the key is padded (or first hashed) to it
    private const int Digest = 32;

    private Sha256State _inner;   // after H's first block: key ⊕ ipad
    private Sha256State _outer;   // after H's first block: key ⊕ opad

    /// <summary>The pads of <paramref name="key"/> (any length; longer than 64 bytes is hashed first, as RFC 2104 says).</summary>
    [SkipLocalsInit]
    public static HmacPads Create(ReadOnlySpan<byte> key)
    {
        if (!OpenSslSha256.Loaded) EnsureLoaded();   // a null function pointer would crash the process
        byte* k = stackalloc byte[Block];
        new Span<byte>(k, Block).Clear();
        Sha256State s;
        if (key.Length > Block)
        {
            fixed (byte* p = key)
            {
                OpenSslSha256.Init(&s);
                OpenSslSha256.Update(&s, p, (nuint)key.Length);
                OpenSslSha256.Final(k, &s);
            }
        }
        else
        {
            key.CopyTo(new Span<byte>(k, Block));
        }

        HmacPads pads;
        byte* pad = stackalloc byte[Block];
        for (int i = 0; i < Block; i++) pad[i] = (byte)(k[i] ^ 0x36);
        OpenSslSha256.Init(&pads._inner);
        OpenSslSha256.Update(&pads._inner, pad, Block);
        for (int i = 0; i < Block; i++) pad[i] = (byte)(k[i] ^ 0x5c);
        OpenSslSha256.Init(&pads._outer);
        OpenSslSha256.Update(&pads._outer, pad, Block);
        new Span<byte>(k, Block).Clear();   // no key bytes left on the stack
        new Span<byte>(pad, Block).Clear();
        return pads;
    }

    /// <summary>Loads libcrypto through <see cref="MacImplementation"/>'s one-time choice (a context
    /// made on this engine before anything asked for the choice); throws where it cannot be loaded.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EnsureLoaded()
    {
        _ = MacImplementation.Selected;
        string? problem = OpenSslSha256.Loaded ? null : OpenSslSha256.TryLoad(OpenSslSha256.LibraryNames);   // SYNTHEX_MAC=incremental loads nothing
        if (problem is not null)
            throw new InvalidOperationException($"the direct OpenSSL SHA-256 cannot be used here: {problem}");
    }

    /// <summary>The first <paramref name="mac"/>.Length (≤ 32) bytes of HMAC-SHA-256(key, <paramref name="message"/>).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Compute(ReadOnlySpan<byte> message, Span<byte> mac)
    {
        byte* digest = stackalloc byte[Digest];
        Sha256State s = _inner;                  // a copy: the keyed state stays for the next message
        fixed (byte* p = message) OpenSslSha256.Update(&s, p, (nuint)message.Length);
        OpenSslSha256.Final(digest, &s);
        s = _outer;
        OpenSslSha256.Update(&s, digest, Digest);
        OpenSslSha256.Final(digest, &s);
        new ReadOnlySpan<byte>(digest, Digest)[..mac.Length].CopyTo(mac);   // longer than 32: throws
    }
}
