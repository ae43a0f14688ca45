using System.Runtime.CompilerServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps.RateLimit;

/// <summary>
/// A datagram app behind the per-source rate limit: a datagram from a source over its rate is
/// dropped as <see cref="DropReason.RateLimited"/> before the app sees it; the rest go to the app
/// unchanged. Here, in front of the app, it covers every backend alike (DPDK behind the endpoint,
/// io_uring, sockets) and only datagrams to the service: ARP, neighbour discovery and echo are the
/// endpoint's and are not limited.
/// </summary>
/// <remarks>
/// A struct around the app's struct, so the limiter check and the app's call are direct and
/// inlined (no virtual call); origination, poll and stop are forwarded as the app declares them.
/// </remarks>
public struct RateLimited<TApp>(TApp app, SourceRateLimiter limiter) : IDatagramApp
    where TApp : struct, IDatagramApp
{
    private TApp _app = app;

    public readonly TApp Inner => _app;

    public static bool Originates => TApp.Originates;
    public static bool Polls => TApp.Polls;
    public static bool AttachesWorker => TApp.AttachesWorker;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
        => limiter.Allow(meta.Peer.Remote) ? _app.Process(buffer, length, meta) : DatagramVerdict.Drop(DropReason.RateLimited);

    public void AttachWorker()
    {
        if (TApp.AttachesWorker) _app.AttachWorker();
    }

    public void Poll(long timestamp)
    {
        if (TApp.Polls) _app.Poll(timestamp);
    }

    public void Stop()
    {
        if (TApp.Polls) _app.Stop();
    }

    public readonly int PendingOriginations => TApp.Originates ? _app.PendingOriginations : 0;

    public int Originate(Span<byte> payload, out DatagramPeer to)
    {
        if (TApp.Originates) return _app.Originate(payload, out to);
        to = default;
        return -1;
    }
}

/// <summary>
/// An opened datagram app with <c>--rate-limit</c>: the same app, each worker's struct wrapped in
/// <see cref="RateLimited{TApp}"/> over one <see cref="SourceRateLimiter"/> the workers share.
/// Everything else is the inner app's; its counters gain <c>rate_limit.evictions</c> and
/// <c>rate_limit.sources_in_debt</c> (the drops themselves are the workers' <c>rate_limited</c>).
/// </summary>
public sealed class RateLimitedApp(AppDescriptor inner, SourceRateLimiter limiter) : AppDescriptor, IDisposable
{
    public AppDescriptor Inner => inner;
    public SourceRateLimiter Limiter => limiter;

    /// <summary>The app as opened, wrapped when <paramref name="spec"/> is given (datagram apps only: frame apps have no source to limit).</summary>
    public static AppDescriptor Wrap(AppDescriptor opened, RateLimitSpec? spec)
        => spec is { } s && (opened.Layers & BackendLayers.Datagrams) != 0 ? new RateLimitedApp(opened, new SourceRateLimiter(s)) : opened;

    public override string Name => inner.Name;
    public override string Summary => inner.Summary;
    public override IReadOnlyList<string> Modes => inner.Modes;
    public override BackendLayers Layers => inner.Layers;
    public override int MaxWorkers => inner.MaxWorkers;
    public override bool Reloads => inner.Reloads;
    public override bool RequestReload(string cause) => inner.RequestReload(cause);

    public override AppDescriptor Open(AppOptions options, TextWriter log) => new RateLimitedApp(inner.Open(options, log), limiter);

    public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters()
        => [.. inner.ServiceCounters(), new("rate_limit.evictions", limiter.Evictions), new("rate_limit.sources_in_debt", limiter.SourcesInDebt())];

    public override TResult CreateFrameApp<TResult>(FrameAppContext context, IFrameAppConsumer<TResult> consumer)
        => inner.CreateFrameApp(context, consumer);

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => inner.CreateDatagramApp(options, new Wrapper<TResult>(limiter, consumer));

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private sealed class Wrapper<TResult>(SourceRateLimiter limiter, IDatagramAppConsumer<TResult> consumer) : IDatagramAppConsumer<TResult>
    {
        public TResult Accept<TApp>(TApp app) where TApp : struct, IDatagramApp
            => consumer.Accept(new RateLimited<TApp>(app, limiter));
    }
}
