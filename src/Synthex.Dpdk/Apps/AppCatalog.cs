using System.Diagnostics.CodeAnalysis;

namespace Synthex.Dpdk.Apps;

/// <summary>The built-in applications by name. New apps register here.</summary>
public static class AppCatalog
{
    private static readonly AppDescriptor[] Apps = [new ForwardApp(), new ReflectApp(), new FrameReflectApp(), new RendezvousApp(), new Consensus.ConsensusApp(), new SimilarityApp()];

    public static IReadOnlyList<AppDescriptor> All => Apps;

    /// <summary>"forward, reflect": for messages.</summary>
    public static string Names => string.Join(", ", Apps.Select(a => a.Name));

    public static bool TryFind(string name, [NotNullWhen(true)] out AppDescriptor? app)
    {
        app = Array.Find(Apps, a => a.Name == name);
        return app is not null;
    }

    public static AppDescriptor Find(string name)
        => TryFind(name, out var app) ? app : throw new ConfigurationException("app", $"unknown app '{name}'; allowed: {Names}");
}
