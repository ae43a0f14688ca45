using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Telemetry;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// A packet I/O engine that runs one application over its ports: DPDK (<c>"dpdk"</c>), io_uring
/// (<c>"io-uring"</c>) or plain sockets (<c>"socket"</c>).
/// </summary>
/// <remarks>
/// <para><b>How a backend plugs in.</b> A backend comes with an <see cref="IBackendProvider"/>
/// handed to <see cref="BackendSelector.Open"/> by the command line. For <c>--backend NAME</c> the selector
/// asks that provider only; a refusal exits 3 with the provider's reason. For
/// <c>--backend auto</c> it asks the providers best first (dpdk, io-uring, socket), skips those
/// whose <see cref="BackendLayers"/> cannot host the app, and takes the first that opens; the
/// reasons the better ones gave are kept in <see cref="BackendSelection.Reason"/>, which the log
/// line and the report print.</para>
/// <para><b>Lifecycle</b>, driven by <see cref="RunHost"/> (which owns the live line, signals,
/// the duration and the report, so every backend reports identically):
/// the provider opens the backend (environment checks, EAL init, port discovery: failures are
/// <see cref="EnvironmentException"/>) → <see cref="Start"/> chooses the app once, sets up
/// queues and launches the workers, and returns once packets are being processed →
/// <see cref="Workers"/> and <see cref="ReadPortStats"/> are read by the stats thread while it
/// runs → <see cref="Stop"/> sets the quit flag, joins the workers and drains their TX buffers,
/// after which the counters are final and <c>rx = replied + absorbed + dropped</c> holds → <see cref="IDisposable.Dispose"/>
/// closes ports and releases the environment (e.g. <c>rte_eal_cleanup</c>).</para>
/// <para><b>Workers</b> must follow the hot-path rules: the app is a struct obtained through
/// <see cref="AppDescriptor.CreateFrameApp{TResult}"/> or
/// <see cref="AppDescriptor.CreateDatagramApp{TResult}"/> so the worker loop is specialized for
/// it; each worker writes only its own <see cref="WorkerCounters"/>.</para>
/// </remarks>
public interface IBackend : IDisposable
{
    /// <summary>"dpdk", "io-uring" or "socket": the name used by <c>--backend</c> and the report.</summary>
    string Name { get; }

    /// <summary>What this backend can hand to apps.</summary>
    BackendLayers Layers { get; }

    /// <summary>The ports (DPDK ports, or the bound socket address as one port) found when opened.</summary>
    IReadOnlyList<PortInfo> Ports { get; }

    /// <summary>
    /// Sets up queues, creates the app once per worker and launches the workers; returns when
    /// they are processing. Configuration errors throw <see cref="ConfigurationException"/>,
    /// environment errors <see cref="EnvironmentException"/>.
    /// </summary>
    void Start(RunSettings settings, AppDescriptor app);

    /// <summary>One counter block per worker, fixed once <see cref="Start"/> returns.</summary>
    IReadOnlyList<WorkerCounters> Workers { get; }

    /// <summary>Per-port counters as the device (or kernel) sees them; called by the stats thread.</summary>
    IReadOnlyList<PortStats> ReadPortStats(bool extended);

    /// <summary>The packet buffer pools and how much of each is in use now (DPDK's mbuf pools); none for backends without pools. Called by the stats thread.</summary>
    IReadOnlyList<PoolStats> ReadPools() => [];
    /// <summary>
    /// The <see cref="System.Diagnostics.Stopwatch"/> timestamp when <see cref="Start"/> had the ports
    /// up (devices started, links checked) and was about to launch the workers, for the report's
    /// start-up; 0 where the backend does not say (the runtime then takes <see cref="Start"/>'s return).
    /// </summary>
    long PortsUpTimestamp => 0;

    /// <summary>Quit flag, join workers, drain TX. Idempotent. Counters are final afterwards.</summary>
    void Stop();
}
