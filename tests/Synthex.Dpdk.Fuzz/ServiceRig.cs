using System.Buffers.Binary;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// The real services behind the real endpoint: <c>--app consensus,similarity</c> opened (a
/// 40 × 4 matrix, an 8 × 4 projection written to a temporary directory) and run by the real
/// <see cref="FrameWorker{TApp, TIo}"/> over the in-memory port, with the endpoint on 10.0.0.2/24
/// and fd00::2/64, service port 9000. Datagrams go in as UDP frames from one of
/// <see cref="Sources"/> sources (source i: 10.1.i/256.i%256 or fd00::1:0:i/256:i%256, port
/// 40000 + i%16384); what the worker sends comes back as (source index, UDP payload), the index
/// read back from the destination address. Used by the <c>service</c> fuzz target and by the
/// service-level tests (amplification, flood, rate limits).
/// </summary>
public sealed class ServiceRig : IDisposable
{
    public const int Sources = 65536;
    public const ushort ServicePort = 9000, SourcePortBase = 40000;
    public const int Rows = 40, Columns = 4, ProjectionRows = 8;
    private const int EthernetHeader = 14;
    private static readonly byte[] OurMac = [0x02, 0, 0, 0, 0, 0x02];

    private readonly string _dir;
    private readonly AppDescriptor _app;

    public MemoryNetwork Network { get; }
    public WorkerCounters Counters { get; } = new(1);
    public QuitFlag Stop { get; } = new();
    public IWorker Worker { get; }
    public RunSettings Settings { get; }

    /// <param name="tune">Changes to the run's settings (e.g. a rate limit, smaller consensus tables).</param>
    public ServiceRig(Func<RunSettings, RunSettings>? tune = null, int poolSize = 256)
    {
        _dir = Directory.CreateTempSubdirectory("synthex-service-rig-").FullName;
        string matrix = Path.Combine(_dir, "m.npy"), projection = Path.Combine(_dir, "p.npy");
        NpyWriter.Write(matrix, Values(Rows * Columns, 1), Rows, Columns);
        NpyWriter.Write(projection, Values(ProjectionRows * Columns, 2), ProjectionRows, Columns);
        var settings = new RunSettings
        {
            App = "consensus,similarity", Address = "10.0.0.2/24,fd00::2/64", Burst = 32, Matrix = matrix, Projection = projection,
            MaxJobs = 4, MaxRoundsPerJob = 8, MaxLength = 4096, CompletedCache = 16, RoundTimeout = 20, CacheEntries = 64,
        };
        Settings = tune is null ? settings : tune(settings);
        _app = RunHost.OpenApp(Settings, TextWriter.Null);
        Network = new MemoryNetwork(ports: 1, poolSize: poolSize);
        var ports = new[] { new PortInfo(0, "mem0", 0x020000000002UL, 0) };
        var factory = new FrameWorkerFactory<MemoryIo>(new MemoryIo(Network), [new RxQueueRef(0, 0)],
            new Dictionary<int, ushort> { [0] = 0 }, Settings.Burst, Counters, Stop);
        Worker = FrameApps.Create(_app, new FrameAppContext(Settings.AppOptions, ports), factory);
    }

    /// <summary>The opened app's counters (consensus.*, similarity.*, rate_limit.*).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> ServiceCounters() => _app.ServiceCounters();

    public long ServiceCounter(string name)
    {
        foreach (var kv in _app.ServiceCounters()) if (kv.Key == name) return kv.Value;
        throw new KeyNotFoundException(name);
    }

    /// <summary>Consensus rounds open now (opened − finished; a job is reclaimed only when it has none open).</summary>
    public long OpenRounds => ServiceCounter("consensus.rounds_opened") - ServiceCounter("consensus.rounds_finished");

