using System.Globalization;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// <c>--metrics [ADDR:]PORT</c>: serves the <see cref="SynthexMeter"/> at <c>http://ADDR:PORT/metrics</c>
/// in Prometheus' text exposition format through OpenTelemetry's Prometheus HttpListener exporter
/// (the served exporter, so names, units, escaping and <c># TYPE</c> lines follow its conventions
/// rather than ours). Bound to 127.0.0.1 unless an address is given.
/// </summary>
/// <remarks>
/// The exporter collects on each scrape (a pull reader), so the observable instruments are read
/// only when someone asks. Its response cache is turned off: two scrapes a second apart must show
/// two readings, and a scrape costs one counter capture (<see cref="LiveState.ReuseFor"/>).
/// </remarks>
public sealed class PrometheusEndpoint : IDisposable
{
    /// <summary>The path Prometheus scrapes by default.</summary>
    public const string Path = "/metrics";

    private readonly MeterProvider _provider;

    private PrometheusEndpoint(MeterProvider provider, IPEndPoint bound)
    {
        _provider = provider;
        Bound = bound;
    }

    /// <summary>The address and port served.</summary>
    public IPEndPoint Bound { get; }

    public string Url => $"http://{(Bound.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Bound.Address}]" : Bound.Address)}:{Bound.Port}{Path}";

    /// <summary>
    /// Starts serving; <see cref="EnvironmentException"/> (exit 3) when the address cannot be bound
    /// (the port is taken, the address is not this host's).
    /// </summary>
    public static PrometheusEndpoint Start(string text, string instanceName)
    {
        if (!TryParse(text, out var endpoint))
            throw new ConfigurationException("metrics", $"'{text}' is not [ADDR:]PORT (e.g. 9464, 127.0.0.1:9464 or [::1]:9464)");
        // HttpListener's own bind error surfaces late and wrapped; binding once ourselves first names
        // the real cause (EADDRINUSE, EADDRNOTAVAIL) the moment the run starts.
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(endpoint);
            probe.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new EnvironmentException($"--metrics {text}: cannot listen on {endpoint}: {e.Message}; choose another port or stop what holds it");
        }
        try
        {
            var provider = Sdk.CreateMeterProviderBuilder()
                // target_info says which service and instance; scope labels on every sample would only repeat "Synthex".
                .ConfigureResource(r => r.Clear().AddService("synthex", serviceInstanceId: instanceName))
                .AddMeter(SynthexMeter.MeterName)
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
                    o.Port = endpoint.Port;
                    o.ScrapeEndpointPath = Path;
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    o.ScopeInfoEnabled = false;
                })
                .Build();
            return new PrometheusEndpoint(provider, endpoint);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpListenerException or System.Net.Sockets.SocketException)
        {
            throw new EnvironmentException($"--metrics {text}: cannot serve {endpoint}: {(e.InnerException ?? e).Message}");
        }
    }

    /// <summary><c>PORT</c> (on 127.0.0.1), <c>ADDR:PORT</c> or <c>[V6]:PORT</c>; port 1..65535.</summary>
    public static bool TryParse(string text, out IPEndPoint endpoint)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port))
        {
            if (port is < 1 or > 65535) return false;
            endpoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }
        if (!text.Contains(':') || !IPEndPoint.TryParse(text, out var parsed) || parsed.Port == 0) return false;
        endpoint = parsed;
        return true;
    }

    public void Dispose() => _provider.Dispose();
}
