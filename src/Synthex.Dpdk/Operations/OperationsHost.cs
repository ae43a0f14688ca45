using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// Everything an operator reaches a running instance through, opened by <see cref="RunHost"/>
/// before the workers start and closed after they stop: the <see cref="SynthexMeter"/> (always:
/// <c>dotnet-counters</c> can attach to any run), the Prometheus endpoint (<c>--metrics</c>) and
/// the control socket (<c>synthex status</c>).
/// </summary>
public sealed class OperationsHost : IDisposable
{
    private readonly SynthexMeter _meter;
    private readonly PrometheusEndpoint? _metrics;
    private readonly ControlSocket? _control;

    private OperationsHost(LiveState state, SynthexMeter meter, PrometheusEndpoint? metrics, ControlSocket? control)
    {
        State = state;
        _meter = meter;
        _metrics = metrics;
        _control = control;
    }

    public LiveState State { get; }

    /// <summary>The scrape URL, or null without <c>--metrics</c>.</summary>
    public string? MetricsUrl => _metrics?.Url;

    /// <summary>The control socket's path, or null when it could not be opened (see the log).</summary>
    public string? ControlPath => _control?.Path;

    /// <summary>The instance name when none is given: the app and the process id (unique on the host).</summary>
    public static string DefaultName(string app) => $"{app}-{Environment.ProcessId}";

    /// <summary>
    /// Opens the meter, the endpoint and the socket. A busy <c>--metrics</c> port, or a control
    /// socket that cannot be opened under an explicit <c>--name</c>, is an
    /// <see cref="EnvironmentException"/> (exit 3); under the default name the run goes on
    /// without the socket and says so, since nobody asked for it by name.
    /// </summary>
    public static OperationsHost Open(RunSettings settings, AppDescriptor app, string? mode, IBackend backend, string backendReason, TextWriter log)
    {
        string name = settings.Name ?? DefaultName(app.Name);
        var state = new LiveState(name, app, mode, backend, backendReason);
        var meter = new SynthexMeter(state);
        PrometheusEndpoint? metrics = null;
        ControlSocket? control = null;
        try
        {
            if (settings.Metrics is not null)
            {
                metrics = PrometheusEndpoint.Start(settings.Metrics);
                log.WriteLine($"synthex: metrics at {metrics.Url}");
            }
            string path = RunDirectory.SocketPath(RunDirectory.Resolve(settings.RunDir), name);
            string? url = metrics?.Url;
            try
            {
                control = ControlSocket.Open(path, () => StatusDocument.Write(state, url));
                log.WriteLine($"synthex: status with 'synthex status --name {name}' (control socket {path})");
            }
            catch (EnvironmentException e) when (settings.Name is null && settings.RunDir is null)
            {
                log.WriteLine($"synthex: no control socket, 'synthex status' will not see this run: {e.Message}");
            }
            return new OperationsHost(state, meter, metrics, control);
        }
        catch
        {
            control?.Dispose();
            metrics?.Dispose();
            meter.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _control?.Dispose();
        _metrics?.Dispose();
        _meter.Dispose();
    }
}