    /// <summary>A UDP frame from source <paramref name="source"/> to the service, <paramref name="payload"/> as its payload.</summary>
    public static byte[] Frame(int source, bool ipv6, ReadOnlySpan<byte> payload, bool toService = true)
    {
        int l3 = ipv6 ? 40 : 20;
        var f = new byte[EthernetHeader + l3 + 8 + payload.Length];
        OurMac.CopyTo(f, 0);
        f[6] = 0x02; f[10] = (byte)(source >> 8); f[11] = (byte)source; // peer MAC 02:00:00:00:ss:ss
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), ipv6 ? (ushort)0x86DD : (ushort)0x0800);
        var ip = f.AsSpan(EthernetHeader);
        if (ipv6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(8 + payload.Length));
            ip[6] = IpProtocol.Udp; ip[7] = 64;
            ip[8] = 0xfd; ip[19] = 1; ip[22] = (byte)(source >> 8); ip[23] = (byte)source;
            ip[24] = 0xfd; ip[39] = 2;
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
            ip[6] = 0x40; ip[8] = 64; ip[9] = IpProtocol.Udp;
            ip[12] = 10; ip[13] = 1; ip[14] = (byte)(source >> 8); ip[15] = (byte)source;
            ip[16] = 10; ip[19] = 2;
        }
        var udp = ip[l3..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)(SourcePortBase + (source & 0x3fff)));
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], toService ? ServicePort : (ushort)(ServicePort + 1));
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
        return f;
    }

    /// <summary>Whether a datagram of <paramref name="payloadLength"/> bytes fits one of the port's buffers as a frame.</summary>
    public bool Fits(int payloadLength, bool ipv6) => EthernetHeader + (ipv6 ? 40 : 20) + 8 + payloadLength <= Network.Capacity;

    /// <summary>Puts one datagram on the port's RX queue (not yet processed).</summary>
    public void Enqueue(int source, bool ipv6, ReadOnlySpan<byte> payload) => Network.Enqueue(0, Frame(source, ipv6, payload));

    /// <summary>Polls until the RX queue is empty and drains TX.</summary>
    public void RunUntilIdle()
    {
        while (Worker.PollOnce() != 0) { }
        Worker.Drain();
    }

    /// <summary>Sends one datagram and runs the worker until idle; returns what was sent since the last call.</summary>
    public List<(int Source, byte[] Payload)> Send(int source, bool ipv6, ReadOnlySpan<byte> payload)
    {
        Enqueue(source, ipv6, payload);
        RunUntilIdle();
        return TakeSent();
    }

    /// <summary>One more poll (the compute thread's answers, round timeouts) and what it sent.</summary>
    public List<(int Source, byte[] Payload)> PollSent()
    {
        Worker.PollOnce();
        Worker.Drain();
        return TakeSent();
    }

    /// <summary>Everything the worker sent since the last call, as (destination source index, UDP payload).</summary>
    public List<(int Source, byte[] Payload)> TakeSent()
    {
        var answers = new List<(int, byte[])>(Network.Sent.Count);
        foreach (var (_, _, frame) in Network.Sent)
        {
            if (PacketParser.Parse(frame, out var layout) != DropReason.None || layout.L4Length < 8)
                throw new BrokenRuleException($"the worker sent a frame the parser refuses ({frame.Length} bytes)");
            // The destination address's last two bytes are the source index (v4 at L3+18, v6 at L3+38).
            bool v6 = layout.L4Offset - layout.L3Offset >= 40 && (frame[layout.L3Offset] >> 4) == 6;
            int source = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(layout.L3Offset + (v6 ? 38 : 18)));
            answers.Add((source, frame.AsSpan(layout.L4Offset + 8, layout.L4Length - 8).ToArray()));
        }
        Network.Sent.Clear();
        return answers;
    }

    /// <summary>The run's accounting as the report would read it.</summary>
    public StatsSnapshot Snapshot() => StatsSnapshot.Capture([Counters], []);

    private static float[] Values(int count, int seed)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(r.NextDouble() * 2 - 1);
        return v;
    }

    public void Dispose()
    {
        Worker.Dispose();
        (_app as IDisposable)?.Dispose();
        Network.Dispose();
        Stop.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
