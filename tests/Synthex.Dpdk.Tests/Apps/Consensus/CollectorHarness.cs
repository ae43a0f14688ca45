using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Protocol;

namespace Synthex.Dpdk.Tests.Apps.Consensus;

/// <summary>One answer the collector sent: to whom, and the answer as the client reads it.</summary>
internal sealed record Answer(int Expert, bool InPlace, Header Header, float[] Values);

/// <summary>
/// Drives a <see cref="ConsensusCollector"/> the way the service does: contributions written by
/// the codec into a datagram buffer, the in-place answer and the originated ones read back with
/// <see cref="Codec.ReadAnswer"/> (so every answer is also checked against the protocol's rules).
/// Time is a test clock in ms.
/// </summary>
internal sealed class CollectorHarness
{
    public const uint Epoch = 0x5EED0001;
    private readonly byte[] _buffer = new byte[Wire.MaxDatagram];
    private readonly byte[] _origin = new byte[Wire.MaxDatagram];

    public CollectorHarness(ConsensusLimits? limits = null)
        => Collector = new ConsensusCollector(limits ?? new ConsensusLimits(), Epoch, ticksPerSecond: 1000);

    public ConsensusCollector Collector { get; }
    public ConsensusCounters Counters => Collector.Counters;
    public long NowMs { get; set; }

    public static DatagramPeer PeerOf(int expert) => new(UdpEndpoint.V4(0x0A000000u + (uint)expert, (ushort)(40000 + expert)), default, 0, 0, 0);
    public static int ExpertOf(in DatagramPeer p) => p.Remote.Port - 40000;

    /// <summary>Sends one contribution; returns the in-place answer (null when absorbed or dropped).</summary>
    public Answer? Contribute(in Header h, ReadOnlySpan<float> values)
    {
        int n = Synthex.Protocol.Contribute.Write(_buffer, h, values);
        Assert.True(n > 0, "the test built an invalid contribution");
        return Raw(n, h.Expert);
    }

    /// <summary>Sends raw bytes already in <see cref="Buffer"/>[..length].</summary>
    public Answer? Raw(int length, int expert)
    {
        int r = Collector.Handle(_buffer, length, PeerOf(expert), NowMs);
        if (r < 0) return null;
        return Read(_buffer.AsSpan(0, r), expert, inPlace: true);
    }

    public byte[] Buffer => _buffer;

    /// <summary>Every queued answer, in order.</summary>
    public List<Answer> Drain()
    {
        var list = new List<Answer>();
        while (Collector.PendingOriginations > 0)
        {
            int n = Collector.Originate(_origin, out DatagramPeer to);
            if (n < 0) break;
            list.Add(Read(_origin.AsSpan(0, n), ExpertOf(to), inPlace: false));
        }
        return list;
    }

    public void Sweep() => Collector.Sweep(NowMs);

    private static Answer Read(ReadOnlySpan<byte> bytes, int expert, bool inPlace)
    {
        var v = Codec.ReadAnswer(bytes, out Message m);
        Assert.True(v.IsValid, $"the collector wrote an invalid answer: {v}");
        Assert.Equal(Epoch, m.Header.Epoch);
        Assert.Equal(expert, m.Header.Expert);
        return new Answer(expert, inPlace, m.Header, m.Values.ToArray());
    }

    public static Header Contribution(int expert, int target, uint length, uint offset, ushort chunk, float weight,
                                      ulong round = 1, uint job = 7, ulong session = 0x1122334455667788, ushort timeout = 0, byte retransmit = 0, uint epoch = 0)
        => Synthex.Protocol.Contribute.Header(job, session, round, (byte)expert, (byte)target, length, offset, chunk, weight, timeout, retransmit, epoch);
}
