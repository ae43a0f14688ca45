using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Endpoint;

namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The frame app a worker over Ethernet ports (DPDK, the in-memory port) runs for an app from the
/// catalog: the app's own frame app, or, for a datagram app, the app behind the endpoint stage
/// with the run's addresses (<c>--address</c>), service port (<c>--listen</c>'s) and MTU.
/// </summary>
public static class FrameApps
{
    /// <summary>Makes the frame app for one worker and hands it to <paramref name="consumer"/>.</summary>
    public static TResult Create<TResult>(AppDescriptor app, FrameAppContext context, IFrameAppConsumer<TResult> consumer)
    {
        if ((app.Layers & BackendLayers.Frames) != 0) return app.CreateFrameApp(context, consumer);
        if ((app.Layers & BackendLayers.Datagrams) == 0)
            throw new ConfigurationException("app", $"app '{app.Name}' handles neither L2 frames nor UDP datagrams");
        return app.CreateDatagramApp(context.Options, new EndpointWrapper<TResult>(Addresses(context), context.Options, consumer));
    }

    /// <summary>The endpoint's addresses for the run: <see cref="AppOptions.Address"/> on each port, with the port's MAC.</summary>
    public static EndpointAddresses Addresses(FrameAppContext context)
        => new(OwnedAddress.ParseList(context.Options.Address),
               Enumerable.Range(0, FrameMeta.MaxPorts).Select(id => context.Ports.FirstOrDefault(p => p.Id == id)?.Mac ?? 0).ToArray());

    /// <summary>Puts a datagram app behind the endpoint stage and hands the stage on as the frame app.</summary>
    private sealed class EndpointWrapper<TResult>(EndpointAddresses addresses, AppOptions options, IFrameAppConsumer<TResult> consumer)
        : IDatagramAppConsumer<TResult>
    {
        public TResult Accept<TApp>(TApp app) where TApp : struct, IDatagramApp
            => consumer.Accept(new EndpointStage<TApp>(app, addresses, options.ServicePort, options.Mtu));
    }
}
