using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;
using static Synthex.Dpdk.Fallback.Interop.SocketConst;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// The service-owned buffers an OS worker sends originated datagrams from: a fixed number of
/// slots in native memory, each a destination sockaddr and a payload, taken and released by
/// index (a stack: no allocation, one owner thread). Receive buffers are never used for them,
/// so an app that originates cannot hold a provided buffer (which would end io_uring's
/// multishot receive) or starve receive.
/// <code>[ sockaddr (32 B) | payload (PayloadRoom bytes) ] × Count</code>
/// </summary>
internal sealed unsafe class OriginSlots : IDisposable
{
    private const int NameRoom = 32;
    private readonly byte* _memory;
    private readonly int _stride;
    private readonly int* _free;
    private int _freeCount;

    public OriginSlots(int count, int payloadRoom)
    {
        Count = count;
        PayloadRoom = payloadRoom;
        _stride = NameRoom + payloadRoom;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)count * _stride), 64);
        _free = (int*)NativeMemory.Alloc((nuint)(count * sizeof(int)));
        for (int i = 0; i < count; i++) _free[i] = count - 1 - i;
        _freeCount = count;
    }

    public int Count { get; }
    public int PayloadRoom { get; }
    public int Available => _freeCount;

    public bool TryTake(out int slot)
    {
        if (_freeCount == 0) { slot = -1; return false; }
        slot = _free[--_freeCount];
        return true;
    }

    public void Release(int slot) => _free[_freeCount++] = slot;

    public byte* Name(int slot) => _memory + (long)slot * _stride;

    public byte* Payload(int slot) => Name(slot) + NameRoom;

    /// <summary>
    /// Writes <paramref name="to"/> as the slot's destination sockaddr, for a socket of the
    /// family of <paramref name="ipv6Socket"/> (an IPv4 peer of a dual-stack socket as a mapped
    /// address); returns its length.
    /// </summary>
    public uint WriteName(int slot, in UdpEndpoint to, bool ipv6Socket)
    {
        var s = new Span<byte>(Name(slot), NameRoom);
        s.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], to.Port);
        if (!ipv6Socket)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, AF_INET);
            BinaryPrimitives.WriteUInt32BigEndian(s[4..], (uint)to.Address);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(s, AF_INET6);
        UInt128 a = to.IsIpv6 ? to.Address : (UInt128)(uint)to.Address | ((UInt128)0xFFFF << 32);
        BinaryPrimitives.WriteUInt128BigEndian(s[8..], a);
        return 28;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_memory);
        NativeMemory.Free(_free);
    }
}
