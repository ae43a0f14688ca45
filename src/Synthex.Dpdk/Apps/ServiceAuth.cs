using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>What <see cref="ServiceAuth.Check"/> decided about a request.</summary>
public enum AuthOutcome : byte
{
    /// <summary>The job has no key and the message no MAC: served unauthenticated.</summary>
    Open,
    /// <summary>The job has no key and every job must have one (<c>--require-auth</c>): dropped (<c>unknown_job</c>), never answered.</summary>
    UnknownJob,
    /// <summary>The message has the MAC flag but the job has no key: answered <c>UNAUTHENTICATED</c>.</summary>
    NoKey,
    /// <summary>The job has a key and the message no MAC: dropped (<c>auth_missing</c>), never answered.</summary>
    Missing,
    /// <summary>The MAC does not verify: dropped (<c>auth_failed</c>), never answered.</summary>
    Failed,
    /// <summary>Verified, but its round id is below the (job, expert)'s window: dropped (<c>replayed</c>).</summary>
    Replayed,
    /// <summary>Verified and inside the window: served; its answers are signed with the job's key.</summary>
    Verified,
}

/// <summary>
/// A service's authentication (docs/PROTOCOL.md, "Authentication trailer"): the job keys of
/// <c>--keys</c>, the MAC check, and the replay window per (job, expert). Shared by every worker
/// of a run: the keys are immutable and the windows are updated with atomics, so no lock.
/// </summary>
/// <remarks>
/// <para>Replay: per keyed job and expert (0..63; QUERY and PROJECT carry expert 0) the highest
/// round id verified so far and the session it came in. A verified message of that session whose
/// round is <see cref="Window"/> or more below the highest is a replay (dropped, counted); inside
/// the window a duplicate is a retransmission, left to the service (consensus never aggregates it
/// twice). A message of another session starts the expert's window afresh at its round (a
/// restarted client picks a new random session), so replays of an older session are not caught
/// here — only within a session (docs/PROTOCOL.md says so).</para>
/// <para>The window is a high-water mark updated with a CAS (max), its session with a plain
/// store: two workers racing on one expert at a session change may each keep the other's — at
/// worst a message passes that a single worker would have dropped, never the other way round
/// within a session.</para>
/// </remarks>
public sealed class ServiceAuth
{
    /// <summary>The window of round ids a service keeps per (job, expert) by default: ids more than this below the highest are replays.</summary>
    public const int DefaultWindow = 1024;

    private const int Experts = 64;

    private readonly ulong[] _high;      // per (key index, expert): highest round verified
    private readonly ulong[] _session;   // per (key index, expert): the session of _high
    private readonly int[] _seen;        // per (key index, expert): 0 until the first verified message

    /// <param name="window">Round ids kept per (job, expert), ≥ 1.</param>
    /// <param name="requireAll">Every job must have a key (<c>--require-auth</c>): a message of a job <paramref name="keys"/> does not list is <see cref="AuthOutcome.UnknownJob"/>.</param>
    public ServiceAuth(JobKeys keys, int window = DefaultWindow, bool requireAll = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        Keys = keys;
        RequireAll = requireAll;
        Window = window;
        _high = new ulong[keys.Count * Experts];
        _session = new ulong[keys.Count * Experts];
        _seen = new int[keys.Count * Experts];
    }

    public JobKeys Keys { get; }
    public int Window { get; }

    /// <summary>Every job must have a key (<c>--require-auth</c>).</summary>
    public bool RequireAll { get; }

    /// <summary>Whether a service has anything to check: a job with a key, or <see cref="RequireAll"/> (then even an empty key file drops everything).</summary>
    public bool Active => Keys.Count > 0 || RequireAll;

    /// <summary>The authentication of a run with <c>--keys</c>; null without (no job has a key).</summary>
    /// <exception cref="ConfigurationException">The key file cannot be used (names <c>keys</c>: exit 2).</exception>
    public static ServiceAuth? Open(AppOptions options)
    {
        if (options.Keys is null)
        {
            if (options.RequireAuth) throw new ConfigurationException("require-auth", "needs --keys FILE listing every job ('JOB HEXKEY' lines, mode 600)");
            return null;
        }
        JobKeys keys;
        try { keys = JobKeys.Load(options.Keys); }
        catch (KeyFileException e) { throw new ConfigurationException("keys", e.Message); }
        if (options.RequireAuth && keys.Count == 0)
            throw new ConfigurationException("require-auth", $"'{options.Keys}' lists no job, so every message would be dropped; add 'JOB HEXKEY' lines for the jobs to serve");
        return new ServiceAuth(keys, requireAll: options.RequireAuth);
    }

    /// <summary>
    /// Decides <paramref name="datagram"/> (the whole request as received) with header
    /// <paramref name="h"/> as the codec read it; <paramref name="keyIndex"/> is the job's key
    /// (for <see cref="Sign"/>) when <see cref="AuthOutcome.Verified"/>, else −1.
    /// </summary>
    /// <param name="macs">The calling worker's <see cref="CreateContexts"/> (the key schedules done once); null: the one-shot.</param>
    public AuthOutcome Check(ReadOnlySpan<byte> datagram, in Header h, out int keyIndex, MacContext[]? macs = null)
    {
        keyIndex = -1;
        int k = Keys.IndexOf(h.Job);
        if (k < 0) return RequireAll ? AuthOutcome.UnknownJob : h.HasMac ? AuthOutcome.NoKey : AuthOutcome.Open;
        if (!h.HasMac) return AuthOutcome.Missing;
        if (!(macs is null ? MessageAuth.Verify(Keys.Key(k), datagram) : macs[k].Verify(datagram))) return AuthOutcome.Failed;
        if (IsReplay(k * Experts + (h.Expert & (Experts - 1)), h.Session, h.Round)) return AuthOutcome.Replayed;
        keyIndex = k;
        return AuthOutcome.Verified;
    }

    /// <summary>Signs an answer with key <paramref name="keyIndex"/>: its new length, 0 when the buffer has no room.</summary>
    public int Sign(Span<byte> buffer, int length, int keyIndex, MacContext[]? macs = null)
        => macs is null ? MessageAuth.Sign(buffer, length, Keys.Key(keyIndex)) : macs[keyIndex].Sign(buffer, length);

    /// <summary>Signs an answer to <paramref name="job"/> when the job has a key (its new length, 0: no room); unchanged otherwise.</summary>
    public int SignFor(Span<byte> buffer, int length, uint job, MacContext[]? macs = null)
    {
        int k = Keys.IndexOf(job);
        return k < 0 ? length : Sign(buffer, length, k, macs);
    }

    /// <summary>One <see cref="MacContext"/> per key, by key index: a worker's own (they are not thread-safe).</summary>
    public MacContext[] CreateContexts()
    {
        var macs = new MacContext[Keys.Count];
        for (int i = 0; i < macs.Length; i++) macs[i] = new MacContext(Keys.Key(i));
        return macs;
    }

    private bool IsReplay(int i, ulong session, ulong round)
    {
        if (Volatile.Read(ref _seen[i]) == 0 || Volatile.Read(ref _session[i]) != session)
        {
            // First message of this expert, or a new session: the window starts at this round.
            Volatile.Write(ref _high[i], round);
            Volatile.Write(ref _session[i], session);
            Volatile.Write(ref _seen[i], 1);
            return false;
        }
        ulong high = Volatile.Read(ref _high[i]);
        while (round > high)
        {
            ulong was = Interlocked.CompareExchange(ref _high[i], round, high);
            if (was == high) return false;
            high = was;
        }
        return high - round >= (ulong)Window;
    }
}
