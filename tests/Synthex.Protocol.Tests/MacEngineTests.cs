using System.Security.Cryptography;
using CsCheck;
using Synthex.Protocol.Internal;

namespace Synthex.Protocol.Tests;

/// <summary>
/// The two HMAC engines (<see cref="MacImplementation"/>): the direct OpenSSL SHA-256 with pads
/// precomputed per key, and .NET's own HMAC as the fallback. Both must equal
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> truncated
/// to 16 bytes for every key and length, keep PROTOCOL.md's test vector, and allocate nothing.
/// </summary>
public class MacEngineTests
{
    private static readonly MacEngine[] Engines = [MacEngine.OpenSslSha256, MacEngine.IncrementalHash];

    private static byte[] Reference(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        var full = new byte[32];
        HMACSHA256.HashData(key, message, full);
        return full[..Wire.MacSize];
    }

    private static byte[] ViaContext(MacEngine engine, byte[] key, ReadOnlySpan<byte> message)
    {
        using var context = new MacContext(key, engine);
        Assert.Equal(engine, context.Engine);
        var mac = new byte[Wire.MacSize];
        context.Compute(message, mac);
        return mac;
    }

    private static byte[] ViaOneShot(MacEngine engine, byte[] key, ReadOnlySpan<byte> message)
    {
        var mac = new byte[Wire.MacSize];
        MessageAuth.Compute(key, message, mac, engine);
        return mac;
    }

    [Fact]
    public void The_direct_openssl_engine_is_the_one_chosen_here()
    {
        // Debian 12 ships libcrypto.so.3 (.NET's own cryptography needs it): unless forced, the
        // direct engine must load and pass its self-test. A fallback here means a regression.
        if (Environment.GetEnvironmentVariable(MacImplementation.EnvironmentVariable) is { Length: > 0 } forced)
        {
            Assert.StartsWith(forced.Trim().ToLowerInvariant() == "incremental" ? "incremental" : "", MacImplementation.Describe());
            return;
        }
        Assert.True(MacImplementation.Selected == MacEngine.OpenSslSha256, MacImplementation.Describe());
        Assert.Contains("libcrypto.so", MacImplementation.Reason);
        Assert.Null(MacImplementation.SelfTest());
        Assert.Equal(MacEngine.OpenSslSha256, new MacContext(new byte[32]).Engine);
    }

    [Fact]
    public void Every_length_0_to_300_and_the_padding_boundaries_equal_hmacsha256_on_both_engines()
    {
        var random = new Random(15);
        var message = new byte[300];
        random.NextBytes(message);
        foreach (int keyLength in (int[])[16, 31, 32, 55, 56, 63, 64])
        {
            byte[] key = new byte[keyLength];
            random.NextBytes(key);
            foreach (MacEngine engine in Engines)
            {
                using var context = new MacContext(key, engine);
                var mac = new byte[Wire.MacSize];
                for (int n = 0; n <= message.Length; n++)   // 55/56 (one block or two), 64, 119/120, ...
                {
                    byte[] expected = Reference(key, message.AsSpan(0, n));
                    context.Compute(message.AsSpan(0, n), mac);   // one context, message after message
                    Assert.True(expected.AsSpan().SequenceEqual(mac), $"{engine}, key {keyLength} B, message {n} B: context");
                    Assert.Equal(expected, ViaOneShot(engine, key, message.AsSpan(0, n)));
                }
            }
        }
    }

    [Fact]
    public void Random_keys_of_16_to_64_bytes_and_messages_up_to_9000_bytes_equal_hmacsha256()
    {
        Gen.Select(Gen.Byte.Array[MessageAuth.MinKeyBytes, MessageAuth.MaxKeyBytes], Gen.Byte.Array[0, Wire.MaxDatagram]).Sample((key, message) =>
        {
            byte[] expected = Reference(key, message);
            foreach (MacEngine engine in Engines)
            {
                Assert.Equal(expected, ViaContext(engine, key, message));
                Assert.Equal(expected, ViaOneShot(engine, key, message));
            }
        }, iter: 500);
    }

    [Fact]
    public void Keys_outside_16_to_64_bytes_are_hmac_too_a_longer_one_hashed_first()
    {
        // The key file refuses them (JobKeys), but Compute takes any span: RFC 2104 defines them.
        byte[] message = "the quick brown fox"u8.ToArray();
        foreach (int keyLength in (int[])[0, 1, 15, 65, 100, 200])
        {
            byte[] key = Enumerable.Range(0, keyLength).Select(i => (byte)(i * 13)).ToArray();
            foreach (MacEngine engine in Engines)
            {
                Assert.Equal(Reference(key, message), ViaContext(engine, key, message));
                Assert.Equal(Reference(key, message), ViaOneShot(engine, key, message));
            }
        }
    }

