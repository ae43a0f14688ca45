using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Kernels.Reference;

/// <summary>
/// DPDK 22.11's own inline helpers, re-exported by the native shim (native/, libsynthex_shim.so),
/// as the reference the kernels must match bit for bit. Shared by the tests and the benchmarks.
/// The calls are short, never block and never call back, so the GC transition is suppressed:
/// the benchmarks then measure DPDK's C, not the P/Invoke frame.
/// </summary>
internal static unsafe partial class DpdkReference
{
    private const string Library = "synthex_shim";

    [LibraryImport(Library, EntryPoint = "sx_raw_cksum"), SuppressGCTransition]
    internal static partial ushort RawCksum(void* buf, nuint len);

    [LibraryImport(Library, EntryPoint = "sx_ipv4_cksum"), SuppressGCTransition]
    internal static partial ushort Ipv4Cksum(void* ipv4Header);

    [LibraryImport(Library, EntryPoint = "sx_ipv4_udptcp_cksum"), SuppressGCTransition]
    internal static partial ushort Ipv4UdpTcpCksum(void* ipv4Header, void* l4Header);

    [LibraryImport(Library, EntryPoint = "sx_ipv6_udptcp_cksum"), SuppressGCTransition]
    internal static partial ushort Ipv6UdpTcpCksum(void* ipv6Header, void* l4Header);

    /// <summary><c>rte_softrss</c>: <paramref name="inputTuple"/> is host-order 32-bit words, <paramref name="inputLen"/> counts words.</summary>
    [LibraryImport(Library, EntryPoint = "sx_softrss"), SuppressGCTransition]
    internal static partial uint SoftRss(uint* inputTuple, uint inputLen, byte* rssKey);

    /// <summary><c>rte_softrss_be</c>: as <see cref="SoftRss"/> with a key converted by <c>rte_convert_rss_key</c>.</summary>
    [LibraryImport(Library, EntryPoint = "sx_softrss_be"), SuppressGCTransition]
    internal static partial uint SoftRssBe(uint* inputTuple, uint inputLen, byte* rssKey);

    [LibraryImport(Library, EntryPoint = "sx_hash_crc"), SuppressGCTransition]
    internal static partial uint HashCrc(void* data, uint dataLen, uint initVal);
}
