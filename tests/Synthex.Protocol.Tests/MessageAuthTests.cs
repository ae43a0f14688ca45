using System.Security.Cryptography;

namespace Synthex.Protocol.Tests;

/// <summary>
/// The MAC of docs/PROTOCOL.md ("Authentication trailer"): HMAC-SHA-256 over header (flag set) and
/// payload, truncated to 16 bytes — the documented test vector, every single-bit forgery refused,
/// the codec framing a signed message, and no allocation on the sign/verify path.
/// </summary>
public class MessageAuthTests
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    /// <summary>The vector PROTOCOL.md prints (computed there with Python's hmac, independently of this code).</summary>
    private const string VectorHex =
        "53580101010000000000000007000000" + "01000000000000008877665544332211" +
        "00010000020000000000000002000000" + "0000803f000000000000000000000000" +
        "0000803f000000407d769c9a08722f9a" + "c5a6e0d28bc16a4b";

    private static byte[] Signed(out int length)
    {
        var buffer = new byte[Wire.MaxDatagram];
        var h = Contribute.Header(7, 0x1122334455667788, 1, 0, 1, 2, 0, 2, 1f, 0);
        int n = Contribute.Write(buffer, h, [1f, 2f]);
        length = MessageAuth.Sign(buffer, n, Key);
        return buffer;
    }

    [Fact]
    public void The_documented_test_vector_is_what_sign_writes()
    {
        byte[] buffer = Signed(out int length);
        Assert.Equal(64 + 8 + 16, length);
        Assert.Equal(VectorHex, Convert.ToHexString(buffer, 0, length).ToLowerInvariant());
        Assert.Contains("7d 76 9c 9a 08 72 2f 9a", Repo.Doc);
    }

    [Fact]
    public void The_trailer_is_the_first_16_bytes_of_hmac_sha256_over_header_with_flag_and_payload()
    {
        byte[] buffer = Signed(out int length);
        Assert.Equal(1, buffer[4] & 1);
        byte[] full = new HMACSHA256(Key).ComputeHash(buffer, 0, length - 16);
        Assert.Equal(full[..16], buffer[(length - 16)..length]);
    }

    [Fact]
    public void A_signed_message_verifies_and_the_codec_frames_its_trailer()
    {
        byte[] buffer = Signed(out int length);
        Assert.True(MessageAuth.Verify(Key, buffer.AsSpan(0, length)));
        var v = Codec.ReadRequest(buffer.AsSpan(0, length), out Message m);
        Assert.True(v.IsValid, v.ToString());
        Assert.True(m.Header.HasMac);
        Assert.Equal(new[] { 1f, 2f }, m.Values.ToArray());
        Assert.Equal(buffer[(length - 16)..length], m.Mac.ToArray());
    }

    [Fact]
    public void Every_single_bit_flipped_in_header_payload_or_trailer_fails()
    {
        byte[] buffer = Signed(out int length);
        for (int bit = 0; bit < length * 8; bit++)
        {
            byte[] forged = buffer[..length];
            forged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(MessageAuth.Verify(Key, forged), $"bit {bit} (byte {bit / 8}) flipped still verifies");
        }
    }

    [Fact]
    public void Another_key_a_truncated_message_or_no_flag_fails()
    {
        byte[] buffer = Signed(out int length);
        byte[] other = (byte[])Key.Clone();
        other[31] ^= 1;
        Assert.False(MessageAuth.Verify(other, buffer.AsSpan(0, length)));
        Assert.False(MessageAuth.Verify(Key, buffer.AsSpan(0, length - 1)));
        Assert.False(MessageAuth.Verify(Key, buffer.AsSpan(0, 64 + 15)));
        Assert.False(MessageAuth.Verify(Key, ReadOnlySpan<byte>.Empty));
        byte[] unflagged = buffer[..length];
        unflagged[4] = 0;
        Assert.False(MessageAuth.Verify(Key, unflagged));
    }

    [Fact]
    public void Sign_refuses_a_message_already_signed_or_a_buffer_without_room()
    {
        byte[] buffer = Signed(out int length);
        Assert.Equal(0, MessageAuth.Sign(buffer, length, Key));
        var tight = new byte[64 + 8];
        int n = Contribute.Write(tight, Contribute.Header(7, 1, 1, 0, 1, 2, 0, 2, 1f, 0), [1f, 2f]);
        Assert.Equal(0, MessageAuth.Sign(tight, n, Key));
    }

    [Fact]
    public void Sign_and_verify_allocate_nothing()
    {
        var buffer = new byte[Wire.MaxDatagram];
        var h = Contribute.Header(7, 5, 1, 0, 1, 256, 0, 256, 1f, 0);
        int n = Contribute.Write(buffer, h, new float[256]);
        long Loop(int count)
        {
            long ok = 0;
            for (int i = 0; i < count; i++)
            {
                buffer[4] = 0;
                int signed = MessageAuth.Sign(buffer, n, Key);
                ok += MessageAuth.Verify(Key, buffer.AsSpan(0, signed)) ? 1 : 0;
            }
            return ok;
        }
        Loop(100);   // JIT and the crypto provider's one-time state
        long verified = 0;
        Assert.Equal(0, SteadyAllocation(() => verified = Loop(1000)));   // (an Assert inside the window allocates)
        Assert.Equal(1000, verified);
    }

    [Fact]
    public void A_mac_context_computes_the_same_trailer_message_after_message_and_refuses_forgeries()
    {
        using var context = new MacContext(Key);
        byte[] buffer = Signed(out int length);
        for (int i = 0; i < 3; i++)   // reset to the keyed state after each message
            Assert.True(context.Verify(buffer.AsSpan(0, length)));
        Assert.Equal(VectorHex, Convert.ToHexString(buffer, 0, length).ToLowerInvariant());
        var again = new byte[Wire.MaxDatagram];
        int n = Contribute.Write(again, Contribute.Header(7, 0x1122334455667788, 1, 0, 1, 2, 0, 2, 1f, 0), [1f, 2f]);
        Assert.Equal(length, context.Sign(again, n));
        Assert.Equal(buffer[..length], again[..length]);
        for (int bit = 0; bit < length * 8; bit += 7)
        {
            byte[] forged = buffer[..length];
            forged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(context.Verify(forged));
        }
        Assert.True(context.Verify(buffer.AsSpan(0, length)));   // a failed verify leaves it reset too
    }

    [Fact]
    public void A_mac_context_allocates_nothing()
    {
        using var context = new MacContext(Key);
        var buffer = new byte[Wire.MaxDatagram];
        int n = Contribute.Write(buffer, Contribute.Header(7, 5, 1, 0, 1, 256, 0, 256, 1f, 0), new float[256]);
        long Loop(int count)
        {
            long ok = 0;
            for (int i = 0; i < count; i++)
            {
                buffer[4] = 0;
                ok += context.Verify(buffer.AsSpan(0, context.Sign(buffer, n))) ? 1 : 0;
            }
            return ok;
        }
        Loop(100);
        long verified = 0;
        Assert.Equal(0, SteadyAllocation(() => verified = Loop(1000)));
        Assert.Equal(1000, verified);
    }

    /// <summary>Bytes allocated by <paramref name="window"/> in the last of up to five windows,
    /// stopping at the first that allocates nothing: a tier-up or OSR transition of the JIT landing
    /// in a window allocates once; an allocation per message shows in every window.</summary>
    private static long SteadyAllocation(Action window)
    {
        long allocated = -1;
        for (int w = 0; w < 5 && allocated != 0; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return allocated;
    }
}
