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
    /// <summary>Verified, but a replay: its round id below its session's window, or its session retired (a CONTRIBUTE): dropped (<c>replayed</c>).</summary>
    Replayed,
    /// <summary>A verified CONTRIBUTE that does not carry the service's epoch (0, or an earlier instance's): answered STALE, signed, nothing opened.</summary>
    StaleEpoch,
    /// <summary>Verified and inside the window: served; its answers are signed with the job's key.</summary>
    Verified,
}

/// <summary>
/// A service's authentication (docs/PROTOCOL.md, "Authentication trailer"): the job keys of
/// <c>--keys</c>, the MAC check, the epoch rule and the replay rules per (job, expert). Shared by
/// every worker of a run: the keys are immutable and the replay state is updated without a lock
/// (see the remarks), so no worker ever waits for another.
/// </summary>
/// <remarks>
/// <para><b>Epoch.</b> A keyed CONTRIBUTE must carry the service's epoch (<see cref="Check"/>'s
/// <c>epoch</c>): epoch 0 or another one is <see cref="AuthOutcome.StaleEpoch"/> — answered
/// STALE with the service's epoch, signed, opening nothing and touching no replay state. Every
/// message recorded from an earlier server instance carries 0 or that instance's epoch, so none
/// is accepted by this one. Clients already adopt an answer's epoch and resend (PROTOCOL.md,
/// "Client rules"): the cost is one round trip at the start of a client's life per instance.
/// QUERY and PROJECT keep no state across requests and are answered whatever their epoch.</para>
/// <para><b>Sessions move forward.</b> Per keyed job and expert (0..63; QUERY and PROJECT carry
/// expert 0) the service keeps the <see cref="SessionsPerExpert"/> highest sessions it verified,
/// each with the highest round id verified in it. A verified message of one of them whose round is
/// <see cref="Window"/> or more below that session's highest is a replay; inside the window a
/// duplicate is a retransmission, left to the service (consensus never aggregates it twice). A
/// CONTRIBUTE of a session not among them is a replay when all are in use and it is lower than
/// every one of them — a session that was current before and has been retired by newer ones, or
/// one older than all the live ones; otherwise it takes the place of the lowest. So clients of a
/// keyed job draw sessions that increase (clock high bits, random low bits:
/// <c>Synthex.Protocol.Sessions.New</c>), and up to <see cref="SessionsPerExpert"/> runs of one
/// job may use the same expert ids at once. QUERY and PROJECT are stateless (a replayed query is
/// only answered again) and are sent by any number of independent clients of a job, so a query
/// session not among the kept ones is never refused: it takes the lowest one's place.</para>
/// <para><b>No lock.</b> A worker updating a (job, expert)'s sessions holds a per-(job, expert)
/// flag taken with one CAS; a worker that finds it taken does not wait: it decides on what it
/// reads and updates nothing (a new session is then recorded by its next message). An expert's
/// datagrams come from one socket, so RSS and SO_REUSEPORT put them on one worker: the flag is
/// only ever contended by datagrams of one expert from several sources (a replay, a client that
/// moved), where at worst one message passes that a single worker would have dropped, never the
/// other way round.</para>
/// </remarks>
public sealed class ServiceAuth
{
    /// <summary>The window of round ids a service keeps per (job, expert, session) by default: ids this many below the highest are replays.</summary>
    public const int DefaultWindow = 1024;

    /// <summary>Sessions kept per (job, expert): the highest ones verified (8 × 16 bytes per expert, 8 KiB per key).</summary>
    public const int SessionsPerExpert = 8;

    private const int Experts = 64;

    private readonly ulong[] _sessions;  // per (key index, expert): SessionsPerExpert sessions
    private readonly ulong[] _high;      // beside each session: the highest round verified in it
    private readonly int[] _used;        // per (key index, expert): sessions in use, 0..SessionsPerExpert
    private readonly int[] _busy;        // per (key index, expert): 1 while a worker updates its sessions

