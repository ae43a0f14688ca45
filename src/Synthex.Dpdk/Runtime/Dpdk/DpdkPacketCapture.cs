using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// <c>rte_pdump_init</c>: lets DPDK's <c>dpdk-pdump</c>, a secondary process, capture a running
/// instance's traffic to a pcap (the first thing to do when a flow misbehaves). Costs nothing
/// until a capture is asked for: pdump then adds RX/TX callbacks on the captured queues, and
/// removes them when it stops. It talks over DPDK's multi-process channel, so it is unavailable
/// in runs with <c>--in-memory</c> or <c>--no-shconf</c> (then only a log line says so).
/// </summary>
internal static partial class DpdkPacketCapture
{
    public static void Enable(TextWriter log)
    {
        try
        {
            int rc = PdumpInit();
            if (rc != 0) log.WriteLine($"synthex: dpdk-pdump cannot attach to this run (rte_pdump_init: {rc}; it needs DPDK's multi-process channel: not with --in-memory or --no-shconf)");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            log.WriteLine($"synthex: dpdk-pdump unavailable: {e.Message}");
        }
    }

    [LibraryImport("librte_pdump.so.23", EntryPoint = "rte_pdump_init")]
    private static partial int PdumpInit();
}
