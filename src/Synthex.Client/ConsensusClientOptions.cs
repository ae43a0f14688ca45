using Synthex.Protocol;

namespace Synthex.Client;

/// <summary>How a <see cref="ConsensusClient"/> speaks for one expert of one job (docs/PROTOCOL.md, "Client rules").</summary>
public sealed record ConsensusClientOptions
{
    /// <summary>The job (tenant).</summary>
    public uint Job { get; init; }

    /// <summary>
    /// The run's session nonce, shared by its experts; a new one per run, higher than the last
    /// (default: <see cref="Sessions.New()"/>, clock and random bits). A keyed job's service refuses
    /// contributions of a session lower than the ones it has seen for the expert (docs/PROTOCOL.md,
    /// "Authentication trailer"), so draw it with <see cref="Sessions.New()"/> when you give one.
    /// </summary>
    public ulong Session { get; init; } = Sessions.New();

    /// <summary>This expert's id, 0..63.</summary>
    public byte Expert { get; init; }

    /// <summary>Elements per chunk: 256 fits a 1,500-byte frame over IPv4 or IPv6 with the trailer; 2,048 a 9,000-byte one.</summary>
    public ushort Chunk { get; init; } = 256;

    /// <summary>The round timeout to ask for in ms (0: the server's).</summary>
    public ushort RoundTimeoutMs { get; init; }

    /// <summary>First retransmission after this long without an answer; doubled each time up to <see cref="MaxRetransmitDelay"/>, with ±25 % jitter.</summary>
    public TimeSpan RetransmitDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between retransmissions.</summary>
    public TimeSpan MaxRetransmitDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sends of one message at most (the protocol allows 256).</summary>
    public int MaxSends { get; init; } = 256;

    /// <summary>
    /// The job's MAC key (16..64 bytes; e.g. from a key file, <c>JobKeys.Load(path).TryGet(job, ...)</c>):
    /// every request is signed and every answer must carry a MAC that verifies under it, else it
    /// is dropped and counted (<c>Forged</c>). Null: unauthenticated (a job without a key).
    /// </summary>
    public byte[]? Key { get; init; }
}