    /// <param name="window">Round ids kept per (job, expert, session), ≥ 1.</param>
    /// <param name="requireAll">Every job must have a key (<c>--require-auth</c>): a message of a job <paramref name="keys"/> does not list is <see cref="AuthOutcome.UnknownJob"/>.</param>
    public ServiceAuth(JobKeys keys, int window = DefaultWindow, bool requireAll = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        Keys = keys;
        RequireAll = requireAll;
        Window = window;
        _sessions = new ulong[keys.Count * Experts * SessionsPerExpert];
        _high = new ulong[keys.Count * Experts * SessionsPerExpert];
        _used = new int[keys.Count * Experts];
        _busy = new int[keys.Count * Experts];
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
    /// (for <see cref="Sign"/>) when <see cref="AuthOutcome.Verified"/> or
    /// <see cref="AuthOutcome.StaleEpoch"/>, else −1.
    /// </summary>
    /// <param name="macs">The calling worker's <see cref="CreateContexts"/> (the key schedules done once); null: the one-shot.</param>
    /// <param name="epoch">The service's epoch, which a keyed CONTRIBUTE must carry; 0: not checked (tests of the MAC alone).</param>
    public AuthOutcome Check(ReadOnlySpan<byte> datagram, in Header h, out int keyIndex, MacContext[]? macs = null, uint epoch = 0)
    {
        keyIndex = -1;
        int k = Keys.IndexOf(h.Job);
        if (k < 0) return RequireAll ? AuthOutcome.UnknownJob : h.HasMac ? AuthOutcome.NoKey : AuthOutcome.Open;
        if (!h.HasMac) return AuthOutcome.Missing;
        if (!(macs is null ? MessageAuth.Verify(Keys.Key(k), datagram) : macs[k].Verify(datagram))) return AuthOutcome.Failed;
        bool contribute = h.Operation == Operation.Contribute;
        if (contribute && epoch != 0 && h.Epoch != epoch)
        {
            keyIndex = k;   // authentic: its STALE is signed
            return AuthOutcome.StaleEpoch;
        }
        if (IsReplay(k * Experts + (h.Expert & (Experts - 1)), h.Session, h.Round, ordered: contribute)) return AuthOutcome.Replayed;
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

    /// <summary>
    /// The replay rules (remarks) for a verified message of (job, expert) <paramref name="i"/>:
    /// true when it is a replay. <paramref name="ordered"/>: sessions only move forward (CONTRIBUTE).
    /// </summary>
    private bool IsReplay(int i, ulong session, ulong round, bool ordered)
    {
        int first = i * SessionsPerExpert;
        bool owned = Interlocked.CompareExchange(ref _busy[i], 1, 0) == 0;
        try
        {
            int used = Volatile.Read(ref _used[i]);
            int lowest = -1;
            for (int j = first; j < first + used; j++)
            {
                ulong s = Volatile.Read(ref _sessions[j]);
                if (s == session)
                {
                    ulong high = Volatile.Read(ref _high[j]);
                    if (round > high)
                    {
                        if (owned) Volatile.Write(ref _high[j], round);
                        return false;
                    }
                    return high - round >= (ulong)Window;
                }
                if (lowest < 0 || s < _sessions[lowest]) lowest = j;
            }
            // A session not kept: older than every kept one (all in use) is a replay of a retired
            // or never-current session — for a CONTRIBUTE; a query's takes the lowest's place.
            if (used == SessionsPerExpert && ordered && session < Volatile.Read(ref _sessions[lowest])) return true;
            if (!owned) return false;   // another worker is updating: admitted, recorded by its next message
            int slot = used < SessionsPerExpert ? first + used : lowest;
            Volatile.Write(ref _sessions[slot], session);
            Volatile.Write(ref _high[slot], round);
            if (used < SessionsPerExpert) Volatile.Write(ref _used[i], used + 1);
            return false;
        }
        finally
        {
            if (owned) Volatile.Write(ref _busy[i], 0);
        }
    }
}
