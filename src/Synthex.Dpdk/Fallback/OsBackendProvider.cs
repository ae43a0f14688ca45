using Synthex.Dpdk.Fallback.IoUring;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// Opens an OS backend for <see cref="BackendSelector"/>. io-uring is refused, with the probe's
/// reason, when <see cref="IoUringSupport.Probe"/> finds a missing feature or io_uring forbidden;
/// the socket backend needs nothing but a UDP socket, so it is the last resort of <c>auto</c>.
/// </summary>
public sealed class OsBackendProvider(OsBackendKind kind) : IBackendProvider
{
    public static IBackendProvider IoUring { get; } = new OsBackendProvider(OsBackendKind.IoUring);
    public static IBackendProvider Socket { get; } = new OsBackendProvider(OsBackendKind.Socket);

    public string Name => NameOf(kind);
    public BackendLayers Layers => BackendLayers.Datagrams;

    public IBackend? TryOpen(RunSettings settings, out string whyNot)
    {
        if (kind == OsBackendKind.IoUring)
        {
            var support = IoUringSupport.Probe();
            if (!support.Usable)
            {
                whyNot = support.Reason;
                return null;
            }
        }
        whyNot = "";
        return new OsBackend(kind, settings);
    }

    /// <summary>The <c>--backend</c> name: <c>io-uring</c> or <c>socket</c>.</summary>
    public static string NameOf(OsBackendKind kind) => kind == OsBackendKind.IoUring ? "io-uring" : "socket";
}
