using System.Buffers.Binary;

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

    // The longest request seen per answer key. Cleared when large (a fuzz run sends millions);
    // answers whose request was forgotten then are not checked (counted in Unmatched).
    private static readonly Dictionary<(int Source, byte Op, uint Job, ulong Round, ulong Session, byte Expert, uint Offset), int> Requests = [];
    private const int MaxRemembered = 100_000;
    private static bool s_forgotten;

    /// <summary>Answers whose request was forgotten (only after <see cref="MaxRemembered"/> requests).</summary>
    public static long Unmatched { get; private set; }

    public static void Run(byte[] data)
    {
        if (data.Length == 0) return;
        int source = data[0] & 3;
        bool ipv6 = (data[0] & 4) != 0;
        var payload = data.AsSpan(1);
        if (!Rig.Fits(payload.Length, ipv6)) return; // larger than a packet buffer: a PMD never delivers it

        if (payload.Length >= 48)
        {
            if (Requests.Count >= MaxRemembered) { Requests.Clear(); s_forgotten = true; }
            var key = Key(source, (byte)(payload[3] & 0x7f), payload);
            Requests[key] = Math.Max(payload.Length, Requests.GetValueOrDefault(key));
        }

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
        foreach (var (to, answer) in sent) CheckAmplification(to, answer);
        long open = Rig.OpenRounds, bound = (long)Rig.Settings.MaxJobs * Rig.Settings.MaxRoundsPerJob;
        if (open > bound || open < 0)
            throw new BrokenRuleException($"{open} consensus rounds open, bound {bound}");
    }

    private static void CheckAmplification(int to, byte[] answer)
    {
        if (answer.Length < 64)
            throw new BrokenRuleException($"an answer of {answer.Length} bytes, shorter than the header");
        if ((answer[3] & 0x80) == 0)
            throw new BrokenRuleException($"the service sent a request (operation 0x{answer[3]:x2})");
        if (!Requests.TryGetValue(Key(to, (byte)(answer[3] & 0x7f), answer), out int request))
        {
            if (s_forgotten) { Unmatched++; return; }
            throw new BrokenRuleException($"an answer (operation 0x{answer[3]:x2}, {answer.Length} bytes) to source {to} matches no request it sent");
        }
        if (answer.Length > request)
            throw new BrokenRuleException($"amplification: a {answer.Length}-byte answer (operation 0x{answer[3]:x2}, status {answer[5]}) to source {to} for a {request}-byte request");
    }

    // Answers echo job (12), round (16), session (24), expert (32) and offset (40) of the request.
    // A RESULT goes to the address of the expert's latest contribution to the round, which may
    // not be the one that sent that chunk (docs/PROTOCOL.md, Transport): still one RESULT per
    // send, the size of that send, so contributions are matched whatever their source.
    private static (int, byte, uint, ulong, ulong, byte, uint) Key(int source, byte op, ReadOnlySpan<byte> m)
        => (op == 1 ? -1 : source, op, BinaryPrimitives.ReadUInt32LittleEndian(m[12..]), BinaryPrimitives.ReadUInt64LittleEndian(m[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(m[24..]), m[32], BinaryPrimitives.ReadUInt32LittleEndian(m[40..]));
}
