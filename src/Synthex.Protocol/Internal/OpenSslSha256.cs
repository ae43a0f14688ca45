using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Protocol.Internal;

/// <summary>
/// OpenSSL's low-level SHA-256 (<c>SHA256_Init/Update/Final</c> of <c>openssl/sha.h</c>), called
/// through function pointers resolved once from <c>libcrypto</c> — the library .NET's own
/// cryptography already loads on Linux. Those functions go straight to OpenSSL's block function
/// (SHA-NI where the CPU has it: <c>grep sha_ni /proc/cpuinfo</c>), without the EVP/provider
/// layer that .NET's <c>IncrementalHash</c> and <c>HMACSHA256</c> cross several times per
/// message: that layer is the fixed ~1.5 µs per MAC measured in docs/BENCHMARKS.md.
/// </summary>
/// <remarks>
/// <para>The calls carry <c>SuppressGCTransition</c>: each is short (SHA-256 of at most a 9,000-byte
/// datagram, ~10 µs with SHA-NI), never blocks and never calls back into the runtime.</para>
/// <para>Deprecated in OpenSSL 3.0 but exported by every 3.x and by 1.1 with the same
/// <see cref="Sha256State"/> layout. Nothing here trusts that: <see cref="MacImplementation"/>
/// uses this only after a self-test against .NET's <c>HMACSHA256</c>.</para>
/// </remarks>
internal static unsafe class OpenSslSha256
{
    /// <summary>The sonames tried, newest first (Debian 12 ships 3; 1.1 on older hosts).</summary>
    internal static readonly string[] LibraryNames = ["libcrypto.so.3", "libcrypto.so.1.1"];

    // Resolved once by TryLoad; null until then (and forever where libcrypto cannot be loaded).
    private static delegate* unmanaged[Cdecl, SuppressGCTransition]<Sha256State*, int> s_init;
    private static delegate* unmanaged[Cdecl, SuppressGCTransition]<Sha256State*, byte*, nuint, int> s_update;
    private static delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, Sha256State*, int> s_final;

    /// <summary>The library the functions came from, once loaded.</summary>
    internal static string? Library { get; private set; }

    /// <summary>
    /// Loads the first of <paramref name="names"/> that exports all three functions and keeps its
    /// pointers. Returns null on success, else why not (for the log and <c>synthex info</c>).
    /// Called once, from <see cref="MacImplementation"/>'s initialisation (and by tests with
    /// names that do not exist, which leaves a loaded library untouched).
    /// </summary>
    internal static string? TryLoad(IEnumerable<string> names)
    {
        var tried = new List<string>();
        foreach (string name in names)
        {
            if (!NativeLibrary.TryLoad(name, out IntPtr lib)) { tried.Add($"{name}: not found"); continue; }
            if (!NativeLibrary.TryGetExport(lib, "SHA256_Init", out IntPtr init) ||
                !NativeLibrary.TryGetExport(lib, "SHA256_Update", out IntPtr update) ||
                !NativeLibrary.TryGetExport(lib, "SHA256_Final", out IntPtr final))
            {
                tried.Add($"{name}: no SHA256_Init/Update/Final export");
                continue;
            }
            s_init = (delegate* unmanaged[Cdecl, SuppressGCTransition]<Sha256State*, int>)init;
            s_update = (delegate* unmanaged[Cdecl, SuppressGCTransition]<Sha256State*, byte*, nuint, int>)update;
            s_final = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, Sha256State*, int>)final;
            Library = name;
            return null;
        }
        return tried.Count == 0 ? "no library name given" : string.Join("; ", tried);
    }

    /// <summary>True once <see cref="TryLoad"/> has succeeded.</summary>
    internal static bool Loaded => s_final != null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Init(Sha256State* state) => s_init(state);

    /// <summary>Hashes <paramref name="length"/> bytes at <paramref name="data"/> into the state (0 bytes: nothing, null allowed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Update(Sha256State* state, byte* data, nuint length) => s_update(state, data, length);

    /// <summary>Pads, finishes and writes the 32-byte digest; the state is spent (OpenSSL clears its buffer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Final(byte* digest, Sha256State* state) => s_final(digest, state);
}

/// <summary>
/// OpenSSL's <c>SHA256_CTX</c> (openssl/sha.h, 1.1 and 3.x): <c>unsigned int h[8], Nl, Nh,
/// data[16], num, md_len</c> — 28 32-bit words, 112 bytes. Plain data, so a state is copied by
/// value: the HMAC keeps its keyed inner and outer states and copies them to the stack per message.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Bytes)]
internal unsafe struct Sha256State
{
    /// <summary>sizeof(SHA256_CTX).</summary>
    public const int Bytes = 112;

    private fixed uint _words[Bytes / sizeof(uint)];
}
