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

    /// <summary>
    /// The job's MAC key (16..64 bytes; e.g. from a key file, <c>JobKeys.Load(path).TryGet(job, ...)</c>):
    /// every request is signed and every answer must carry a MAC that verifies under it, else it
    /// is dropped and counted (<c>Forged</c>). Null: unauthenticated (a job without a key).
    /// </summary>
    public byte[]? Key { get; init; }
}
