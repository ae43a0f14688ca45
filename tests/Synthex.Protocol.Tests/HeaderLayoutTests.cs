using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Synthex.Protocol.Tests;

/// <summary>
/// <see cref="Header"/> is read and written as one 64-byte copy because its fields sit at their
/// wire offsets. These tests hold that layout to docs/PROTOCOL.md's table with a reference that
/// does not share the struct's layout: each field at its documented offset, read by hand.
/// </summary>
public class HeaderLayoutTests
{
    // Every field distinct and none zero, so a field at a wrong offset shows up as a wrong value.
    private static readonly Header Sample = new()
    {
        Version = 0x02, Operation = (Operation)0x03, Flags = (Flags)0x04, Status = (Status)0x05,
        Detail = 0x0706, Epoch = 0x0B0A0908, Job = 0x0F0E0D0C, Round = 0x1716151413121110,
        Session = 0x1F1E1D1C1B1A1918, Expert = 0x20, Target = 0x21, Retransmit = 0x22, Count = 0x23,
        Length = 0x27262524, Offset = 0x2B2A2928, Chunk = 0x2D2C, Timeout = 0x2F2E,
        Weight = BitConverter.Int32BitsToSingle(0x33323130), K = 0x3534, Items = 0x3736,
        Tag = 0x3F3E3D3C3B3A3938,
    };

    [Fact]
    public void The_struct_is_exactly_one_header() => Assert.Equal(Wire.HeaderSize, Unsafe.SizeOf<Header>());

    [Fact]
    public void Every_field_is_written_at_its_documented_offset()
    {
        var m = new byte[Wire.HeaderSize];
        Assert.True(Sample.TryWrite(m));
        // The sample's byte at offset i is i, except the magic's two bytes.
        Assert.Equal(Wire.Magic, BinaryPrimitives.ReadUInt16LittleEndian(m));
        for (int i = 2; i < Wire.HeaderSize; i++)
            Assert.True(m[i] == i, $"byte {i} is 0x{m[i]:X2}");
    }

    [Fact]
    public void Reading_the_bytes_gives_back_every_field()
    {
        var m = new byte[Wire.HeaderSize];
        for (int i = 0; i < m.Length; i++)
            m[i] = (byte)i;
        Assert.Equal(Sample, Header.Read(m));
        // And from a longer datagram, where the header is its first 64 bytes.
        var longer = new byte[Wire.HeaderSize + 12];
        m.CopyTo(longer, 0);
        Assert.Equal(Sample, Header.Read(longer));
    }

    [Fact]
    public void Writing_leaves_the_bytes_after_the_header_alone()
    {
        var m = new byte[Wire.HeaderSize + 4];
        m.AsSpan(Wire.HeaderSize).Fill(0xEE);
        Assert.True(Sample.TryWrite(m));
        Assert.All(m[Wire.HeaderSize..], b => Assert.Equal(0xEE, b));
        Assert.False(Sample.TryWrite(new byte[Wire.HeaderSize - 1]));
    }
}
