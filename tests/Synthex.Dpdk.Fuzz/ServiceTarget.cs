namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// Any bytes as a datagram to the real services (<c>consensus,similarity</c>, see
/// <see cref="ServiceRig"/>) behind the real endpoint and worker on the in-memory port. Byte 0
/// picks the sender (bits 0..1: one of four sources; bit 2: IPv6), the rest is the UDP payload.
/// State carries over from input to input (rounds stay open, time-outs fire, the compute thread
/// answers later), as it does in a service. After every input:
/// <list type="bullet">
/// <item>the datagram is counted received once and <c>rx = replied + absorbed + dropped</c> holds;</item>
/// <item>no packet buffer is kept;</item>
/// <item>no answer is larger than the request it answers (nobody here is authenticated):
/// each answer is matched to its request by (destination, operation, job, round, session, expert,
/// offset) — the fields every answer echoes — and must not be longer than it;</item>
/// <item>consensus keeps at most max-jobs × max-rounds-per-job rounds open.</item>
/// </list>
/// </summary>
public static class ServiceTarget
{
    private static readonly ServiceRig Rig = new();

    private static readonly AmplificationLedger Ledger = new();

    public static void Run(byte[] data)
    {
        if (data.Length == 0) return;
        int source = data[0] & 3;
        bool ipv6 = (data[0] & 4) != 0;
        var payload = data.AsSpan(1);
        if (!Rig.Fits(payload.Length, ipv6)) return; // larger than a packet buffer: a PMD never delivers it

        Ledger.Request(source, payload);

        long rxBefore = Rig.Counters.RxPackets;
        var sent = Rig.Send(source, ipv6, payload);
        sent.AddRange(Rig.PollSent()); // what the compute thread finished meanwhile

        var snapshot = Rig.Snapshot();
        if (Rig.Counters.RxPackets != rxBefore + 1)
            throw new BrokenRuleException($"one datagram in, {Rig.Counters.RxPackets - rxBefore} counted received");
        if (!snapshot.Accounted)
            throw new BrokenRuleException($"accounting: rx {snapshot.RxPackets} != replied {snapshot.Replied} + absorbed {snapshot.Absorbed} + dropped {snapshot.Dropped}");
        if (Rig.Network.InUse != 0)
            throw new BrokenRuleException($"{Rig.Network.InUse} packet buffers kept after the burst");
        foreach (var (to, answer) in sent) Ledger.Answer(to, answer);
        long open = Rig.OpenRounds, bound = (long)Rig.Settings.MaxJobs * Rig.Settings.MaxRoundsPerJob;
        if (open > bound || open < 0)
            throw new BrokenRuleException($"{open} consensus rounds open, bound {bound}");
    }
}
