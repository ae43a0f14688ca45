namespace Synthex.Dpdk.Runtime;

/// <summary>Opens the DPDK backend: EAL init from the arguments after <c>--</c>, then port discovery.</summary>
public sealed class DpdkBackendProvider : IBackendProvider
{
    public string Name => "dpdk";
    public BackendLayers Layers => BackendLayers.Frames;

    public IBackend? TryOpen(RunSettings settings, out string whyNot)
    {
        // TODO(issue 3): EAL runtime lands once the shim and bindings are committed.
        whyNot = "the DPDK runtime is not built yet";
        return null;
    }
}
