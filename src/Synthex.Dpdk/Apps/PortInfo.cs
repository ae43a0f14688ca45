namespace Synthex.Dpdk.Apps;

/// <summary>A port as the backend found it.</summary>
/// <param name="Id">Port id (DPDK port id; 0 for a socket).</param>
/// <param name="Name">Device name (<c>net_null0</c>, a PCI address, or ADDR:PORT).</param>
/// <param name="Mac">The port's own MAC in the low 48 bits (network order when written by <see cref="Packets.MacAddress"/>); 0 when none.</param>
/// <param name="Socket">NUMA socket, -1 when unknown.</param>
public sealed record PortInfo(int Id, string Name, ulong Mac, int Socket);
