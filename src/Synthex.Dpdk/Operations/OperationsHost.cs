namespace Synthex.Dpdk.Operations;

/// <summary>
/// Everything an operator reaches a running instance through, opened by the runtime's <c>RunHost</c>
/// before the workers start and closed after they stop: the <see cref="SynthexMeter"/> (always:
/// <c>dotnet-counters</c> can attach to any run), the Prometheus endpoint (<c>--metrics</c>) and
/// the control socket (<c>synthex status</c>).
/// </summary>
public sealed class OperationsHost : IDisposable
{
    private readonly SynthexMeter _meter;
    private readonly PrometheusEndpoint? _metrics;
    private readonly ControlSocket? _control;

    private OperationsHost(LiveState state, SynthexMeter meter, PrometheusEndpoint? metrics, ControlSocket? control, SystemdNotifier? systemd)
    {
        State = state;
        _meter = meter;
        _metrics = metrics;
        _control = control;
        Systemd = systemd;
    }

    /// <summary>systemd's notification socket (<c>NOTIFY_SOCKET</c>, <c>Type=notify</c>), or null when not run by systemd.</summary>
    public SystemdNotifier? Systemd { get; }

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
    /// <param name="metrics"><c>--metrics</c>, or null.</param>
    /// <param name="runDir"><c>--run-dir</c>, or null for <see cref="RunDirectory.Resolve"/>'s default.</param>
    /// <param name="socketRequired">The name or directory was given: a control socket that cannot be opened stops the run.</param>
    public static OperationsHost Open(LiveState state, string? metrics, string? runDir, bool socketRequired, TextWriter log)
    {
        string name = state.Name;
        var meter = new SynthexMeter(state);
        PrometheusEndpoint? endpoint = null;
        ControlSocket? control = null;
        try
        {
            if (metrics is not null)
            {
                endpoint = PrometheusEndpoint.Start(metrics, name);
                log.WriteLine($"synthex: metrics at {endpoint.Url}");
            }
            string path = RunDirectory.SocketPath(RunDirectory.Resolve(runDir), name);
            string? url = endpoint?.Url;
            try
            {
                control = ControlSocket.Open(path, () => StatusDocument.Write(state, url));
                log.WriteLine($"synthex: status with 'synthex status --name {name}' (control socket {path})");
            }
            catch (EnvironmentException e) when (!socketRequired)
            {
                log.WriteLine($"synthex: no control socket, 'synthex status' will not see this run: {e.Message}");
            }
            return new OperationsHost(state, meter, endpoint, control, SystemdNotifier.FromEnvironment(log));
        }
        catch
        {
            control?.Dispose();
            endpoint?.Dispose();
            meter.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Systemd?.Dispose();
        _control?.Dispose();
        _metrics?.Dispose();
        _meter.Dispose();
    }
}
