namespace Synthex.Client;

/// <summary>How a <see cref="SimilarityClient"/> asks (docs/PROTOCOL.md, "Similarity" and "Client rules").</summary>
public sealed record SimilarityClientOptions
{
    /// <summary>The job (tenant) the requests name.</summary>
    public uint Job { get; init; }

    /// <summary>The client's session nonce (default: random); request ids are counted within it.</summary>
    public ulong Session { get; init; } = (ulong)Random.Shared.NextInt64() | 1;

    /// <summary>First retransmission after this long without an answer; doubled each time up to <see cref="MaxRetransmitDelay"/>, with ±25 % jitter.
    /// A full scan of a large matrix takes tens of ms and queries wait for a batch: 200 ms avoids resending work in progress.</summary>
    public TimeSpan RetransmitDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between retransmissions.</summary>
    public TimeSpan MaxRetransmitDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Sends of one request at most (BUSY re-sends included; the protocol allows 256).</summary>
    public int MaxSends { get; init; } = 64;
}
