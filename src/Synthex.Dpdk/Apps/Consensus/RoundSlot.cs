using Synthex.Protocol;

namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>What a chunk of a round has come to.</summary>
internal enum ChunkState : byte
{
    /// <summary>Open: zero or more experts counted (its bitmap says which).</summary>
    Open,
    /// <summary>Completed with <c>target</c> experts; the slot holds the consensus.</summary>
    Ok,
    /// <summary>Closed by the timeout with fewer experts; the slot holds their consensus.</summary>
    Partial,
    /// <summary>Closed with Σw = 0: answered BAD_REQUEST naming weight.</summary>
    ZeroWeight,
    /// <summary>Closed by the timeout with no expert at all: nobody to answer.</summary>
    Empty,
    /// <summary>Answered ABORTED at stop.</summary>
    Aborted,
}

/// <summary>The life of a slot: free, holding an open round, or holding a finished one (the completed cache).</summary>
internal enum SlotState : byte { Free, Open, Finished }

/// <summary>
/// One round's storage, allocated once at start-up and reused (as SwitchML's slots): the vector's
/// running Σw·r (the consensus once a chunk closes), per chunk Σw, the expert bitmap and the
/// chunk's state, and per expert where to send its results. The round's shape and the fields its
/// answers echo are kept as the opening contribution's header.
/// </summary>
internal sealed class RoundSlot
{
    public RoundSlot(int index, int maxLength)
    {
        Index = index;
        int chunks = Math.Min(maxLength, ConsensusLimits.MaxChunksPerRound);
        Values = new float[maxLength];
        WeightSums = new double[chunks];
        Bitmaps = new ulong[chunks];
        States = new ChunkState[chunks];
    }

    public readonly int Index;
    /// <summary>+1 each time the slot is taken, so a queued origination can tell it was reused.</summary>
    public uint Generation;
    public SlotState State;
    /// <summary>The job entry's index and the (job, session) it had when the round opened.</summary>
    public int JobIndex;
    public uint Job;
    public ulong Session;
    public ulong Round;
    /// <summary>The opening contribution's header: the round's shape (target, length, chunk, timeout) and the fields answers echo.</summary>
    public Header Shape;
    public int ChunkCount;
    public int ChunksOpen;
    public long Deadline;
    /// <summary>When the first contribution opened the round (the collector's clock): its completion time starts here.</summary>
    public long Opened;

    public readonly float[] Values;
    public readonly double[] WeightSums;
    public readonly ulong[] Bitmaps;
    public readonly ChunkState[] States;

    /// <summary>Each expert's latest source in this round (where its results go) and that contribution's retransmit count.</summary>
    public readonly DatagramPeer[] Peers = new DatagramPeer[Wire.MaxExperts];
    public readonly byte[] Retransmits = new byte[Wire.MaxExperts];

    /// <summary>Takes the slot for a new round; clears only the per-chunk state the round uses.</summary>
    public void Open(int jobIndex, in Header first, int chunkCount, long deadline)
    {
        Generation++;
        State = SlotState.Open;
        JobIndex = jobIndex;
        Job = first.Job;
        Session = first.Session;
        Round = first.Round;
        Shape = first;
        ChunkCount = chunkCount;
        ChunksOpen = chunkCount;
        Deadline = deadline;
        if (chunkCount == 1)
        {
            // A one-chunk round (the common shape): three stores instead of three clears.
            WeightSums[0] = 0;
            Bitmaps[0] = 0;
            States[0] = ChunkState.Open;
        }
        else
        {
            Array.Clear(WeightSums, 0, chunkCount);
            Array.Clear(Bitmaps, 0, chunkCount);
            Array.Clear(States, 0, chunkCount);
        }
        // Values are cleared per chunk when the chunk's first contribution arrives: a round that
        // ends PARTIAL with few chunks touched never pays for clearing the whole vector.
    }

    /// <summary>The elements of chunk <paramref name="index"/> in <see cref="Values"/>.</summary>
    public Span<float> ChunkValues(int index)
    {
        int chunk = Shape.Chunk;
        int offset = index * chunk;
        return Values.AsSpan(offset, Math.Min(chunk, (int)Shape.Length - offset));
    }

    /// <summary>The header of an answer to <paramref name="expert"/> about chunk <paramref name="index"/>.</summary>
    public Header AnswerHeader(int index, int expert) => Shape with
    {
        Expert = (byte)expert,
        Retransmit = Retransmits[expert],
        Offset = (uint)(index * Shape.Chunk),
        Weight = 0f,
        Epoch = 0,
    };
}
