using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary><c>forward --mode io</c>: send the frame untouched out of the mapped port (testpmd's io mode).</summary>
public struct ForwardIo(PortMap map) : IOpaqueFrameApp
{
    private PortMap _map = map;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> frame, in FrameMeta meta)
    {
        ushort output = _map[meta.Port & (FrameMeta.MaxPorts - 1)];
        return output != PortMap.NoRoute ? Fate.Forward(output) : Fate.Drop(DropReason.NoRoute);
    }
}

/// <summary><c>forward --mode macswap</c>: swap source and destination MAC, then forward (testpmd's macswap).</summary>
public struct ForwardMacSwap(PortMap map) : IFrameApp
{
    private PortMap _map = map;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> frame, in FrameMeta meta)
    {
        if (frame.Length < EthernetHeader.Length) return Fate.Drop(DropReason.Runt);
        ushort output = _map[meta.Port & (FrameMeta.MaxPorts - 1)];
        if (output == PortMap.NoRoute) return Fate.Drop(DropReason.NoRoute);
        EthernetHeader.SwapMacs(frame);
        return Fate.Forward(output);
    }

    /// <summary>
    /// The burst path: the fate depends on the input port only and every frame of 16 bytes or
    /// more gets the same 16-byte shuffle as in <see cref="Process"/> (testpmd's macswap_sse).
    /// </summary>
    public static int HeadRewriteLength => 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HeadTemplate HeadTemplateFor(ushort output) => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RewriteHead(ref byte frame, HeadTemplate template) => EthernetHeader.SwapMacs16(ref frame);
}

/// <summary>
/// <c>forward --mode l2fwd</c>: destination MAC becomes the output port's configured peer, source
/// MAC the output port's own (DPDK's l2fwd with MAC updating on). Both are precomputed per output
/// port as one <see cref="HeadTemplate"/> (two stores per frame), and the app has the burst path.
/// </summary>
public struct ForwardL2Fwd : IFrameApp
{
    private PortMap _map;
    private HeadTemplateTable _heads;

    public ForwardL2Fwd(PortMap map, MacTable own, MacTable peers)
    {
        _map = map;
        for (int p = 0; p < FrameMeta.MaxPorts; p++)
            _heads[p] = HeadTemplate.OfMacs(new MacAddress(peers[p]), new MacAddress(own[p]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Fate Process(Span<byte> frame, in FrameMeta meta)
    {
        if (frame.Length < EthernetHeader.Length) return Fate.Drop(DropReason.Runt);
        ushort output = _map[meta.Port & (FrameMeta.MaxPorts - 1)];
        if (output == PortMap.NoRoute) return Fate.Drop(DropReason.NoRoute);
        _heads[output].WriteTo(ref MemoryMarshal.GetReference(frame));
        return Fate.Forward(output);
    }

    /// <summary>
    /// The burst path: the fate depends on the input port only, and every frame of a full
    /// Ethernet header or more gets its output port's template, as in <see cref="Process"/>.
    /// </summary>
    public static int HeadRewriteLength => EthernetHeader.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HeadTemplate HeadTemplateFor(ushort output) => _heads[output & (FrameMeta.MaxPorts - 1)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RewriteHead(ref byte frame, HeadTemplate template) => template.WriteTo(ref frame);
}
