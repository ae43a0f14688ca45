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
/// alternative the issue allows if it is clearly faster. Run: scripts/bench-mac.sh.
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

    [GlobalSetup]
    public void Setup()
    {
        _message = new byte[Bytes + Wire.MacSize];
        new Random(5).NextBytes(_message);
        _message[4] |= (byte)Flags.Mac;
        MessageAuth.Compute(_key, _message.AsSpan(0, Bytes), _message.AsSpan(Bytes));
        _incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        _gcm = new AesGcm(_key, 16);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _incremental.Dispose();
        _gcm.Dispose();
    }

    [Benchmark(Baseline = true)]
    public byte HmacOneShot()
    {
        Span<byte> mac = stackalloc byte[Wire.MacSize];
        MessageAuth.Compute(_key, _message.AsSpan(0, Bytes), mac);
        return mac[0];
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
    public bool HmacVerify() => MessageAuth.Verify(_key, _message);

    [Benchmark]
    public byte AesGmac()
    {
        // A real nonce would be (expert, session, round, chunk, retransmit); its content does not change the cost.
        _nonce[0]++;
        _gcm.Encrypt(_nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, _tag, _message.AsSpan(0, Bytes));
        return _tag[0];
    }
}