    [Fact]
    public void The_documented_test_vector_holds_on_both_engines()
    {
        // docs/PROTOCOL.md's vector: its trailer is 7d769c9a08722f9ac5a6e0d28bc16a4b.
        byte[] key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        var buffer = new byte[Wire.MaxDatagram];
        int n = Contribute.Write(buffer, Contribute.Header(7, 0x1122334455667788, 1, 0, 1, 2, 0, 2, 1f, 0), [1f, 2f]);
        foreach (MacEngine engine in Engines)
        {
            var copy = (byte[])buffer.Clone();
            using var context = new MacContext(key, engine);
            int signed = context.Sign(copy, n);
            Assert.Equal("7d769c9a08722f9ac5a6e0d28bc16a4b", Convert.ToHexString(copy, signed - 16, 16).ToLowerInvariant());
            Assert.True(context.Verify(copy.AsSpan(0, signed)));
            var trailer = new byte[16];
            MessageAuth.Compute(key, copy.AsSpan(0, signed - 16), trailer, engine);
            Assert.Equal("7d769c9a08722f9ac5a6e0d28bc16a4b", Convert.ToHexString(trailer).ToLowerInvariant());
        }
    }

    [Fact]
    public void The_one_shot_is_thread_safe()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i + 100)).ToArray();
        var messages = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, i * 23).Select(j => (byte)(j ^ i)).ToArray()).ToArray();
        var expected = messages.Select(m => Reference(key, m)).ToArray();
        Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            Span<byte> mac = stackalloc byte[Wire.MacSize];
            MessageAuth.Compute(key, messages[i % messages.Length], mac);
            if (!mac.SequenceEqual(expected[i % messages.Length])) throw new InvalidOperationException($"message {i % messages.Length} differs");
        });
    }

    [Fact]
    public void The_selection_falls_back_with_its_reason_and_can_be_forced()
    {
        bool asked = false;
        var forced = MacImplementation.Select("incremental", () => { asked = true; return null; });
        Assert.Equal(MacEngine.IncrementalHash, forced.Engine);
        Assert.Contains("forced by SYNTHEX_MAC=incremental", forced.Reason);
        Assert.False(asked);   // forcing the fallback never touches libcrypto

        var missing = MacImplementation.Select(null, () => "libcrypto.so.3: not found");
        Assert.Equal(MacEngine.IncrementalHash, missing.Engine);
        Assert.Contains("libcrypto.so.3: not found", missing.Reason);

        var failed = MacImplementation.Select("openssl", () => "self-test failed on RFC 4231 test case 2");
        Assert.Equal(MacEngine.IncrementalHash, failed.Engine);
        Assert.Contains("self-test failed", failed.Reason);

        var typo = MacImplementation.Select(" OpenSSL ", () => null);
        Assert.Equal(MacEngine.OpenSslSha256, typo.Engine);
        var unknown = MacImplementation.Select("fast", () => null);
        Assert.Equal(MacEngine.OpenSslSha256, unknown.Engine);
        Assert.Contains("SYNTHEX_MAC='fast' is not one of openssl, incremental", unknown.Reason);
    }

    [Fact]
    public void A_library_that_cannot_be_loaded_is_reported_by_name_and_leaves_the_loaded_one()
    {
        string? problem = OpenSslSha256.TryLoad(["libsynthex-no-such-crypto.so.9", "libc.so.6"]);
        Assert.NotNull(problem);
        Assert.Contains("libsynthex-no-such-crypto.so.9: not found", problem);
        Assert.Contains("libc.so.6: no SHA256_Init/Update/Final export", problem);
        if (MacImplementation.Selected == MacEngine.OpenSslSha256)
            Assert.Null(MacImplementation.SelfTest());   // the engine in use still works
    }

    [Fact]
    public void Both_engines_allocate_nothing_per_message()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var buffer = new byte[Wire.MaxDatagram];
        int n = Contribute.Write(buffer, Contribute.Header(7, 5, 1, 0, 1, 256, 0, 256, 1f, 0), new float[256]);
        foreach (MacEngine engine in Engines)
        {
            using var context = new MacContext(key, engine);
            long Loop(int count)
            {
                long ok = 0;
                Span<byte> mac = stackalloc byte[Wire.MacSize];
                for (int i = 0; i < count; i++)
                {
                    buffer[4] = 0;
                    ok += context.Verify(buffer.AsSpan(0, context.Sign(buffer, n))) ? 1 : 0;
                    MessageAuth.Compute(key, buffer.AsSpan(0, n), mac, engine);
                }
                return ok;
            }
            Loop(100);
            long verified = 0;
            long allocated = -1;
            for (int w = 0; w < 5 && allocated != 0; w++)   // a JIT tier-up in a window allocates once; a per-message allocation shows in every window
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                verified = Loop(1000);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Assert.True(allocated == 0, $"{engine}: {allocated} bytes allocated over 1,000 messages");
            Assert.Equal(1000, verified);
        }
    }
}
