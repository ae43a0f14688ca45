using System.Runtime.CompilerServices;
using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Two datagram apps behind one service port, chosen per datagram by the protocol's operation
/// byte (offset 3 of the header, <c>docs/PROTOCOL.md</c>): the operations in
/// <see cref="SecondOperations"/> go to <typeparamref name="TSecond"/>, everything else —
/// including a datagram too short to carry the byte — to <typeparamref name="TFirst"/>, which
/// answers the status the protocol documents (the codec's drop, UNKNOWN_OPERATION, ...).
/// </summary>
/// <remarks>
/// Both apps are structs in fields and the choice is one byte load and one bit test: no virtual
/// call, allocation or branch on anything but the byte. Origination, poll and stop are forwarded
/// to each app that has them (the static flags fold the rest away).
/// </remarks>
public struct OperationDispatch<TFirst, TSecond>(TFirst first, TSecond second, OperationSet secondOperations) : IDatagramApp
    where TFirst : struct, IDatagramApp
    where TSecond : struct, IDatagramApp
{
    private const int OperationOffset = 3;

    private TFirst _first = first;
    private TSecond _second = second;

    public readonly TFirst First => _first;
    public readonly TSecond Second => _second;
    public readonly OperationSet SecondOperations => secondOperations;

    public static bool Originates => TFirst.Originates || TSecond.Originates;
    public static bool Polls => TFirst.Polls || TSecond.Polls;
    public static bool AttachesWorker => TFirst.AttachesWorker || TSecond.AttachesWorker;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
        => length > OperationOffset && secondOperations.Contains(buffer[OperationOffset])
            ? _second.Process(buffer, length, meta)
            : _first.Process(buffer, length, meta);

    public void AttachWorker()
    {
        if (TFirst.AttachesWorker) _first.AttachWorker();
        if (TSecond.AttachesWorker) _second.AttachWorker();
    }

    public void Poll(long timestamp)
    {
        if (TFirst.Polls) _first.Poll(timestamp);
        if (TSecond.Polls) _second.Poll(timestamp);
    }

    public void Stop()
    {
        if (TFirst.Polls) _first.Stop();
        if (TSecond.Polls) _second.Stop();
    }

    public readonly int PendingOriginations
        => (TFirst.Originates ? _first.PendingOriginations : 0) + (TSecond.Originates ? _second.PendingOriginations : 0);

    /// <summary>The first app's originations first, then the second's: each app's own order is kept.</summary>
    public int Originate(Span<byte> payload, out DatagramPeer to)
    {
        if (TFirst.Originates && _first.PendingOriginations > 0)
        {
            int n = _first.Originate(payload, out to);
            if (n >= 0) return n;
        }
        if (TSecond.Originates)
            return _second.Originate(payload, out to);
        to = default;
        return -1;
    }
}

/// <summary>A set of request operation codes (0x00..0x3F, one bit each), tested with one shift and mask.</summary>
public readonly struct OperationSet
{
    private readonly ulong _bits;

    private OperationSet(ulong bits) => _bits = bits;

    public static OperationSet Of(params ReadOnlySpan<Operation> operations)
    {
        ulong bits = 0;
        foreach (var op in operations)
        {
            // Requests are small codes (answers set the high bit); 64 leaves room for every request the protocol may add.
            if ((byte)op >= 64) throw new ArgumentOutOfRangeException(nameof(operations), op, "only request operations (< 0x40) are dispatched");
            bits |= 1UL << (byte)op;
        }
        return new OperationSet(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(byte operation) => operation < 64 && ((_bits >> operation) & 1) != 0;
}
