using System.Security.Cryptography;
using Synthex.Protocol.Internal;

namespace Synthex.Protocol;

/// <summary>How this process computes HMAC-SHA-256 for <see cref="MessageAuth"/> and <see cref="MacContext"/>.</summary>
public enum MacEngine : byte
{
    /// <summary>Keyed SHA-256 states precomputed per key, OpenSSL's <c>SHA256_Update/Final</c>
    /// called directly per message (no EVP layer). The default where libcrypto loads and passes the self-test.</summary>
    OpenSslSha256,

    /// <summary>.NET's own HMAC: a pre-created <see cref="IncrementalHash"/> per key (and
    /// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> for the one-shot). The fallback.</summary>
    IncrementalHash,
}

/// <summary>
/// Which <see cref="MacEngine"/> the MACs use. Chosen once, at type initialisation: the direct
/// OpenSSL SHA-256 when <c>libcrypto.so.3</c> (or <c>.so.1.1</c>) loads, exports the functions and
/// its HMAC equals .NET's <see cref="HMACSHA256"/> on a self-test; otherwise .NET's own HMAC,
/// with the reason. <c>SYNTHEX_MAC=incremental</c> forces the fallback (<c>openssl</c>: the
/// default, still subject to the self-test). Shown by <c>synthex info</c> and in a keyed run's log.
/// </summary>
/// <remarks>
/// Both engines compute the same bytes (HMAC is defined by RFC 2104; the tests compare them over
/// random keys and lengths); they differ only in cost: ~1.5 µs a call of .NET → OpenSSL EVP
/// overhead for the fallback (docs/BENCHMARKS.md, "Message authentication without the per-call cost").
/// </remarks>
public static class MacImplementation
{
    /// <summary>The environment variable that forces an engine: <c>openssl</c> or <c>incremental</c>.</summary>
    public const string EnvironmentVariable = "SYNTHEX_MAC";

    private static readonly (MacEngine Engine, string Reason) s_choice =
        Select(Environment.GetEnvironmentVariable(EnvironmentVariable), () => NativeProblem(OpenSslSha256.LibraryNames));

    /// <summary>The engine every <see cref="MacContext"/> and the one-shot use in this process.</summary>
    public static MacEngine Selected => s_choice.Engine;

    /// <summary>Why <see cref="Selected"/> (the library used, or why the fallback).</summary>
    public static string Reason => s_choice.Reason;

    /// <summary>The lower-case name used by <see cref="EnvironmentVariable"/> and <c>synthex info</c>.</summary>
    public static string Name(MacEngine engine) => engine switch
    {
        MacEngine.OpenSslSha256 => "openssl",
        MacEngine.IncrementalHash => "incremental",
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    /// <summary>One line for <c>synthex info</c> and the run's log, e.g. "openssl (HMAC-SHA-256 over libcrypto.so.3's SHA256_Update, pads precomputed per key)".</summary>
    public static string Describe() => $"{Name(Selected)} ({Reason})";

    /// <summary>
    /// The selection rule, apart from the process so that tests drive it: <paramref name="env"/>
    /// as <see cref="EnvironmentVariable"/>; <paramref name="nativeProblem"/> is asked only when the
    /// native engine is wanted and returns null when it is usable, else why not.
    /// </summary>
    internal static (MacEngine Engine, string Reason) Select(string? env, Func<string?> nativeProblem)
    {
        string wanted = env?.Trim().ToLowerInvariant() ?? "";
        string note = "";
        switch (wanted)
        {
            case "incremental":
                return (MacEngine.IncrementalHash, $".NET IncrementalHash HMAC, forced by {EnvironmentVariable}=incremental");
            case "" or "openssl":
                break;
            default:
                note = $"; {EnvironmentVariable}='{env}' is not one of openssl, incremental, so ignored";
                break;
        }
        string? problem = nativeProblem();
        return problem is null
            ? (MacEngine.OpenSslSha256, $"HMAC-SHA-256 over {OpenSslSha256.Library}'s SHA256_Update, pads precomputed per key{note}")
            : (MacEngine.IncrementalHash, $".NET IncrementalHash HMAC: the direct OpenSSL SHA-256 is not usable: {problem}{note}");
    }

    /// <summary>Null when the direct engine loads from one of <paramref name="libraries"/> and passes the self-test, else why not.</summary>
    internal static string? NativeProblem(IEnumerable<string> libraries)
    {
        try
        {
            if (!OpenSslSha256.Loaded && OpenSslSha256.TryLoad(libraries) is { } problem) return problem;
            return SelfTest();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The direct engine against .NET's <see cref="HMACSHA256"/> (and RFC 4231's test case 2) on keys
    /// and messages across SHA-256's padding boundaries (55/56/64 bytes) and a key longer than a
    /// block. Null when every one agrees.
    /// </summary>
    internal static string? SelfTest()
    {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        Span<byte> mac = stackalloc byte[32];
        HmacPads.Create("Jefe"u8).Compute("what do ya want for nothing?"u8, mac);
        if (!mac.SequenceEqual(Convert.FromHexString("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")))
            return "self-test failed on RFC 4231 test case 2";

        var message = new byte[200];
        for (int i = 0; i < message.Length; i++) message[i] = (byte)(i * 7 + 1);
        Span<byte> expected = stackalloc byte[32];
        foreach (int keyLength in (ReadOnlySpan<int>)[16, 32, 64, 65])
        {
            ReadOnlySpan<byte> key = message.AsSpan(3, keyLength);
            HmacPads pads = HmacPads.Create(key);
            foreach (int n in (ReadOnlySpan<int>)[0, 1, 55, 56, 63, 64, 65, 119, 120, 200])
            {
                pads.Compute(message.AsSpan(0, n), mac);
                HMACSHA256.HashData(key, message.AsSpan(0, n), expected);
                if (!mac.SequenceEqual(expected))
                    return $"self-test failed: a {keyLength}-byte key, a {n}-byte message differ from HMACSHA256";
            }
        }
        return null;
    }
}
