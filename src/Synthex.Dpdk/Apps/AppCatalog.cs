using System.Diagnostics.CodeAnalysis;

namespace Synthex.Dpdk.Apps;

/// <summary>The built-in applications by name. New apps register here.</summary>
public static class AppCatalog
{
    private static readonly AppDescriptor[] Apps = [new ForwardApp(), new ReflectApp(), new FrameReflectApp(), new RendezvousApp(), new Consensus.ConsensusApp(), new SimilarityApp()];

    public static IReadOnlyList<AppDescriptor> All => Apps;

    /// <summary>"forward, reflect": for messages.</summary>
    public static string Names => string.Join(", ", Apps.Select(a => a.Name));

    /// <summary>
    /// An app by name, or the one supported pair <c>consensus,similarity</c> (both services in
    /// one instance, <see cref="CombinedApp"/>). A new <see cref="CombinedApp"/> per call: it is cheap and holds no state until opened.
    /// </summary>
    public static bool TryFind(string name, [NotNullWhen(true)] out AppDescriptor? app)
    {
        if (name.Contains(','))
        {
            app = null;
            string[] parts = name.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0] != CombinedApp.Supported.First || parts[1] != CombinedApp.Supported.Second) return false;
            app = new CombinedApp(Find(parts[0]), Find(parts[1]));
            return true;
        }
        app = Array.Find(Apps, a => a.Name == name);
        return app is not null;
    }

    /// <summary>"forward, reflect, ..., consensus,similarity": for messages.</summary>
    public static string NamesWithPairs => $"{Names}; both services in one instance: {CombinedApp.Supported.First},{CombinedApp.Supported.Second}";

    public static AppDescriptor Find(string name)
        => TryFind(name, out var app) ? app : throw new ConfigurationException("app", $"unknown app '{name}'; allowed: {NamesWithPairs}");
}
