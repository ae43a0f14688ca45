namespace Synthex.Dpdk.Apps;

/// <summary>
/// Quiescent-state-based reclamation (QSBR, as DPDK's <c>rte_rcu_qsbr</c>) for managed readers:
/// each reader publishes the version it is reading while it reads, and 0 ("offline") otherwise —
/// in particular before it sleeps, or a writer would wait for a reader that is not reading. A
/// writer that has swapped in version V frees what came before V once every reader is offline or
/// has published V or later. No lock: a reader's publish is one interlocked store per batch.
/// </summary>
/// <remarks>
/// Why it is safe: a reader publishes (a full fence) <em>before</em> it reads the current
/// generation, and the writer swaps (a full fence) <em>before</em> it reads the readers' slots.
/// So either the writer sees the reader's publish (an older version: it waits), or the reader's
/// read of the generation comes after the swap (it reads the new one).
/// </remarks>
public sealed class QuiescentReaders(int capacity)
{
    // One slot per reader, 64 bytes apart so readers do not share a cache line.
    private const int Stride = 16;
    private readonly long[] _slots = new long[capacity * Stride];
    private int _readers;

    public int Readers => Volatile.Read(ref _readers);

    /// <summary>A reader's slot index; the reader starts offline.</summary>
    public int Register()
    {
        int r = Interlocked.Increment(ref _readers) - 1;
        if (r >= capacity) throw new InvalidOperationException($"at most {capacity} readers");
        return r;
    }

    /// <summary>
    /// The reader is about to read: publishes <paramref name="version"/> (what it saw as current,
    /// or less) with a full fence. It must read the generation it uses <em>after</em> this call.
    /// </summary>
    public void Online(int reader, uint version) => Interlocked.Exchange(ref _slots[reader * Stride], version);

    /// <summary>The reader holds no reference it will read again (between batches, before sleeping).</summary>
    public void Offline(int reader) => Volatile.Write(ref _slots[reader * Stride], 0);

    /// <summary>Whether every reader is offline or reading <paramref name="version"/> or later.</summary>
    public bool AllPassed(uint version)
    {
        int n = Readers;
        for (int r = 0; r < n; r++)
        {
            long v = Volatile.Read(ref _slots[r * Stride]);
            if (v != 0 && v < version) return false;
        }
        return true;
    }

    /// <summary>
    /// Waits (yielding, then sleeping 1 ms at a time) until <see cref="AllPassed"/>; returns false
    /// when <paramref name="timeout"/> passed first (a reader stuck in one batch that long).
    /// </summary>
    public bool WaitFor(uint version, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        for (int spins = 0; !AllPassed(version); spins++)
        {
            if (Environment.TickCount64 > deadline) return false;
            if (spins < 100) Thread.Yield(); else Thread.Sleep(1);
        }
        return true;
    }
}
