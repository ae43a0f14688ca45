using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Fallback.Interop;
using Synthex.Dpdk.Fallback.IoUring.Interop;
using static Synthex.Dpdk.Fallback.IoUring.Interop.IoUringConst;

namespace Synthex.Dpdk.Fallback.IoUring;

/// <summary>
/// One io_uring instance: the ring fd and its mmap'd submission and completion queues, driven
/// from C# the way liburing's inline fast path drives them from C (liburing's
/// <c>io_uring_get_sqe</c>/<c>io_uring_cq_advance</c> are <c>static inline</c>, so there is
/// nothing to P/Invoke). One thread owns a ring: it alone writes the SQ tail and the CQ head.
/// </summary>
/// <remarks>
/// Memory ordering follows liburing: the kernel's SQ head and CQ tail are read with acquire
/// semantics (<see cref="Volatile.Read(ref readonly uint)"/>), our SQ tail and CQ head are
/// published with release semantics, so the kernel never sees an SQE before its contents nor
/// reuses a CQE slot we are still reading. On x86-64 both are plain moves.
/// </remarks>
internal sealed unsafe class IoUringRing : IDisposable
{
    private readonly int _fd;
    private readonly uint _features;
    private readonly uint _setupFlags;

    // submission queue
    private readonly uint* _sqHead;
    private readonly uint* _sqTail;
    private readonly uint* _sqFlags;
    private readonly uint _sqMask;
    private readonly uint _sqEntries;
    private readonly IoUringSqe* _sqes;
    private uint _sqLocalTail;      // SQEs handed out; published to *_sqTail by Submit
    private uint _sqSubmittedTail;  // what the last Submit published

    // completion queue
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly uint _cqEntries;
    private readonly IoUringCqe* _cqes;

    // mappings
    private readonly nint _ringMap;
    private readonly nuint _ringMapSize;
    private readonly nint _cqMap;       // separate CQ mapping on kernels without SINGLE_MMAP
    private readonly nuint _cqMapSize;
    private readonly nint _sqeMap;
    private readonly nuint _sqeMapSize;

    // Argument of the waiting io_uring_enter (EXT_ARG): a timeout, so a worker blocked in the
    // kernel wakes up to see a stop request. Native, so the pointer is stable and GC-free.
    private readonly IoUringGeteventsArg* _waitArg;
    private bool _disposed;

