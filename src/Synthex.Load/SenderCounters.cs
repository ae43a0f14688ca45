using System.Runtime.InteropServices;

namespace Synthex.Load;

/// <summary>
/// One sender thread's counters: written by that thread only, read by the monitor (64-bit reads
/// are atomic on the platforms .NET runs on). Padded on both sides so two threads' counters never
/// share a cache line. Measured counters cover requests meant to be sent after the warm-up;
/// warm-up requests are counted apart and appear in no figure.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct SenderCounters
{
    /// <summary>Requests that left the socket.</summary>
    [FieldOffset(64)] public long Sent;
    /// <summary>Answers matched to a request in flight (ok, mismatched or an error status).</summary>
    [FieldOffset(72)] public long Answered;
    [FieldOffset(80)] public long Mismatches;
    [FieldOffset(88)] public long ErrorStatuses;
    /// <summary>Requests given up on after --timeout without an answer.</summary>
    [FieldOffset(96)] public long Timeouts;
    /// <summary>Failed system calls (e.g. ECONNREFUSED: the ICMP port unreachable of an earlier send).</summary>
    [FieldOffset(104)] public long TransportErrors;
    /// <summary>Datagrams that answer nothing in flight: late (after their timeout), duplicated,
    /// malformed or truncated. Not in the error rate (a late answer's timeout already is).</summary>
    [FieldOffset(112)] public long Unexpected;
    [FieldOffset(120)] public long WarmupSent;
    [FieldOffset(128)] public long WarmupAnswered;
    /// <summary>Requests built but never sent because the run ended first (not counted as sent).</summary>
    [FieldOffset(136)] public long Unsent;
    [FieldOffset(144)] public long WarmupTimeouts;
    /// <summary>The last failed call's errno, for the report.</summary>
    [FieldOffset(152)] public int LastErrno;
    /// <summary>Requests sent again after --timeout without an answer (--retries), measured ones.</summary>
    [FieldOffset(160)] public long Retransmissions;
    /// <summary>Datagrams dropped on purpose before the socket (--loss), measured ones.</summary>
    [FieldOffset(168)] public long ClientDropped;
    /// <summary>The scenario's units (consensus rounds) completed with every request ok.</summary>
    [FieldOffset(176)] public long Units;
}
