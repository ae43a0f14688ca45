using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Tests.Fallback;

/// <summary>Echoes every datagram, upper-casing ASCII letters so a test sees the app ran in place.</summary>
internal struct UpperEcho : IDatagramApp
{
    public DatagramVerdict Process(Span<byte> payload, int length, in DatagramMeta meta)
    {
        var p = payload[..length];
        for (int i = 0; i < p.Length; i++)
            if (p[i] is >= (byte)'a' and <= (byte)'z') p[i] -= 32;
        return DatagramVerdict.Reply(length);
    }
}

/// <summary>
/// Echoes, but a datagram starting with 'G' blocks its worker until <see cref="Gate"/> opens, so
/// a test can pile a burst into the socket while the worker is busy; 'D' is dropped as bad payload.
/// </summary>
internal struct GatedEcho : IDatagramApp
{
    public static readonly ManualResetEventSlim Gate = new(true);
    public static readonly ManualResetEventSlim Entered = new(false);

    public DatagramVerdict Process(Span<byte> payload, int length, in DatagramMeta meta)
    {
        if (payload[0] == (byte)'D') return DatagramVerdict.Drop(DropReason.BadPayload);
        if (payload[0] == (byte)'G')
        {
            Entered.Set();
            Gate.Wait();
        }
        return DatagramVerdict.Reply(length);
    }
}
