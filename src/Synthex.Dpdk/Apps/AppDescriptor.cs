namespace Synthex.Dpdk.Apps;

/// <summary>
/// Receives the app struct chosen at start-up. A backend implements this to get back the app's
/// concrete type as a generic argument, so its worker loop is compiled once per app (the JIT
/// specializes generic methods over structs) and <see cref="IFrameApp.Process"/> is a direct,
/// inlinable call.
/// </summary>
public interface IFrameAppConsumer<out TResult>
{
    TResult Accept<TApp>(TApp app) where TApp : struct, IFrameApp;
}

/// <summary>The <see cref="IDatagramApp"/> twin of <see cref="IFrameAppConsumer{TResult}"/>.</summary>
public interface IDatagramAppConsumer<out TResult>
{
    TResult Accept<TApp>(TApp app) where TApp : struct, IDatagramApp;
}

/// <summary>What an L2 app may need to know about the ports when it is created.</summary>
public sealed record FrameAppContext(AppOptions Options, IReadOnlyList<PortInfo> Ports);

/// <summary>
/// A built-in application: its name, modes, which layers it handles, and how to make its struct.
/// Registered in <see cref="AppCatalog"/>.
/// </summary>
public abstract class AppDescriptor
{
    public abstract string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    public abstract string Summary { get; }

    /// <summary>Modes (<c>--mode</c>), empty when the app has none; the first is the default.</summary>
    public virtual IReadOnlyList<string> Modes => [];

    /// <summary>The mode a run uses: the one asked for, else the default (null when the app has none).</summary>
    public string? ResolveMode(string? asked) => asked ?? (Modes.Count > 0 ? Modes[0] : null);

    /// <summary><see cref="BackendLayers.Frames"/> when it implements <see cref="IFrameApp"/>, <see cref="BackendLayers.Datagrams"/> for <see cref="IDatagramApp"/>.</summary>
    public abstract BackendLayers Layers { get; }

    /// <summary>
    /// Makes the L2 app for a run and hands it to <paramref name="consumer"/>. Called once per
    /// worker. A datagram app has none of its own: the pipeline puts it behind the endpoint
    /// stage (<c>FrameApps.Create</c>).
    /// </summary>
    /// <exception cref="ConfigurationException">The settings do not fit the ports (e.g. odd port count for paired topology).</exception>
    public virtual TResult CreateFrameApp<TResult>(FrameAppContext context, IFrameAppConsumer<TResult> consumer)
        => throw new ConfigurationException("app", $"app '{Name}' does not handle L2 frames");

    /// <summary>
    /// Workers the app can run on (an OS backend's <c>--workers</c>, the DPDK worker lcores): an
    /// app whose state cannot be split over workers says how many it takes, and more is refused at
    /// start (exit 2). Every built-in app takes any number (consensus hands a (job, session)'s
    /// contributions to the worker that owns it).
    /// </summary>
    public virtual int MaxWorkers => int.MaxValue;

    /// <summary>
    /// Opens what one run of the app shares across its workers (a loaded matrix, a compute thread)
    /// before the backend starts, and returns the descriptor the run uses (disposed after it when
    /// it is <see cref="IDisposable"/>). Default: this descriptor, nothing to open.
    /// </summary>
    /// <exception cref="ConfigurationException">A file or value the app needs is wrong (exit 2).</exception>
    /// <exception cref="EnvironmentException">The host cannot hold it (exit 3).</exception>
    public virtual AppDescriptor Open(AppOptions options, TextWriter log) => this;

    /// <summary>Whether the app reloads its state on request (SIGHUP): similarity's matrix. RunHost routes SIGHUP only to such apps.</summary>
    public virtual bool Reloads => false;

    /// <summary>
    /// Asks an opened app to reload (SIGHUP): returns at once, the reload runs on the app's own
    /// thread and is logged. False when the app has nothing to reload.
    /// </summary>
    public virtual bool RequestReload(string cause) => false;

    /// <summary>
    /// Lets a reload in progress finish and takes no more requests. Called once the workers have
    /// stopped and before the final report is read, so the report names one whole state (a
    /// SIGTERM during a matrix reload once reported version 2 with no reload counted).
    /// </summary>
    public virtual void StopReloading() { }

    /// <summary>The app's own counters by name, for the report (empty for apps without).</summary>
    public virtual IReadOnlyList<KeyValuePair<string, long>> ServiceCounters() => [];

    /// <summary>
    /// The app's latency histograms by name (consensus: <c>round</c>; similarity: <c>query</c>), read
    /// when collected: the meter's <c>synthex.service.latency.seconds.*</c>, the report's <c>latency</c>.
    /// </summary>
    public virtual IReadOnlyList<KeyValuePair<string, HistogramSnapshot>> ServiceHistograms() => [];

    /// <summary>Makes the UDP app for a run and hands it to <paramref name="consumer"/>. Called once per worker.</summary>
    public virtual TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => throw new ConfigurationException("app", $"app '{Name}' does not handle UDP datagrams");
}
