using Synthex.Protocol;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>--app consensus,similarity</c>: both services in one instance behind one service port, a
/// datagram chosen by its operation (<see cref="OperationDispatch{TFirst, TSecond}"/>): QUERY and
/// PROJECT to similarity, everything else (CONTRIBUTE, an unknown operation, a datagram too short
/// to say) to consensus, which answers or drops it as it does alone.
/// </summary>
/// <remarks>
/// Each app keeps its own options, its own <see cref="AppDescriptor.Open"/>ed state and counters;
/// the report carries both counter sets, each name prefixed with its app (<c>consensus.rounds</c>,
/// <c>similarity.queries</c>). The pair runs on as many workers as the stricter app allows
/// (both take any number).
/// </remarks>
public sealed class CombinedApp(AppDescriptor first, AppDescriptor second) : AppDescriptor, IDisposable
{
    /// <summary>The one pair the catalogue combines, in this order (the first takes what is not the second's).</summary>
    public static readonly (string First, string Second) Supported = ("consensus", "similarity");

    /// <summary>The operations the second app (similarity) is handed.</summary>
    public static OperationSet SecondOperations => OperationSet.Of(Operation.Query, Operation.Project);

    public AppDescriptor First => first;
    public AppDescriptor Second => second;

    public override string Name => $"{first.Name},{second.Name}";
    public override string Summary => $"{first.Name} and {second.Name} in one instance, chosen per datagram by operation (QUERY/PROJECT → {second.Name}, the rest → {first.Name})";
    public override BackendLayers Layers => BackendLayers.Datagrams;
    public override int MaxWorkers => Math.Min(first.MaxWorkers, second.MaxWorkers);

    /// <summary>Opens both apps (the matrix, the collector) and returns the pair bound to them.</summary>
    public override AppDescriptor Open(AppOptions options, TextWriter log)
    {
        var a = first.Open(options, log);
        try
        {
            return new CombinedApp(a, second.Open(options, log));
        }
        catch
        {
            (a as IDisposable)?.Dispose();
            throw;
        }
    }

    public override IReadOnlyList<KeyValuePair<string, long>> ServiceCounters()
        => [.. Prefixed(first), .. Prefixed(second)];

    public override IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> ServiceHistograms()
        => [.. first.ServiceHistograms().Select(kv => KeyValuePair.Create($"{first.Name}.{kv.Key}", kv.Value)),
            .. second.ServiceHistograms().Select(kv => KeyValuePair.Create($"{second.Name}.{kv.Key}", kv.Value))];

    public override bool Reloads => first.Reloads || second.Reloads;

    /// <summary>Forwarded to each app (not short-circuited: both reload when both can).</summary>
    public override bool RequestReload(string cause) => first.RequestReload(cause) | second.RequestReload(cause);

    public override void StopReloading()
    {
        first.StopReloading();
        second.StopReloading();
    }

    /// <summary>Disposes what <see cref="Open"/> opened (nothing for the catalogue's entry, whose apps are not opened).</summary>
    public void Dispose()
    {
        try
        {
            (second as IDisposable)?.Dispose();
        }
        finally
        {
            (first as IDisposable)?.Dispose();
        }
    }

    private static IEnumerable<KeyValuePair<string, long>> Prefixed(AppDescriptor app)
        => app.ServiceCounters().Select(kv => new KeyValuePair<string, long>($"{app.Name}.{kv.Key}", kv.Value));

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => first.CreateDatagramApp(options, new FirstConsumer<TResult>(second, options, consumer));

    // Two hops to get both struct types back as generic arguments: the first app's, then the second's.
    private sealed class FirstConsumer<TResult>(AppDescriptor second, AppOptions options, IDatagramAppConsumer<TResult> consumer)
        : IDatagramAppConsumer<TResult>
    {
        public TResult Accept<TFirst>(TFirst app) where TFirst : struct, IDatagramApp
            => second.CreateDatagramApp(options, new SecondConsumer<TFirst, TResult>(app, consumer));
    }

    private sealed class SecondConsumer<TFirst, TResult>(TFirst first, IDatagramAppConsumer<TResult> consumer) : IDatagramAppConsumer<TResult>
        where TFirst : struct, IDatagramApp
    {
        public TResult Accept<TSecond>(TSecond app) where TSecond : struct, IDatagramApp
            => consumer.Accept(new OperationDispatch<TFirst, TSecond>(first, app, SecondOperations));
    }
}
