using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Apps.Consensus;
using Synthex.Dpdk.Endpoint;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Tests.Support;
using Synthex.Protocol;
using Kernel = Synthex.Dpdk.Kernels.Consensus;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>
/// <c>consensus</c> behind the UDP endpoint against <c>reflect</c> behind the same endpoint, on
/// the in-memory port with the real <see cref="FrameWorker{TApp, TIo}"/> (no NIC, no DPDK): both
/// are fed the same IPv4 contribution frames in bursts of 32, each with a fresh round id (the
/// collector opens a round, aggregates, answers; reflect echoes). Target 1: every contribution
/// completes its chunk and is answered in place — one in, one out, the shape of an echo. Target
/// 4: rounds of four experts — three absorbed, their results originated from the pool, the
/// fourth answered in place. Measured with the quick harness (best of many short samples, the two
/// sides alternating), so the ratio sees the same machine state.
/// </summary>
/// <remarks>
/// Feeding copies each frame into a pool packet (as <see cref="MemoryNetwork.Enqueue"/> does; a
/// NIC would DMA it): that copy is in both sides and is measured alone ("feed"), so the report
/// gives the ratio both raw and with the feed taken out. Also: the consensus kernel alone on
/// the same chunk (accumulate, in cache), the kernel streaming from DRAM, and a streaming copy
/// (the memory bound), in GB/s of payload read per core.
/// </remarks>
internal static unsafe class ConsensusBench
{
    private const int Burst = 32;
    private const int PayloadOffset = 14 + 20 + 8;
    private const ushort ServicePort = 9000;

    /// <summary>The collector's --max-length: the service's default, or smaller to see what the slots' memory costs.</summary>
    private static int s_maxLength = new ConsensusLimits().MaxLength;

    private static ConsensusLimits Limits(int atLeast = 0) => new ConsensusLimits(MaxLength: Math.Max(s_maxLength, atLeast));

    public static int Run(string[] args)
    {
        int[] sizes = [64, 256, 1024];
        int[] targets = [1, 4];
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--floats" && i + 1 < args.Length) sizes = args[++i].Split(',').Select(int.Parse).ToArray();
            else if (args[i] == "--targets" && i + 1 < args.Length) targets = args[++i].Split(',').Select(int.Parse).ToArray();
            else if (args[i] == "--max-length" && i + 1 < args.Length) s_maxLength = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--sample-ms" && i + 1 < args.Length) Harness.SampleMs = double.Parse(args[++i], CultureInfo.InvariantCulture);
        }
        Console.WriteLine($"CPU: {Peak.CpuModel()}, {Environment.ProcessorCount} cores; .NET {Environment.Version}; SIMD {SimdInfo.Describe()}; load {File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((a, b) => a + " " + b)}");
        Console.WriteLine($"collector: --max-length {s_maxLength} (at least the datagram's floats; x16 for the 16-chunk rounds), other limits at their defaults");
        Console.WriteLine($"harness: best of {Harness.Samples} samples of {Harness.SampleMs} ms per side, sides alternating; bursts of {Burst}; IPv4, UDP checksum 0 on input");
        Console.WriteLine();
        Console.WriteLine($"{"floats",6} {"bytes",6} {"target",6} {"feed ns",8} {"reflect Mpps",12} {"ns",7} {"consensus Mpps",14} {"ns",7} {"ratio",6} {"ratio-feed",10} {"service GB/s",12}");
        var notes = new List<string>();
        foreach (int floats in sizes)
        {
            byte[] frame = ContributionFrame(floats);
            double feedNs;
            using (var feed = new Side(frame, floats, null, 1)) feedNs = Harness.Single(n => feed.FeedOnly(n));
            foreach (int target in targets)
            {
                using var reflect = new Side(frame, floats, null, target);
                using var consensus = new Side(frame, floats, new ConsensusRun(Limits(floats), 0x5EED), target);
                var (r, c) = Harness.Pair(n => reflect.Drive(n), n => consensus.Drive(n));
                double gbps = floats * 4.0 / c;   // payload bytes aggregated per ns = GB/s
                Console.WriteLine($"{floats,6} {frame.Length - PayloadOffset,6} {target,6} {feedNs,8:F1} {1e3 / r,12:F3} {r,7:F1} {1e3 / c,14:F3} {c,7:F1} {r / c,6:F3} {(r - feedNs) / (c - feedNs),10:F3} {gbps,12:F2}");
                notes.Add(consensus.Check(target));
            }
        }
        Console.WriteLine();
        foreach (var note in notes) Console.WriteLine(note);

