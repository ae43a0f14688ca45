using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Synthex.Protocol;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>
/// The per-message MAC (docs/PROTOCOL.md, "Authentication trailer") at 64 B, 1 KiB and 8 KiB
/// covered: HMAC-SHA-256 truncated to 16 bytes with the static one-shot (what
/// <see cref="MessageAuth"/> uses), the same with a pre-created per-worker
/// <see cref="IncrementalHash"/>, the whole verify (one-shot + constant-time compare), and AES-GMAC
/// (.NET's hardware <see cref="AesGcm"/>, empty plaintext, the message as associated data) — the
/// alternative the issue allows if it is clearly faster. The <c>Direct*</c> rows are the MAC
/// without .NET's per-call cost (<see cref="MacEngine.OpenSslSha256"/>: keyed SHA-256 states, then
/// OpenSSL's <c>SHA256_Update/Final</c> called directly); the first four rows are the baseline
/// (what <see cref="MessageAuth"/> and <see cref="MacContext"/> used before it).
/// Run: <c>dotnet tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks.dll --filter '*MacSuite*'</c>.
/// </summary>
[Config(typeof(KernelConfig)), MemoryDiagnoser]
public class MacSuite
{
    [Params(64, 1024, 8192)] public int Bytes;

    private readonly byte[] _key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private byte[] _message = [];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private IncrementalHash _incremental = null!;
    private AesGcm _gcm = null!;
    private MacContext _direct = null!;

    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Bytes + Wire.MacSize];
        new Random(5).NextBytes(_message);
        _message[4] |= (byte)Flags.Mac;
        MessageAuth.Compute(_key, _message.AsSpan(0, Bytes), _message.AsSpan(Bytes));
        _incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        _gcm = new AesGcm(_key, 16);
        _direct = new MacContext(_key);
        if (_direct.Engine != MacEngine.OpenSslSha256)
            throw new InvalidOperationException($"the direct engine is not in use: {MacImplementation.Describe()}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _incremental.Dispose();
        _gcm.Dispose();
        _direct.Dispose();
    }

    [Benchmark(Baseline = true)]
    public byte HmacOneShot()
    {
        // What MessageAuth.Compute did before the direct engine: .NET's static one-shot.
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, _message.AsSpan(0, Bytes), full);
        return full[0];
    }

    [Benchmark]
    public byte HmacIncremental()
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        _incremental.AppendData(_message.AsSpan(0, Bytes));
        _incremental.TryGetHashAndReset(full, out _);
        return full[0];
    }

    [Benchmark]
    public bool HmacVerify()
    {
        // What MessageAuth.Verify did before: the one-shot, then the constant-time compare.
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, _message.AsSpan(0, Bytes), full);
        return CryptographicOperations.FixedTimeEquals(full[..Wire.MacSize], _message.AsSpan(Bytes));
    }

    /// <summary>MessageAuth.Compute now (the clients'): the key's pads hashed per call, then the message, all directly in OpenSSL.</summary>
    [Benchmark]
    public byte DirectOneShot()
    {
        Span<byte> mac = stackalloc byte[Wire.MacSize];
        MessageAuth.Compute(_key, _message.AsSpan(0, Bytes), mac);
        return mac[0];
    }

    /// <summary>MacContext.Compute now (the services' and the load tool's): the pads precomputed per key.</summary>
    [Benchmark]
    public byte DirectContext()
    {
        Span<byte> mac = stackalloc byte[Wire.MacSize];
        _direct.Compute(_message.AsSpan(0, Bytes), mac);
        return mac[0];
    }

    /// <summary>MacContext.Verify now: the MAC plus the constant-time compare.</summary>
    [Benchmark]
    public bool DirectVerify() => _direct.Verify(_message);

    [Benchmark]
    public byte AesGmac()
    {
        // A real nonce would be (expert, session, round, chunk, retransmit); its content does not change the cost.
        _nonce[0]++;
        _gcm.Encrypt(_nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, _tag, _message.AsSpan(0, Bytes));
        return _tag[0];
    }
}
