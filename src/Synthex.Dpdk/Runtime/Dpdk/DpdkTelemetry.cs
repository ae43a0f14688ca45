using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Packets;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// synthex's counters in DPDK's own telemetry, next to <c>/ethdev/stats</c>: <c>/synthex/stats</c>
/// (totals, drops by reason, mbufs in use), <c>/synthex/lcores</c> (per worker lcore) and
/// <c>/synthex/ports</c> (per port: name, driver, MAC, link, queues, counters), registered with
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
    private static volatile IReadOnlyList<DpdkPort>? s_ports;
    private static volatile MbufPools? s_pools;

    /// <summary>Points the commands at this run's counters, ports and pools; registers them on the first call.</summary>
    public static void Register(IReadOnlyList<WorkerCounters> counters, IReadOnlyList<DpdkPort> ports, MbufPools pools, TextWriter log)
    {
        bool first = s_counters is null;
        s_counters = counters;
        s_ports = ports;
        s_pools = pools;
        if (!first) return;
        try
        {
            int a, b, c;
            fixed (byte* stats = "/synthex/stats"u8, statsHelp = "synthex totals: packets, bytes, drops by reason. No parameters."u8)
                a = RegisterCmd(stats, &Stats, statsHelp);
            fixed (byte* lcores = "/synthex/lcores"u8, lcoresHelp = "synthex per worker lcore: rx, tx, dropped, polls, empty polls. No parameters."u8)
                b = RegisterCmd(lcores, &Lcores, lcoresHelp);
            fixed (byte* portsCmd = "/synthex/ports"u8, portsHelp = "synthex per port: name, driver, mac, link, queues, rx/tx/missed/errors. Parameter: a port id (all ports without)."u8)
                c = RegisterCmd(portsCmd, &Ports, portsHelp);
            if (a != 0 || b != 0 || c != 0) log.WriteLine($"synthex: DPDK telemetry commands not registered ({a}, {b}, {c})");
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
            // Mbufs out of their pools, summed and per pool (rte_mempool_in_use_count, read now).
            var pools = s_pools?.Read() ?? [];
            Add(data, "mbuf_in_use"u8, pools.Sum(p => p.InUse));
            Add(data, "mbuf_capacity"u8, pools.Sum(p => p.Capacity));
            foreach (var pool in pools)
            {
                int n = System.Text.Encoding.ASCII.GetBytes($"mbuf_in_use_{pool.Name}", name);
                name[n] = 0;
                Add(data, name, pool.InUse);
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

    /// <summary>
    /// <c>/synthex/ports</c>: without a parameter a dict of ports by id, each a dict; with one
    /// (<c>/synthex/ports,0</c>) that port's dict alone, as <c>/ethdev/stats,0</c> answers.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Ports(byte* cmd, byte* parameters, void* data)
    {
        try
        {
            var ports = s_ports ?? [];
            string? parameter = parameters is null ? null : Marshal.PtrToStringUTF8((nint)parameters);
            if (!string.IsNullOrWhiteSpace(parameter))
            {
                if (!int.TryParse(parameter, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id)) return -22; // -EINVAL
                var port = ports.FirstOrDefault(p => p.Id == id);
                if (port is null) return -22;
                StartDict(data);
                WritePort(data, port);
                return 0;
            }
            StartDict(data);
            Span<byte> key = stackalloc byte[8];
            foreach (var port in ports)
            {
                void* inner = Alloc();
                if (inner is null) return -12; // -ENOMEM
                StartDict(inner);
                WritePort(inner, port);
                int n = System.Text.Encoding.ASCII.GetBytes(port.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), key);
                key[n] = 0;
                fixed (byte* k = key)
                    if (AddDictContainer(data, k, inner, keep: 0) != 0) { Free(inner); return -12; }
            }
            return 0;
        }
        catch (Exception)
        {
            return -1;
        }
    }

    private static void WritePort(void* d, DpdkPort port)
    {
        bool up = port.LinkUp(out uint speed);
        var s = port.ReadStats(extended: false);
        AddString(d, "name"u8, port.Name);
        AddString(d, "driver"u8, port.Driver);
        AddString(d, "mac"u8, new MacAddress(port.Mac).ToString());
        AddString(d, "link"u8, up ? "up" : "down");
        Add(d, "speed_mbps"u8, speed);
        Add(d, "socket"u8, port.Socket);
        Add(d, "rx_queues"u8, port.RxQueues);
        Add(d, "tx_queues"u8, port.TxQueues);
        Add(d, "rx_descriptors"u8, port.RxDescriptors);
        Add(d, "tx_descriptors"u8, port.TxDescriptors);
        Add(d, "rx_packets"u8, s.RxPackets);
        Add(d, "tx_packets"u8, s.TxPackets);
        Add(d, "rx_bytes"u8, s.RxBytes);
        Add(d, "tx_bytes"u8, s.TxBytes);
        Add(d, "rx_missed"u8, s.RxMissed);
        Add(d, "rx_errors"u8, s.RxErrors);
        Add(d, "tx_errors"u8, s.TxErrors);
        Add(d, "rx_nombuf"u8, s.RxNoMbuf);
    }

    /// <param name="name">NUL-terminated (a u8 literal is, past its span).</param>
    private static void AddString(void* data, ReadOnlySpan<byte> name, string value)
    {
        Span<byte> text = stackalloc byte[64]; // RTE_TEL_MAX_STRING_LEN is 128: names, drivers and MACs fit
        int n = System.Text.Encoding.UTF8.GetBytes(value.Length > 63 ? value[..63] : value, text);
        text[n] = 0;
        fixed (byte* k = name, v = text) AddDictString(data, k, v);
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

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_add_dict_string")]
    private static partial int AddDictString(void* data, byte* name, byte* value);

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_alloc")]
    private static partial void* Alloc();

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_free")]
    private static partial void Free(void* data);

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_add_dict_container")]
    private static partial int AddDictContainer(void* data, byte* name, void* value, int keep);

    [LibraryImport(Lib, EntryPoint = "rte_tel_data_add_dict_u64")]
    private static partial int AddDictU64(void* data, byte* name, ulong value);
}
