using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Pipeline.Memory;

/// <summary>The <see cref="IPacketIo"/> over a <see cref="MemoryNetwork"/>.</summary>
public readonly unsafe struct MemoryIo(MemoryNetwork network) : IPacketIo
{
    public int RxBurst(ushort port, ushort queue, nint* packets, int max) => network.RxBurst(port, packets, max);
    public int TxBurst(ushort port, ushort queue, nint* packets, int count) => network.TxBurst(port, queue, packets, count);
    public void Free(nint* packets, int count) => network.Free(packets, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(nint packet, out int packetLength, out bool chained)
    {
        var frame = MemoryNetwork.FrameOf(packet);
        packetLength = frame.Length;
        chained = MemoryNetwork.IsChained(packet);
        return frame;
    }

    public int FirstSegment(nint packet, out uint packetLength, out byte* data)
    {
        var frame = MemoryNetwork.FrameOf(packet);
        packetLength = (uint)frame.Length;
        data = (byte*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(frame)); // native memory: never moves
        return frame.Length; // a chained test packet's frame stands for its first segment
    }

    public bool TryRssHash(nint packet, out uint hash) => MemoryNetwork.TryRssHash(packet, out hash);
    public int PacketLength(nint packet) => MemoryNetwork.FrameOf(packet).Length;
    public Span<byte> Room(nint packet) => network.RoomOf(packet);
    public void SetFrame(nint packet, int start, int length) => network.SetFrame(packet, start, length);
    public int Alloc(nint* packets, int count) => network.Alloc(packets, count);
    public void Prefetch(nint packet) { }
    public ulong Now() => (ulong)Stopwatch.GetTimestamp();
    public ulong TicksPerSecond => (ulong)Stopwatch.Frequency;
}
