namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// One (job, session)'s admission state: its low-water mark and which rounds of its window are
/// open or finished.
/// </summary>
/// <remarks>
/// <para>The window is [<see cref="Mark"/>, <see cref="Mark"/> + W), W = <c>--max-rounds-per-job</c>.
/// A round below the mark is finished or was passed over: it is answered from the completed
/// cache or STALE, never opened again (no phantom rounds). A round in the window opens a slot
/// (the job holds W slots of its own, so it never waits for another job's). A round above the
/// window slides it up only when no open round would fall below the new mark; otherwise it is
/// answered BUSY, and the open round holding the window completes or times out, so the window
/// always moves: rounds are admitted in id order, and two experts racing through windows cannot
/// wedge the table.</para>
/// <para>This is SwitchML's self-clocking in round ids rather than slot indices: a client that
/// sends round r only once it has the answers of every round up to r − W (a sliding window of W
/// ids, as TCP's) is never refused BUSY and never has a round passed over. A new entry's window
/// ends at the first round it sees, so the session's earlier rounds still in flight are admitted.</para>
/// </remarks>
internal sealed class JobEntry
{
    public JobEntry(int window) => SlotByPosition = new int[window];

    public bool InUse;
    public uint Job;
    public ulong Session;
    public ulong Mark;
    /// <summary>Bit i: round Mark + i has finished (its slot may since have been evicted).</summary>
    public ulong FinishedBits;
    /// <summary>Rounds open now.</summary>
    public int Open;
    /// <summary>Slot of round r at position r mod W (valid when that slot holds round r of this entry).</summary>
    public readonly int[] SlotByPosition;
    /// <summary>The collector's clock at the entry's latest contribution (the idle entry reclaimed first is the oldest).</summary>
    public long LastActive;

    public void Start(uint job, ulong session, ulong round, long now)
    {
        InUse = true;
        Job = job;
        Session = session;
        // The window ends at the first round seen, not starts there: the session's earlier
        // rounds may still be in flight (their first datagrams lost or overtaken).
        Mark = round >= (ulong)(SlotByPosition.Length - 1) ? round - (ulong)(SlotByPosition.Length - 1) : 0;
        FinishedBits = 0;
        Open = 0;
        Array.Fill(SlotByPosition, -1);
        LastActive = now;
    }

    /// <summary>Moves the mark past the finished rounds at the bottom of the window.</summary>
    public void AdvanceOverFinished()
    {
        while ((FinishedBits & 1) != 0)
        {
            FinishedBits >>= 1;
            Mark++;
        }
    }
}
