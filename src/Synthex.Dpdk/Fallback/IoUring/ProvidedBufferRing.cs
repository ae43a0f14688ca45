using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>
/// A provided-buffer ring (<c>IORING_REGISTER_PBUF_RING</c>, Linux 5.19+) and the buffers it
/// hands to the kernel: <see cref="Count"/> buffers of <see cref="BufferSize"/> bytes in one
/// anonymous mapping. A multishot receive takes a buffer per datagram; the worker processes the
/// datagram in it, sends the reply from it, and gives it back with <see cref="Recycle"/> once
/// the send has completed — the payload is never copied in user space.
/// </summary>
/// <remarks>
/// The ring is a single-producer queue: this worker writes entries at its tail and publishes the
/// tail (a 16-bit field inside entry 0, as <c>struct io_uring_buf_ring</c> overlays it) with a
/// release store; the kernel consumes from the head. Recycled buffers are published in one store
/// per completion batch (<see cref="Publish"/>), not one per buffer.
/// </remarks>
internal sealed unsafe class ProvidedBufferRing : IDisposable
{
    private readonly IoUringRing _ring;
    private readonly IoUringBuf* _entries;
    private readonly nuint _entriesSize;
    private readonly byte* _buffers;
    private readonly nuint _buffersSize;
    private readonly ushort _mask;
    private ushort _localTail;
    private bool _disposed;

    public ProvidedBufferRing(IoUringRing ring, ushort groupId, int count, int bufferSize)
    {
        if (count <= 0 || count > 32768 || !int.IsPow2(count))
            throw new ArgumentOutOfRangeException(nameof(count), count, "a power of two, 1..32768");
        _ring = ring;
        GroupId = groupId;
        Count = count;
        BufferSize = bufferSize;
        _mask = (ushort)(count - 1);

        _entriesSize = (nuint)(count * sizeof(IoUringBuf));
        _buffersSize = (nuint)count * (nuint)bufferSize;
        // Both mappings are page aligned, as the kernel requires of the ring; MAP_POPULATE takes
        // the page faults now rather than on the first packets.
        _entries = (IoUringBuf*)MapAnonymous(_entriesSize);
        try
        {
            _buffers = (byte*)MapAnonymous(_buffersSize);
        }
        catch
        {
            // The constructor throws, so no Dispose will come: give the first mapping back here.
            Unmap();
            throw;
        }

        IoUringBufReg reg = default;
        reg.RingAddr = (ulong)_entries;
        reg.RingEntries = (uint)count;
        reg.Bgid = groupId;
        int r = ring.Register(IORING_REGISTER_PBUF_RING, &reg, 1);
        if (r < 0)
        {
            Unmap();
            throw new IoUringException($"io_uring_register(PBUF_RING) failed: {Libc.StrError(-r)}");
        }
        for (int i = 0; i < count; i++) Recycle((ushort)i);
        Publish();
    }

    public ushort GroupId { get; }
    public int Count { get; }
    public int BufferSize { get; }

    /// <summary>The start of buffer <paramref name="bid"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Buffer(ushort bid) => _buffers + (nuint)bid * (nuint)BufferSize;

    /// <summary>Queues buffer <paramref name="bid"/> for the kernel; visible after <see cref="Publish"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Recycle(ushort bid)
    {
        IoUringBuf* e = _entries + (_localTail & _mask);
        e->Addr = (ulong)Buffer(bid);
        e->Len = (uint)BufferSize;
        e->Bid = bid;
        _localTail++;
    }

    /// <summary>Makes every recycled buffer visible to the kernel (one release store).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish() => Volatile.Write(ref _entries->Resv, _localTail);

    private static nint MapAnonymous(nuint size)
    {
        nint p = Libc.Mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_POPULATE, -1, 0);
        if (p == Libc.MAP_FAILED)
            throw new IoUringException($"mmap of {size} bytes for provided buffers failed: {Libc.StrError(Libc.LastErrno)}");
        return p;
    }

    private void Unmap()
    {
        if (_entries != null) Libc.Munmap((nint)_entries, _entriesSize);
        if (_buffers != null) Libc.Munmap((nint)_buffers, _buffersSize);
    }

    /// <summary>
    /// Unmaps the buffers. Only after the ring is closed (or the group unregistered): the
    /// kernel may hold buffers until then.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unmap();
    }
}
