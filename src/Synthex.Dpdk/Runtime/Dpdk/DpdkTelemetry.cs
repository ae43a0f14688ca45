using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// synthex's counters in DPDK's own telemetry, next to <c>/ethdev/stats</c>: <c>/synthex/stats</c>
/// (totals and drops by reason) and <c>/synthex/lcores</c> (per worker lcore), registered with
/// <c>rte_telemetry_register_cmd</c> so <c>dpdk-telemetry.py</c> lists and reads them. DPDK's
/// telemetry thread calls back into C# here; the callbacks read the workers' counters the way
/// the live line does (no cost to the workers) and never throw into native code.
/// </summary>
/// <remarks>
/// The telemetry socket lives in the EAL runtime directory (<c>/var/run/dpdk/PREFIX/dpdk_telemetry.v2</c>):
/// read it with <c>dpdk-telemetry.py -f PREFIX</c>. One EAL per process, so the counters are a static.
/// </remarks>
internal static unsafe partial class DpdkTelemetry
{
    private const string Lib = "librte_telemetry.so.23";

    private static volatile IReadOnlyList<WorkerCounters>? s_counters;

    /// <summary>Points the commands at this run's counters; registers them on the first call.</summary>
    public static void Register(IReadOnlyList<WorkerCounters> counters, TextWriter log)
    {
        bool first = s_counters is null;
        s_counters = counters;
        if (!first) return;
        try
        {
            int a, b;
            fixed (byte* stats = "/synthex/stats"u8, statsHelp = "synthex totals: packets, bytes, drops by reason. No parameters."u8)
                a = RegisterCmd(stats, &Stats, statsHelp);
            fixed (byte* lcores = "/synthex/lcores"u8, lcoresHelp = "synthex per worker lcore: rx, tx, dropped, polls, empty polls. No parameters."u8)
                b = RegisterCmd(lcores, &Lcores, lcoresHelp);
            if (a != 0 || b != 0) log.WriteLine($"synthex: DPDK telemetry commands not registered ({a}, {b})");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            log.WriteLine($"synthex: DPDK telemetry unavailable: {e.Message}");
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Stats(byte* cmd, byte* parameters, void* data)
    {
        try
        {
            var s = StatsSnapshot.Capture(s_counters ?? [], []);
            StartDict(data);
            Add(data, "rx_packets"u8, s.RxPackets);
            Add(data, "rx_bytes"u8, s.RxBytes);
            Add(data, "tx_packets"u8, s.TxPackets);
            Add(data, "tx_bytes"u8, s.TxBytes);
            Add(data, "dropped"u8, s.Dropped);
            Add(data, "replied"u8, s.Replied);
            Add(data, "absorbed"u8, s.Absorbed);
            Add(data, "originated"u8, s.Originated);
            Add(data, "origin_dropped"u8, s.OriginDropped);
            Span<byte> name = stackalloc byte[64];
            for (int r = 1; r < (int)DropReason.Count; r++)
            {
                int n = System.Text.Encoding.ASCII.GetBytes("drops_" + ((DropReason)r).Name(), name);
                name[n] = 0;
                Add(data, name, s.Drops[r]);
            }
            return 0;
        }
        catch (Exception)
        {
            return -1; // telemetry answers with an error; never an exception into DPDK's thread
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Lcores(byte* cmd, byte* parameters, void* data)
    {
        try
        {
            var s = StatsSnapshot.Capture(s_counters ?? [], []);
            StartDict(data);
            Span<byte> name = stackalloc byte[64];
            foreach (var w in s.Workers)
            {
                void Field(Span<byte> buffer, int id, string field, long value, void* d)
                {
                    int n = System.Text.Encoding.ASCII.GetBytes($"lcore{id}_{field}", buffer);
                    buffer[n] = 0;
                    Add(d, buffer, value);
                }
                Field(name, w.Id, "rx_packets", w.RxPackets, data);
                Field(name, w.Id, "tx_packets", w.TxPackets, data);
                Field(name, w.Id, "dropped", w.Dropped, data);
                Field(name, w.Id, "polls", w.Polls, data);
                Field(name, w.Id, "empty_polls", w.EmptyPolls, data);
            }
            return 0;
        }
        catch (Exception)
        {
            return -1;
        }
    }

    /// <param name="name">NUL-terminated (a u8 literal is, past its span).</param>
    private static void Add(void* data, ReadOnlySpan<byte> name, long value)
    {
        fixed (byte* n = name) AddDictU64(data, n, (ulong)Math.Max(0, value));
    }

    [LibraryImport(Lib, EntryPoint = "rte_telemetry_register_cmd")]
    private static partial int RegisterCmd(byte* cmd, delegate* unmanaged[Cdecl]<byte*, byte*, void*, int> fn, byte* help);

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_start_dict")]
    private static partial int StartDict(void* data);

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_add_dict_u64")]
    private static partial int AddDictU64(void* data, byte* name, ulong value);
}
