using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Opens backends. One provider per backend; the command line hands the selector its list, best
/// first, so the runtime names no backend (the DPDK and OS backends depend on it, not it on them).
/// </summary>
public interface IBackendProvider
{
    /// <summary>"dpdk", "io-uring" or "socket".</summary>
    string Name { get; }

    /// <summary>What the backend would hand to apps (known without opening it).</summary>
    BackendLayers Layers { get; }

    /// <summary>
    /// Opens the backend (probing the host; for DPDK: EAL init and port discovery). Returns null
    /// with <paramref name="whyNot"/> saying what is missing and what to do when this host cannot
    /// run it; throws <see cref="ConfigurationException"/> for bad settings.
    /// </summary>
    IBackend? TryOpen(RunSettings settings, out string whyNot);
}

/// <summary>The opened backend and why it was chosen (or why better ones were passed over).</summary>
public sealed record BackendSelection(IBackend Backend, string Reason)
{
    /// <summary>When the backend was open (made right after it): the report's start-up "backend open" (for DPDK, EAL up).</summary>
    public long OpenedTimestamp { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();
}

/// <summary>
/// Chooses the backend for <c>--backend</c>: a named one or the best the host offers.
/// </summary>
public static class BackendSelector
{
    /// <summary>Values <c>--backend</c> accepts.</summary>
    public static readonly string[] Names = ["auto", "dpdk", "io-uring", "socket"];

    /// <summary>Opens the backend the settings ask for, from <paramref name="providers"/> (best first).</summary>
    /// <exception cref="ConfigurationException">The app needs what the named backend cannot give (exit 2).</exception>
    /// <exception cref="EnvironmentException">The named backend, or every backend for auto, is unusable here (exit 3).</exception>
    public static BackendSelection Open(RunSettings settings, IReadOnlyList<IBackendProvider> providers)
    {
        var app = AppCatalog.Find(settings.App);
        if (settings.Backend != "auto")
        {
            var provider = providers.FirstOrDefault(p => p.Name == settings.Backend)
                ?? throw new EnvironmentException($"backend '{settings.Backend}' is not built into this binary");
            CheckLayers(app, provider.Name, provider.Layers, settings.Backend);
            var backend = provider.TryOpen(settings, out string whyNot)
                ?? throw new EnvironmentException($"backend '{provider.Name}' cannot run here: {whyNot}");
            return new BackendSelection(backend, $"{provider.Name}: asked for with --backend");
        }

        var passedOver = new List<string>();
        foreach (var provider in providers)
        {
            if ((app.Layers & provider.Layers) == 0)
            {
                passedOver.Add($"{provider.Name}: gives {Describe(provider.Layers)}, app '{app.Name}' needs {Describe(app.Layers)}");
                continue;
            }
            var backend = provider.TryOpen(settings, out string whyNot);
            if (backend is not null)
            {
                string reason = passedOver.Count == 0
                    ? $"{provider.Name}: the best backend available"
                    : $"{provider.Name}: passed over {string.Join("; ", passedOver)}";
                return new BackendSelection(backend, reason);
            }
            passedOver.Add($"{provider.Name}: {whyNot}");
        }
        throw new EnvironmentException($"no backend can run app '{app.Name}' here: {string.Join("; ", passedOver)}");
    }

    /// <summary>"app needs L2 but backend gives L4" is a configuration error (exit 2).</summary>
    public static void CheckLayers(AppDescriptor app, string backendName, BackendLayers layers, string requested)
    {
        if ((app.Layers & layers) == 0)
            throw new ConfigurationException("backend",
                $"app '{app.Name}' needs {Describe(app.Layers)} but backend '{backendName}' gives {Describe(layers)}; " +
                (app.Layers.HasFlag(BackendLayers.Frames) ? "use --backend dpdk (or auto)" : "use --backend io-uring or socket"));
    }

    private static string Describe(BackendLayers layers) => layers switch
    {
        BackendLayers.Frames => "L2 frames",
        BackendLayers.Datagrams => "UDP datagrams",
        BackendLayers.Frames | BackendLayers.Datagrams => "L2 frames or UDP datagrams",
        _ => "nothing",
    };
}
