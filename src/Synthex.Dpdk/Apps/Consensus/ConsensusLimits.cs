namespace Synthex.Dpdk.Apps.Consensus;

/// <summary>
/// The bounds of the consensus collector (<c>--max-jobs</c>, <c>--max-rounds-per-job</c>,
/// <c>--max-length</c>, <c>--completed-cache</c>, <c>--round-timeout</c>). Every array the
/// collector uses is sized from these at start-up; nothing grows with traffic.
/// </summary>
/// <param name="MaxJobs">(job, session) pairs tracked at once, 1..1024.</param>
/// <param name="MaxRoundsPerJob">The admission window: rounds of one job open at once, 1..64 (a 64-bit finished bitmap per job).</param>
/// <param name="MaxLength">Elements of a round's vector, 1..2^24.</param>
/// <param name="CompletedCache">Finished rounds kept beyond the open ones so retransmissions get their result again, 0..65536.</param>
/// <param name="RoundTimeoutMs">A round's chunks close PARTIAL this long after the round opened (a request may ask for less), 1..65535.</param>
public sealed record ConsensusLimits(int MaxJobs = 4, int MaxRoundsPerJob = 8, int MaxLength = 65536, int CompletedCache = 16, int RoundTimeoutMs = 1000)
{
    /// <summary>
    /// Chunks per round at most: a round of <c>length</c> elements in chunks of <c>chunk</c> has
    /// ⌈length / chunk⌉; more is refused <c>BAD_REQUEST</c> naming <c>chunk</c> (use longer chunks).
    /// Bounds the per-chunk state of a slot (17 bytes a chunk) independently of the chunk size.
    /// </summary>
    public const int MaxChunksPerRound = 4096;

    /// <summary>Slots in the pool: a whole window per job (so no job can take another's), plus the cache.</summary>
    public int Slots => MaxJobs * MaxRoundsPerJob + CompletedCache;

    /// <summary>Bytes the collector allocates at start-up, per worker (for the operator: it never grows).</summary>
    public long FootprintBytes => (long)Slots * ((long)MaxLength * sizeof(float) + Math.Min(MaxLength, MaxChunksPerRound) * 17L + 64 * 80);

    /// <summary>Throws <see cref="ConfigurationException"/> naming the key that is out of range.</summary>
    public void Validate()
    {
        Range("max-jobs", MaxJobs, 1, 1024);
        Range("max-rounds-per-job", MaxRoundsPerJob, 1, 64);
        Range("max-length", MaxLength, 1, (int)Synthex.Protocol.Wire.MaxLength);
        Range("completed-cache", CompletedCache, 0, 65536);
        Range("round-timeout", RoundTimeoutMs, 1, ushort.MaxValue);
        if (FootprintBytes > 8L << 30)
            throw new ConfigurationException("max-length", $"the collector would need {FootprintBytes >> 20} MiB ((max-jobs × max-rounds-per-job + completed-cache) slots × max-length); lower one of them");
    }

    private static void Range(string key, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new ConfigurationException(key, $"{value} is out of range; allowed {min}..{max}");
    }
}
