namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>forward</c>: port to port, in modes io, macswap and l2fwd, over a topology of paired
/// ports (0↔1, 2↔3), one port looping to itself, or an explicit map.
/// </summary>
public sealed class ForwardApp : AppDescriptor
{
    public override string Name => "forward";
    public override string Summary => "port to port; modes io (untouched), macswap (swap MACs), l2fwd (peer/own MACs)";
    public override IReadOnlyList<string> Modes => ["io", "macswap", "l2fwd"];
    public override BackendLayers Layers => BackendLayers.Frames;

    public override TResult CreateFrameApp<TResult>(FrameAppContext context, IFrameAppConsumer<TResult> consumer)
    {
        var map = PortMap.Build(context.Options, context.Ports);
        switch (ResolveMode(context.Options.Mode))
        {
            case "io":
                return consumer.Accept(new ForwardIo(map));
            case "macswap":
                return consumer.Accept(new ForwardMacSwap(map));
            default:
                var own = new MacTable();
                var peers = new MacTable();
                // DPDK l2fwd's default peer: 02:00:00:00:00:<port id>.
                for (int p = 0; p < FrameMeta.MaxPorts; p++) peers[p] = 0x020000000000UL | (uint)p;
                foreach (var port in context.Ports) own[port.Id] = port.Mac;
                if (context.Options.PeerMacs is { } text)
                    foreach (var (port, mac) in MacTable.ParsePeers(text)) peers[port] = mac;
                return consumer.Accept(new ForwardL2Fwd(map, own, peers));
        }
    }
}
