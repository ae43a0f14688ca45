using System.Buffers.Binary;

namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// Checks the amplification rule (docs/PROTOCOL.md, Amplification) from outside the services:
/// every request sent is recorded by the fields every answer echoes, and every answer must match
/// a recorded request of its destination and be no longer than it. Nobody is authenticated here.
/// </summary>
public sealed class AmplificationLedger(int maxRemembered = 100_000)
{
    // The longest request seen per answer key; cleared when large (a fuzz run sends millions):
    // answers whose request was forgotten then are not checked (counted in Unmatched).
    private readonly Dictionary<(int Source, byte Op, uint Job, ulong Round, ulong Session, byte Expert, uint Offset), int> _requests = [];
    private bool _forgotten;

    /// <summary>Answers whose request was forgotten (only after the ledger was cleared).</summary>
    public long Unmatched { get; private set; }

    /// <summary>Answers checked.</summary>
    public long Checked { get; private set; }

    /// <summary>Records a request datagram from <paramref name="source"/> (shorter than 48 bytes: never answered, nothing to record).</summary>
    public void Request(int source, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 48) return;
        if (_requests.Count >= maxRemembered) { _requests.Clear(); _forgotten = true; }
        var key = Key(source, (byte)(payload[3] & 0x7f), payload);
        _requests[key] = Math.Max(payload.Length, _requests.GetValueOrDefault(key));
    }

    /// <summary>Checks one answer the service sent to <paramref name="to"/>; throws <see cref="BrokenRuleException"/> when it breaks the rule.</summary>
    public void Answer(int to, byte[] answer)
    {
        if (answer.Length < 64)
            throw new BrokenRuleException($"an answer of {answer.Length} bytes, shorter than the header");
        if ((answer[3] & 0x80) == 0)
            throw new BrokenRuleException($"the service sent a request (operation 0x{answer[3]:x2})");
        if (!_requests.TryGetValue(Key(to, (byte)(answer[3] & 0x7f), answer), out int request))
        {
            if (_forgotten) { Unmatched++; return; }
            throw new BrokenRuleException($"an answer (operation 0x{answer[3]:x2}, status {answer[5]}, {answer.Length} bytes) to source {to} matches no request it sent");
        }
        if (answer.Length > request)
            throw new BrokenRuleException($"amplification: a {answer.Length}-byte answer (operation 0x{answer[3]:x2}, status {answer[5]}) to source {to} for a {request}-byte request");
        Checked++;
    }

    // Answers echo job (12), round (16), session (24), expert (32) and offset (40) of the request.
    // A RESULT goes to the address of the expert's latest contribution to the round, which may
    // not be the one that sent that chunk (docs/PROTOCOL.md, Transport): still one RESULT per
    // send, the size of that send, so contributions are matched whatever their source.
    private static (int, byte, uint, ulong, ulong, byte, uint) Key(int source, byte op, ReadOnlySpan<byte> m)
        => (op == 1 ? -1 : source, op, BinaryPrimitives.ReadUInt32LittleEndian(m[12..]), BinaryPrimitives.ReadUInt64LittleEndian(m[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(m[24..]), m[32], BinaryPrimitives.ReadUInt32LittleEndian(m[40..]));
}