    private IoUringRing(int fd, in IoUringParams p, uint setupFlags)
    {
        _fd = fd;
        _features = p.Features;
        _setupFlags = setupFlags;
        try
        {
            nuint sqSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
            nuint cqSize = p.CqOff.Cqes + p.CqEntries * (uint)sizeof(IoUringCqe);
            bool single = (p.Features & IORING_FEAT_SINGLE_MMAP) != 0;
            _ringMapSize = single ? Math.Max(sqSize, cqSize) : sqSize;
            _ringMap = Map(fd, _ringMapSize, IORING_OFF_SQ_RING, "SQ ring");
            if (single)
            {
                _cqMap = _ringMap;
            }
            else
            {
                _cqMapSize = cqSize;
                _cqMap = Map(fd, cqSize, IORING_OFF_CQ_RING, "CQ ring");
            }
            _sqeMapSize = p.SqEntries * (uint)sizeof(IoUringSqe);
            _sqeMap = Map(fd, _sqeMapSize, IORING_OFF_SQES, "SQE array");

            byte* sq = (byte*)_ringMap;
            _sqHead = (uint*)(sq + p.SqOff.Head);
            _sqTail = (uint*)(sq + p.SqOff.Tail);
            _sqFlags = (uint*)(sq + p.SqOff.Flags);
            _sqMask = *(uint*)(sq + p.SqOff.RingMask);
            _sqEntries = *(uint*)(sq + p.SqOff.RingEntries);
            _sqes = (IoUringSqe*)_sqeMap;
            // The SQ array indirection is an identity map, written once: SQE i sits in slot i.
            uint* array = (uint*)(sq + p.SqOff.Array);
            for (uint i = 0; i < _sqEntries; i++) array[i] = i;
            _sqLocalTail = _sqSubmittedTail = *_sqTail;

            byte* cq = (byte*)_cqMap;
            _cqHead = (uint*)(cq + p.CqOff.Head);
            _cqTail = (uint*)(cq + p.CqOff.Tail);
            _cqMask = *(uint*)(cq + p.CqOff.RingMask);
            _cqEntries = *(uint*)(cq + p.CqOff.RingEntries);
            _cqes = (IoUringCqe*)(cq + p.CqOff.Cqes);

            _waitArg = (IoUringGeteventsArg*)NativeMemory.AllocZeroed((nuint)(sizeof(IoUringGeteventsArg) + sizeof(KernelTimespec)));
        }
        catch
        {
            GC.SuppressFinalize(this);
            Unmap();
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Creates a ring with <paramref name="setupFlags"/>. Returns null and the negative errno
    /// when the kernel refuses them (EINVAL for flags it does not know, EPERM/ENOSYS when io_uring
    /// is disabled), so the caller can try the next set.
    /// </summary>
    public static IoUringRing? TryCreate(uint sqEntries, uint cqEntries, uint setupFlags, out int error)
    {
        IoUringParams p = default;
        p.Flags = setupFlags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP;
        p.CqEntries = cqEntries;
        int fd = IoUringSyscalls.Setup(sqEntries, &p);
        if (fd < 0)
        {
            error = fd;
            return null;
        }
        error = 0;
        return new IoUringRing(fd, p, setupFlags);
    }

    public int Fd => _fd;
    public uint Features => _features;
    public uint SetupFlags => _setupFlags;
    public uint SqEntries => _sqEntries;
    public uint CqEntries => _cqEntries;

    /// <summary>Free SQ slots: entries minus those handed out and not yet consumed by the kernel.</summary>
    public uint SqSpace
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _sqEntries - (_sqLocalTail - Volatile.Read(ref *_sqHead));
    }

    /// <summary>SQEs handed out since the last <see cref="SubmitAndWait"/>.</summary>
    public uint Unsubmitted => _sqLocalTail - _sqSubmittedTail;

    /// <summary>
    /// The next free SQE, zeroed, or null when the SQ is full (the caller submits and retries).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public IoUringSqe* NextSqe()
    {
        if (_sqLocalTail - Volatile.Read(ref *_sqHead) >= _sqEntries) return null;
        IoUringSqe* sqe = _sqes + (_sqLocalTail & _sqMask);
        _sqLocalTail++;
        *sqe = default;
        return sqe;
    }

    /// <summary>
    /// Publishes the new SQEs and enters the kernel once: submits them, runs deferred task work,
    /// and waits for at least <paramref name="minComplete"/> completions or
    /// <paramref name="timeoutNs"/>. Returns SQEs consumed or <c>-errno</c>
    /// (<c>-ETIME</c> when the wait timed out, <c>-EINTR</c> on a signal).
    /// </summary>
    public int SubmitAndWait(uint minComplete, long timeoutNs)
    {
        // Everything the kernel has not consumed yet, including SQEs left over by an earlier
        // enter that failed (EBUSY with a CQ backlog) before consuming them all.
        uint toSubmit = _sqLocalTail - Volatile.Read(ref *_sqHead);
        Volatile.Write(ref *_sqTail, _sqLocalTail);
        _sqSubmittedTail = _sqLocalTail;
        uint flags = IORING_ENTER_GETEVENTS;
        void* arg = null;
        nuint argSize = 0;
        if (minComplete > 0)
        {
            var ts = (KernelTimespec*)(_waitArg + 1);
            ts->Sec = timeoutNs / 1_000_000_000;
            ts->Nsec = timeoutNs % 1_000_000_000;
            _waitArg->Ts = (ulong)ts;
            flags |= IORING_ENTER_EXT_ARG;
            arg = _waitArg;
            argSize = (nuint)sizeof(IoUringGeteventsArg);
        }
        return IoUringSyscalls.Enter(_fd, toSubmit, minComplete, flags, arg, argSize);
    }

    /// <summary>Completions ready to read, from <see cref="CqHead"/> on.</summary>
    public uint CqReady
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref *_cqTail) - *_cqHead;
    }

    /// <summary>Our CQ head (only this thread writes it).</summary>
    public uint CqHead => *_cqHead;

    /// <summary>The completion at position <paramref name="index"/> (a running CQ index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref IoUringCqe Cqe(uint index) => ref _cqes[index & _cqMask];

    /// <summary>Hands <paramref name="count"/> completions back to the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CqAdvance(uint count) => Volatile.Write(ref *_cqHead, *_cqHead + count);

    /// <summary>True when the kernel holds completions that did not fit the CQ (NODROP backlog).</summary>
    public bool CqOverflowed => (Volatile.Read(ref *_sqFlags) & IORING_SQ_CQ_OVERFLOW) != 0;

    public int Register(uint opcode, void* arg, uint nrArgs) => IoUringSyscalls.Register(_fd, opcode, arg, nrArgs);

    private static nint Map(int fd, nuint size, long offset, string what)
    {
        nint p = Libc.Mmap(0, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, offset);
        if (p == Libc.MAP_FAILED)
            throw new IoUringException($"mmap of the io_uring {what} failed: {Libc.StrError(Libc.LastErrno)}");
        return p;
    }

    private void Unmap()
    {
        if (_sqeMap != 0 && _sqeMap != Libc.MAP_FAILED) Libc.Munmap(_sqeMap, _sqeMapSize);
        if (_cqMap != 0 && _cqMap != _ringMap && _cqMap != Libc.MAP_FAILED) Libc.Munmap(_cqMap, _cqMapSize);
        if (_ringMap != 0 && _ringMap != Libc.MAP_FAILED) Libc.Munmap(_ringMap, _ringMapSize);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unmap();
        NativeMemory.Free(_waitArg);
        Libc.Close(_fd);
        GC.SuppressFinalize(this);
    }

    ~IoUringRing() => Dispose();
}

/// <summary>An io_uring setup step failed; the message names the step and the errno.</summary>
public sealed class IoUringException(string message) : Exception(message);
