using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Packets;

/// <summary>EtherType values this appliance looks at (IEEE registry).</summary>
public static class EtherType
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan = 0x8100;   // 802.1Q C-tag
    public const ushort Qinq = 0x88A8;   // 802.1ad S-tag
    public const ushort Ipv6 = 0x86DD;
}

/// <summary>
/// An Ethernet II header, in place.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Destination MAC (6 bytes)                    |
/// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                               |                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                    Source MAC (6 bytes)                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   EtherType / TPID (0x8100, 0x88a8 announce a VLAN tag)       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly ref struct EthernetHeader
{
    public const int Length = 14;
    private readonly Span<byte> _b;

    private EthernetHeader(Span<byte> b) => _b = b;

    /// <summary>False when the frame is shorter than 14 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(Span<byte> frame, out EthernetHeader header)
    {
        header = frame.Length >= Length ? new EthernetHeader(frame) : default;
        return frame.Length >= Length;
    }

    public MacAddress Destination { get => MacAddress.Read(_b); set => value.Write(_b); }
    public MacAddress Source { get => MacAddress.Read(_b[6..]); set => value.Write(_b[6..]); }
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_b[12..]);

    /// <summary>Swaps destination and source: a 12-byte rotate done as an 8- and a 4-byte load/store pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SwapAddresses() => SwapMacs(_b);

    /// <summary>
    /// Swaps the two MACs of a frame of at least 16 bytes at <paramref name="frame"/>: one 16-byte
    /// load, shuffle and store where the CPU has 128-bit vectors, else the scalar swap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SwapMacs16(ref byte frame)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            // Swaps bytes 0..5 with 6..11 and keeps 12..15 (testpmd's macswap_sse shuffle); written
            // out here rather than a static field, so it is a constant in every tier of the JIT.
            var order = Vector128.Create((byte)6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 12, 13, 14, 15);
            Vector128.Shuffle(Vector128.LoadUnsafe(ref frame), order).StoreUnsafe(ref frame);
            return;
        }
        SwapMacs(MemoryMarshal.CreateSpan(ref frame, Vector128<byte>.Count));
    }

    /// <summary>
    /// Swaps the two MACs of a frame of at least 12 bytes (the caller checked). From 16 bytes on
    /// (every real frame) it is one 16-byte load, one byte shuffle and one store, as DPDK's
    /// SSE macswap does, instead of four loads and four stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SwapMacs(Span<byte> frame)
    {
        ref byte p = ref MemoryMarshal.GetReference(frame);
        if (Vector128.IsHardwareAccelerated && frame.Length >= Vector128<byte>.Count)
        {
            SwapMacs16(ref p);
            return;
        }
        // bytes 0..5 dst, 6..11 src. Load both as 2×(4+2) and store crosswise.
        uint d0 = Unsafe.ReadUnaligned<uint>(ref p);
        ushort d1 = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, 4));
        uint s0 = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, 6));
        ushort s1 = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, 10));
        Unsafe.WriteUnaligned(ref p, s0);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref p, 4), s1);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref p, 6), d0);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref p, 10), d1);
    }
}
