using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>
/// DPDK's real <c>dpdk-pdump</c> captures a running synthex's traffic: synthex runs the reflect
/// service on hugepages with a file prefix and DPDK's shared config (what a secondary process
/// needs: no <c>--in-memory</c>, no <c>--no-shconf</c>) over net_tap, with a real Linux host in a
/// namespace on the other side; pdump attaches as a secondary with the run's prefix and writes RX
/// and TX to pcap files while the host sends datagrams. The pcaps must hold exactly the frames
/// synthex counted in that window (read from <c>synthex status</c> before and after), the
/// datagrams and their answers among them, and pdump's own count must agree.
/// </summary>
[Collection(nameof(DpdkCollection))]
public partial class PdumpTests
{
    private const int Datagrams = 50;

    /// <summary>What one run needs: synthex's pool (8191 mbufs, ~18 MiB), pdump's (2047, ~5 MiB), EAL's own heaps.</summary>
    private const int HugepagesNeeded = 64;

    private const string Client = """
        import socket, sys
        host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
        for i in range(n):
            m = b"pdump-%d" % i
            s.sendto(m, (host, port))
            assert s.recv(100) == m, i
        print("answered", n)
        """;

    [Fact]
    public void Dpdk_pdump_captures_a_running_instance_and_its_pcaps_match_the_counters()
    {
        Assert.True(IsRoot, "needs root for hugepages, ip netns and net_tap (CI runs tests as root)");
        int free = FreeHugepages();
        Assert.True(free >= HugepagesNeeded,
            $"dpdk-pdump needs a run on hugepages (a secondary process maps the primary's memory): {free} free 2 MiB pages, " +
            $"{HugepagesNeeded} needed; run ./hugepages-setup.sh (scripts/bootstrap.sh does)");

        string prefix = SynthexRun.UniquePrefix(), name = "pdump-" + Guid.NewGuid().ToString("N")[..8];
        string dir = TempDir(), runDir = Path.Combine(dir, "run");
        // dpdk-pdump keeps each device path in 64 bytes (TX_STREAM_SIZE) and cuts longer ones: a short directory.
        string capture = Directory.CreateTempSubdirectory("sxpd").FullName;
        string rxPcap = Path.Combine(capture, "rx.pcap"), txPcap = Path.Combine(capture, "tx.pcap");
        try
        {
            using var tap = new TapEndpoint("reflect", extra: ["--name", name, "--run-dir", runDir],
                eal: ["-l", "0,1", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error"], ipv6: false);

            using var pdump = Pdump.Start(prefix, $"port=0,queue=*,rx-dev={rxPcap},tx-dev={txPcap},ring-size=1024,total-num-mbufs=2047");
            // Printed after rte_pdump_enable has returned, which waits for the primary's answer: the callbacks are in place.
            Assert.True(pdump.WaitFor("capture for", 60_000), "dpdk-pdump did not attach:\n" + pdump.Output + "\nsynthex:\n" + tap.Output);

            var before = Totals(runDir, name);
            var (code, output) = tap.Client("python3", "-c", Client, tap.ServerV4, tap.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Datagrams.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(code == 0 && output.Contains($"answered {Datagrams}", StringComparison.Ordinal), output + "\n" + tap.Output);
            var after = Totals(runDir, name);

            pdump.Interrupt(); // pdump flushes and closes its pcaps on SIGINT only
            Assert.True(pdump.WaitForExit(30_000), "dpdk-pdump did not stop on SIGINT:\n" + pdump.Output);
            Assert.True(pdump.ExitCode == 0, $"dpdk-pdump exited {pdump.ExitCode}:\n{pdump.Output}");

            // The mbuf gauge against DPDK's own count, read by another secondary (dpdk-proc-info) on
            // the idle instance: what synthex reports in use is what the pool says is in use.
            long procInfo = ProcInfoInUse(prefix, "sx_mbuf_s0");
            long gauge = MbufInUse(runDir, name, "sx_mbuf_s0");
            Assert.True(gauge == procInfo, $"synthex says {gauge} mbufs in use, dpdk-proc-info {procInfo}");
            Assert.True(gauge > 0, "the RX ring holds mbufs: in use cannot be 0 while the port runs");
            var report = tap.Stop();

            var rx = Pcap.Read(rxPcap);
            var tx = Pcap.Read(txPcap);
            var sent = Enumerable.Range(0, Datagrams).Select(i => $"pdump-{i}").ToList();
            Assert.Equal(sent, rx.Select(f => UdpPayload(f, dstPort: tap.Port)).OfType<string>().ToList());
            Assert.Equal(sent, tx.Select(f => UdpPayload(f, srcPort: tap.Port)).OfType<string>().ToList());
            // Nothing but what the test caused crossed the tap while pdump listened (IPv6 is off on
            // the host's side), so the capture and synthex's counters agree frame for frame.
            Assert.True(rx.Count == after.Rx - before.Rx, $"rx pcap {rx.Count} frames, synthex counted {after.Rx - before.Rx}");
            Assert.True(tx.Count == after.Tx - before.Tx, $"tx pcap {tx.Count} frames, synthex counted {after.Tx - before.Tx}");
            Assert.Equal(rx.Count + tx.Count, Dequeued(pdump.Output));

            var totals = report.GetProperty("totals");
            Assert.True(totals.GetProperty("accounted").GetBoolean(), report.ToString());
            Assert.True(totals.GetProperty("rx_packets").GetInt64() >= after.Rx);
        }
        finally
        {
            // The run directory and hugepage files of the prefix (a primary without --in-memory leaves both).
            foreach (var d in Directory.Exists("/var/run/dpdk") ? Directory.GetDirectories("/var/run/dpdk", prefix) : [])
                Directory.Delete(d, recursive: true);
            foreach (var f in Directory.Exists("/dev/hugepages") ? Directory.GetFiles("/dev/hugepages", prefix + "map_*") : [])
                File.Delete(f);
            Directory.Delete(capture, recursive: true);
        }
    }

    private static int FreeHugepages()
    {
        var m = Regex.Match(File.ReadAllText("/proc/meminfo"), @"HugePages_Free:\s+(\d+)");
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static (long Rx, long Tx) Totals(string runDir, string name)
    {
        using var status = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]);
        Assert.True(status.WaitForExit(30_000) == 0, status.Output);
        var totals = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("report").GetProperty("totals");
        return (totals.GetProperty("rx_packets").GetInt64(), totals.GetProperty("tx_packets").GetInt64());
    }

    private static long MbufInUse(string runDir, string name, string pool)
    {
        using var status = SynthexProcess.Start(["status", "--run-dir", runDir, "--name", name, "--json"]);
        Assert.True(status.WaitForExit(30_000) == 0, status.Output);
        var pools = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("report").GetProperty("mbuf_pools");
        return pools.EnumerateArray().Single(p => p.GetProperty("name").GetString() == pool).GetProperty("in_use").GetInt64();
    }

    /// <summary>DPDK's <c>dpdk-proc-info --show-mempool=NAME</c> (a secondary of the run): "Count: avail (A), in use (U)".</summary>
    private static long ProcInfoInUse(string prefix, string pool)
    {
        var (code, output) = Run("dpdk-proc-info", "--file-prefix", prefix, "--no-pci", "--log-level=lib.eal:error", "--", $"--show-mempool={pool}");
        var m = InUseLine().Match(output);
        Assert.True(code == 0 && m.Success, $"dpdk-proc-info exited {code}:\n{output}");
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"in use \((\d+)\)")]
    private static partial Regex InUseLine();

    /// <summary>The payload of an untagged IPv4 UDP frame to or from the given port, as ASCII; null for any other frame.</summary>
    private static string? UdpPayload(byte[] frame, int dstPort = -1, int srcPort = -1)
    {
        if (frame.Length < 42 || BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != 0x0800 || frame[23] != 17) return null;
        int udp = 14 + (frame[14] & 0xF) * 4;
        int src = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(udp)), dst = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(udp + 2));
        int length = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(udp + 4));
        if ((dstPort >= 0 && dst != dstPort) || (srcPort >= 0 && src != srcPort)) return null;
        return Encoding.ASCII.GetString(frame, udp + 8, length - 8);
    }

    /// <summary>pdump's closing statistics: "-packets dequeued: N" (what its ring delivered to the pcap writers).</summary>
    private static long Dequeued(string output)
    {
        var m = DequeuedLine().Match(output);
        Assert.True(m.Success, "no statistics from dpdk-pdump:\n" + output);
        return long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"-packets dequeued:\s+(\d+)")]
    private static partial Regex DequeuedLine();

    /// <summary>The real <c>dpdk-pdump</c> as a secondary of the run with <c>--file-prefix</c>, stdout line-buffered so its progress can be awaited.</summary>
    private sealed class Pdump : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private Pdump(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static Pdump Start(string prefix, string capture)
        {
            var psi = new ProcessStartInfo(SynthexProcess.RestoreSigint[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in SynthexProcess.RestoreSigint.Skip(1)) psi.ArgumentList.Add(a);
            foreach (var a in (string[])["stdbuf", "-oL", "dpdk-pdump", "--file-prefix", prefix, "--no-pci", "--log-level=lib.eal:error", "--", "--pdump", capture])
                psi.ArgumentList.Add(a);
            return new Pdump(Process.Start(psi) ?? throw new InvalidOperationException("cannot start dpdk-pdump"));
        }

        public string Output { get { lock (_output) return _output.ToString(); } }

        public int ExitCode => _process.ExitCode;

        public bool WaitFor(string text, int timeoutMs)
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < timeoutMs && !_process.HasExited)
            {
                if (Output.Contains(text, StringComparison.Ordinal)) return true;
                Thread.Sleep(20);
            }
            return Output.Contains(text, StringComparison.Ordinal);
        }

        public void Interrupt() => Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

        public bool WaitForExit(int timeoutMs)
        {
            if (!_process.WaitForExit(timeoutMs)) return false;
            _process.WaitForExit(); // flush the output readers
            return true;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                try { _process.Kill(); } catch (InvalidOperationException) { }
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }
}