        Console.WriteLine();
        Console.WriteLine("Where the consensus time goes (target 1, ns a contribution; each without the endpoint and the worker):");
        foreach (int floats in sizes) Breakdown(ContributionFrame(floats).AsSpan(PayloadOffset).ToArray(), floats);

        Console.WriteLine();
        Console.WriteLine("Arithmetic per core (GB/s of f32 payload read):");
        foreach (int floats in sizes)
        {
            float[] acc = new float[floats], vec = new float[floats];
            new Random(floats).NextBytes(MemoryMarshal.AsBytes(vec.AsSpan()));
            for (int i = 0; i < vec.Length; i++) if (!float.IsFinite(vec[i])) vec[i] = 1f;
            double ns = Harness.Single(n =>
            {
                for (long i = 0; i < n; i++) Kernel.Accumulate(acc, 0.5f, vec);
                return (long)acc[0];
            });
            Console.WriteLine($"  kernel accumulate, {floats,5} floats in cache : {floats * 4.0 / ns,7:F2} GB/s ({ns:F1} ns a chunk)");
        }
        Streaming();
        Console.WriteLine("  hardware anchor: SwitchML (NSDI '21) aggregates ~11 GB/s (~2.8 G int32 elements/s) per job on a Tofino switch");
        return 0;
    }

    /// <summary>
    /// The collector alone on the contribution (copied into an answer buffer each time, as the
    /// endpoint hands it the packet), then its parts: the codec's read, the clock read per
    /// datagram, the kernel's accumulate and finalize on the chunk.
    /// </summary>
    private static void Breakdown(byte[] message, int floats)
    {
        var collector = new ConsensusCollector(Limits(floats), 0x5EED);
        byte[] buffer = new byte[message.Length + 256];
        var peer = new DatagramPeer(default, default, 0, 0, 0);
        ulong round = 0;
        double copy = Harness.Single(n =>
        {
            for (long i = 0; i < n; i++) { BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(16), round++); message.CopyTo(buffer, 0); }
            return buffer[16];
        });
        double handle = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(message.AsSpan(16), round++);
                message.CopyTo(buffer, 0);
                sum += collector.Handle(buffer, message.Length, peer, Stopwatch.GetTimestamp());
            }
            return sum;
        });
        // The same chunks as 16-chunk rounds: a round is opened, admitted and finished once per
        // 16 contributions, so the difference is the per-round part of the cost.
        var wide = new ConsensusCollector(Limits(16 * floats), 0x5EED);
        byte[] wideMessage = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(wideMessage.AsSpan(36), (uint)(16 * floats));   // length: 16 chunks
        ulong sequence = 0;
        double perChunk = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++, sequence++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(wideMessage.AsSpan(16), sequence / 16);
                BinaryPrimitives.WriteUInt32LittleEndian(wideMessage.AsSpan(40), (uint)((int)(sequence % 16) * floats));   // offset
                wideMessage.CopyTo(buffer, 0);
                sum += wide.Handle(buffer, wideMessage.Length, peer, Stopwatch.GetTimestamp());
            }
            return sum;
        });
        if (wide.Counters.AggregatedContributions != wide.Counters.ChunksCompleted || wide.Counters.Busy + wide.Counters.Stale != 0)
            Console.WriteLine("  (16-chunk collector run NOT CLEAN: refusals)");
        if (collector.Counters.AggregatedContributions != collector.Counters.ChunksCompleted || collector.Counters.Busy + collector.Counters.Stale != 0)
            Console.WriteLine("  (collector run NOT CLEAN: refusals)");
        double read = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++) { sum += (int)Codec.ReadRequest(message, out Message m).Drop + m.Values.Length; }
            return sum;
        });
        double clock = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++) sum += Stopwatch.GetTimestamp();
            return sum;
        });
        Codec.ReadRequest(message, out Message parsed);
        Header request = parsed.Header;
        float[] chunk = new float[floats];
        double write = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++) { chunk.CopyTo(Synthex.Protocol.Result.Values(buffer, request)); sum += Synthex.Protocol.Result.WriteOk(buffer, request, 0x5EED, 1.5f, 1UL); }
            return sum;
        });
        float[] acc = new float[floats], vec = new float[floats], result = new float[floats];
        vec.AsSpan().Fill(0.5f);
        double kernel = Harness.Single(n =>
        {
            for (long i = 0; i < n; i++) { acc.AsSpan().Clear(); Kernel.Accumulate(acc, 1.5f, vec); Kernel.Finalize(acc, 1.5f, result); result.CopyTo(acc); }
            return (long)acc[0];
        });
        // Admission alone: the same expert's contribution again to a chunk still open (target 2),
        // absorbed as a retransmission: codec, checks, job lookup, slot lookup, no arithmetic.
        var open = new ConsensusCollector(Limits(floats), 0x5EED);
        byte[] again = (byte[])message.Clone();
        again[33] = 2;   // target 2: the chunk stays open
        again.CopyTo(buffer, 0);
        open.Handle(buffer, again.Length, peer, Stopwatch.GetTimestamp());
        long fixedNow = Stopwatch.GetTimestamp();
        double admission = Harness.Single(n =>
        {
            long sum = 0;
            for (long i = 0; i < n; i++) { again.CopyTo(buffer, 0); sum += open.Handle(buffer, again.Length, peer, fixedNow); }
            return sum;
        });
        Console.WriteLine($"  {floats,5} floats: a retransmission absorbed (codec + checks + job and slot lookup, no clock) {admission - copy,7:F1}; without the codec read {admission - copy - read,7:F1}");
        Console.WriteLine($"  {floats,5} floats: collector.Handle {handle - copy,7:F1} (copy into the buffer {copy:F1} not counted) = codec read {read,6:F1}"
            + $" + clock {clock,5:F1} + clear/accumulate/finalize/copy back {kernel,6:F1} + RESULT write {write,6:F1} + the rest (admission, slot, counters) {handle - copy - read - clock - kernel - write,7:F1};"
            + $" in 16-chunk rounds {perChunk - copy,7:F1} a chunk");
    }

    /// <summary>The kernel streaming over 64 MiB vectors (DRAM, not cache) and a 256 MiB copy: the memory bound.</summary>
    private static void Streaming()
    {
        const int floats = 16 << 20;   // 64 MiB a vector: far past the caches
        float[] acc = new float[floats], vec = new float[floats];
        vec.AsSpan().Fill(0.25f);
        double best = double.MaxValue;
        for (int s = 0; s < 7; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Kernel.Accumulate(acc, 0.5f, vec);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalNanoseconds);
        }
        Console.WriteLine($"  kernel accumulate, 64 MiB from DRAM        : {floats * 4.0 / best,7:F2} GB/s of vector read (+ the accumulator read and written)");

        const long bytes = 256L << 20;
        byte* src = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64), dst = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            NativeMemory.Fill(src, (nuint)bytes, 1);
            NativeMemory.Fill(dst, (nuint)bytes, 0);
            best = double.MaxValue;
            for (int s = 0; s < 5; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Buffer.MemoryCopy(src, dst, bytes, bytes);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalNanoseconds);
            }
            Console.WriteLine($"  streaming copy, 256 MiB (memcpy)            : {bytes / best,7:F2} GB/s copied (read once, written once)");
        }
        finally
        {
            NativeMemory.AlignedFree(src);
            NativeMemory.AlignedFree(dst);
        }
    }

    /// <summary>An IPv4/UDP frame to the service port carrying one CONTRIBUTE of <paramref name="floats"/> elements (one chunk).</summary>
    private static byte[] ContributionFrame(int floats)
    {
        var values = new float[floats];
        for (int i = 0; i < floats; i++) values[i] = MathF.Sin(i * 0.01f);
        var h = Contribute.Header(7, 0xC0FFEE, 0, 0, 1, (uint)floats, 0, (ushort)floats, 1.5f);
        var payload = new byte[Wire.HeaderSize + floats * 4];
        if (Contribute.Write(payload, h, values) != payload.Length) throw new InvalidOperationException("contribution did not encode");
        var frame = new FrameBuilder { PayloadLength = payload.Length, UdpChecksum = false }.Build();
        payload.CopyTo(frame, PayloadOffset);
        return frame;
    }

    /// <summary>One side: an endpoint stage over reflect or consensus on its own in-memory network.</summary>
    private sealed class Side : IDisposable
    {
        private readonly MemoryNetwork _network;
        private readonly IWorker _worker;
        private readonly byte[] _frame;
        private readonly int _target;
        private readonly ConsensusRun? _run;
        private readonly WorkerCounters _counters = new(1);
        private readonly QuitFlag _stop = new();
        private ulong _sequence;

        public Side(byte[] frame, int floats, ConsensusRun? run, int target)
        {
            _frame = (byte[])frame.Clone();
            _target = target;
            _run = run;
            _frame[PayloadOffset + 33] = (byte)target;
            // Jumbo frames for 1,024 floats (4,160-byte datagrams): the endpoint sizes originated
            // answers for the MTU less an IPv6 header, so the MTU must leave that room.
            const int mtu = 9000, capacity = 10240;
            _network = new MemoryNetwork(1, 4096, capacity) { CaptureTx = false };
            var addresses = new EndpointAddresses(
                [OwnedAddress.TryParse("10.0.0.2/24", out var owned, out var error) ? owned : throw new ArgumentException(error)],
                [MacAddress.Read(FrameBuilder.MacB).Value]);
            var factory = new FrameWorkerFactory<MemoryIo>(new MemoryIo(_network), [new RxQueueRef(0, 0)], new Dictionary<int, ushort> { [0] = 0 }, Burst, _counters, _stop);
            _worker = run is null
                ? factory.Accept(new EndpointStage<Reflect>(new Reflect(), addresses, ServicePort, mtu))
                : factory.Accept(new EndpointStage<ConsensusService>(new ConsensusService(run), addresses, ServicePort, mtu));
            _ = floats;
        }

        /// <summary>Queues a burst of contributions: round = sequence / target, expert = sequence % target.</summary>
        private void Enqueue()
        {
            for (int i = 0; i < Burst; i++, _sequence++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(_frame.AsSpan(PayloadOffset + 16), _sequence / (ulong)_target);
                _frame[PayloadOffset + 32] = (byte)(_sequence % (ulong)_target);
                _network.Enqueue(0, _frame);
            }
        }

        public long Drive(long packets)
        {
            for (long n = 0; n < packets; n += Burst)
            {
                Enqueue();
                _worker.PollOnce();
            }
            _worker.Drain();
            return _counters.RxPackets;
        }

        /// <summary>The feed alone: the same frames queued and taken back, no worker.</summary>
        public long FeedOnly(long packets)
        {
            nint* burst = stackalloc nint[Burst];
            for (long n = 0; n < packets; n += Burst)
            {
                Enqueue();
                int got = _network.RxBurst(0, burst, Burst);
                _network.Free(burst, got);
            }
            return (long)_sequence;
        }

        /// <summary>The run's books: every contribution aggregated, every answer sent, nothing refused.</summary>
        public string Check(int target)
        {
            // One worker (this thread): its collector holds every counter.
            var c = _run!.Worker(0).Collector.Counters;
            long rx = _counters.RxPackets, tx = _counters.TxPackets;
            bool clean = c.AggregatedContributions == rx && c.OriginationsLost == 0 && c.OriginationsOverflow == 0
                && c.Busy == 0 && c.Stale == 0 && c.ChunksCompleted * target == rx && tx == rx;
            return $"  consensus target {target}: rx {rx}, tx {tx}, aggregated {c.AggregatedContributions}, chunks completed {c.ChunksCompleted}, "
                + $"busy {c.Busy}, stale {c.Stale}, originations lost {c.OriginationsLost} overflow {c.OriginationsOverflow} -> {(clean ? "clean" : "NOT CLEAN")}";
        }

        public void Dispose()
        {
            _worker.Dispose();
            _network.Dispose();
            _stop.Dispose();
        }
    }
}
