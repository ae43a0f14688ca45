namespace Synthex.Dpdk.Apps;

/// <summary>What a backend hands to applications.</summary>
[Flags]
public enum BackendLayers
{
    None = 0,
    /// <summary>Whole Ethernet frames (<see cref="IFrameApp"/>): DPDK ports.</summary>
    Frames = 1,
    /// <summary>UDP payloads with the peer address (<see cref="IDatagramApp"/>): kernel sockets, io_uring.</summary>
    Datagrams = 2,
}
