using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Synthex.Dpdk.Kernels;

namespace Synthex.Dpdk.Packets;

/// <summary>
/// An IPv4 header (RFC 791), options included, in place.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |    DSCP   |ECN|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |Flags|      Fragment Offset    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (IHL > 5)          |    Padding    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct Ipv4Header
{
    public const int MinLength = 20;
    private readonly Span<byte> _b;

    private Ipv4Header(Span<byte> b) => _b = b;

    /// <summary>
    /// Reads the header at the start of <paramref name="bytes"/> (the rest of the frame).
    /// False when truncated, not version 4, IHL under 5, or total length shorter than the header
    /// or longer than the bytes present (Ethernet padding after it is allowed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> bytes, out Ipv4Header header)
    {
        header = default;
        if (bytes.Length < MinLength) return false;
        int vihl = bytes[0];
        int ihl = (vihl & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if ((vihl >> 4) != 4 || ihl < MinLength || total < ihl || total > bytes.Length) return false;
        header = new Ipv4Header(bytes[..total]);
        return true;
    }

    /// <summary>Header length in bytes (20..60).</summary>
    public int HeaderLength => (_b[0] & 0xF) * 4;
    public int TotalLength => _b.Length;
    public byte Ttl { get => _b[8]; }
    public byte Protocol => _b[9];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_b[10..]);
    public uint Source => BinaryPrimitives.ReadUInt32BigEndian(_b[12..]);
    public uint Destination => BinaryPrimitives.ReadUInt32BigEndian(_b[16..]);

    /// <summary>Non-zero fragment offset: no L4 header in this packet.</summary>
    public bool IsLaterFragment => (BinaryPrimitives.ReadUInt16BigEndian(_b[6..]) & 0x1FFF) != 0;

    /// <summary>More-fragments flag.</summary>
    public bool HasMoreFragments => (_b[6] & 0x20) != 0;

    /// <summary>The header bytes, options included.</summary>
    public Span<byte> Header => _b[..HeaderLength];

    /// <summary>The payload (L4), up to total length: Ethernet padding excluded.</summary>
    public Span<byte> Payload => _b[HeaderLength..];

    /// <summary>Swaps source and destination. Neither checksum changes: both sum these words, and addition commutes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapAddresses()
    {
        ref byte p = ref _b[12];
        ulong both = Unsafe.ReadUnaligned<ulong>(ref p);
        Unsafe.WriteUnaligned(ref p, (both >> 32) | (both << 32));
    }

    /// <summary>Sets the TTL and updates the header checksum incrementally (RFC 1624, eqn. 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetTtl(byte ttl)
    {
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_b[8..]);
        _b[8] = ttl;
        ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(_b[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(_b[10..], InternetChecksum.Update(Checksum, oldWord, newWord));
    }
}
