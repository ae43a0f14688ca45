using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Pipeline.Memory;

/// <summary>
/// Ports, queues and a packet pool in process memory, so whole pipelines run in unit tests
/// without DPDK (capsule's in-memory RX/TX). Packets live in native memory like mbufs do; a
/// handle points at a small header followed by the data:
/// <code>[int length][int chained][int offset][... pad to 64 ...][room: Capacity bytes]</code>
/// The frame is <c>length</c> bytes at <c>offset</c> into the room (0 for received frames).
/// </summary>
/// <remarks>
/// Two ways to feed it: <see cref="Enqueue"/> frames (golden tests), or a per-port template
/// that <see cref="MemoryIo.RxBurst"/> replays forever with no allocation (like net_null; the
/// zero-allocation test). Sent frames are captured when <see cref="CaptureTx"/> is on, else
/// returned to the pool at once. Not thread-safe: one worker thread per network.
/// </remarks>
public sealed unsafe class MemoryNetwork : IDisposable
{
    public const int Headroom = 64;
    public const int DefaultCapacity = 2048;

    private readonly nint[] _free;
    private int _freeCount;
    private readonly byte* _memory;
    private readonly Queue<nint>[] _rx;
    private readonly byte[]?[] _templates;

    /// <param name="capacity">Bytes of room per packet (the mbuf data room: 2048, or more for jumbo frames).</param>
    public MemoryNetwork(int ports, int poolSize = 4096, int capacity = DefaultCapacity)
    {
        Ports = ports;
        PoolSize = poolSize;
        Capacity = capacity;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)poolSize * (Headroom + capacity)), 64);
        _free = new nint[poolSize];
        for (int i = 0; i < poolSize; i++) _free[i] = (nint)(_memory + (long)i * (Headroom + capacity));
        _freeCount = poolSize;
        _rx = new Queue<nint>[ports];
        for (int p = 0; p < ports; p++) _rx[p] = new Queue<nint>();
        _templates = new byte[ports][];
        Sent = [];
    }

    public int Ports { get; }

    /// <summary>Bytes of room per packet.</summary>
    public int Capacity { get; }
    public int PoolSize { get; }

    /// <summary>Packets out of the pool (in queues, in the worker, captured-but-not-freed).</summary>
    public int InUse => PoolSize - _freeCount;

    /// <summary>Keep copies of what is sent in <see cref="Sent"/>.</summary>
    public bool CaptureTx { get; set; } = true;

    /// <summary>The most packets one <c>TxBurst</c> takes (to provoke <c>tx_full</c>); int.MaxValue: all.</summary>
    public int TxLimitPerBurst { get; set; } = int.MaxValue;

    /// <summary>What was sent, in order: (port, queue, bytes).</summary>
    public List<(int Port, int Queue, byte[] Frame)> Sent { get; }

    /// <summary>
    /// Queues a frame for RX on <paramref name="port"/>; <paramref name="chained"/> marks it
    /// multi-segment, <paramref name="rssHash"/> is the hash a NIC computed for it (none: the
    /// device gave no hash, as net_null and net_tap).
    /// </summary>
    public void Enqueue(int port, ReadOnlySpan<byte> frame, bool chained = false, uint? rssHash = null)
    {
        nint p = Take();
        if (p == 0) throw new InvalidOperationException("memory pool exhausted");
        Write(p, frame, chained);
        ((int*)p)[3] = rssHash is null ? 0 : 1;
        ((uint*)p)[4] = rssHash ?? 0;
        _rx[port].Enqueue(p);
    }

    /// <summary>Makes <paramref name="port"/> receive copies of <paramref name="frame"/> forever (null: stop).</summary>
    public void Generate(int port, byte[]? frame) => _templates[port] = frame;

    internal int RxBurst(int port, nint* packets, int max)
    {
        if ((uint)port >= (uint)Ports) return 0;
        int n = 0;
        var queue = _rx[port];
        while (n < max && queue.TryDequeue(out nint p)) packets[n++] = p;
        if (_templates[port] is { } template)
        {
            while (n < max)
            {
                nint p = Take();
                if (p == 0) break; // pool empty: like rx_nombuf
                Write(p, template, false);
                ((int*)p)[3] = 0;
                packets[n++] = p;
            }
        }
        return n;
    }

    internal int TxBurst(int port, int queue, nint* packets, int count)
    {
        int taken = Math.Min(count, TxLimitPerBurst);
        for (int i = 0; i < taken; i++)
        {
            if (CaptureTx) Sent.Add((port, queue, FrameOf(packets[i]).ToArray()));
            Return(packets[i]);
        }
        return taken;
    }

    internal void Free(nint* packets, int count)
    {
        for (int i = 0; i < count; i++) Return(packets[i]);
    }

    internal static Span<byte> FrameOf(nint packet) => new((byte*)packet + Headroom + ((int*)packet)[2], *(int*)packet);

    internal Span<byte> RoomOf(nint packet)
    {
        int offset = ((int*)packet)[2];
        return new((byte*)packet + Headroom + offset, Capacity - offset);
    }

    internal void SetFrame(nint packet, int start, int length)
    {
        int offset = ((int*)packet)[2] + start;
        if (start < 0 || length < 0 || offset + length > Capacity) throw new ArgumentOutOfRangeException(nameof(length), "frame past the packet's room");
        ((int*)packet)[2] = offset;
        *(int*)packet = length;
    }

    /// <summary>Packets for origination: all or none, as <c>rte_pktmbuf_alloc_bulk</c>; each empty, at offset 0.</summary>
    internal int Alloc(nint* packets, int count)
    {
        if (count > _freeCount) return 0;
        for (int i = 0; i < count; i++)
        {
            nint p = Take();
            *(int*)p = 0;
            ((int*)p)[1] = 0;
            ((int*)p)[2] = 0;
            ((int*)p)[3] = 0;
            packets[i] = p;
        }
        return count;
    }

    internal static bool IsChained(nint packet) => ((int*)packet)[1] != 0;

    internal static bool TryRssHash(nint packet, out uint hash)
    {
        hash = ((uint*)packet)[4];
        return ((int*)packet)[3] != 0;
    }

    private nint Take() => _freeCount == 0 ? 0 : _free[--_freeCount];

    private void Return(nint p) => _free[_freeCount++] = p;

    private void Write(nint p, ReadOnlySpan<byte> frame, bool chained)
    {
        if (frame.Length > Capacity) throw new ArgumentException("frame larger than a memory packet");
        *(int*)p = frame.Length;
        ((int*)p)[1] = chained ? 1 : 0;
        ((int*)p)[2] = 0;
        frame.CopyTo(new Span<byte>((byte*)p + Headroom, Capacity));
    }

    public void Dispose() => NativeMemory.AlignedFree(_memory);
}
