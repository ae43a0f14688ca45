using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Smoke;

/// <summary>
/// sx_lcore_id imported again without [SuppressGCTransition], to put a number on what the
/// attribute saves per call (the --bench output's ns_per_transitioning_shim_call).
/// </summary>
internal static partial class TransitioningShim
{
    [LibraryImport(Libraries.Shim)]
    public static partial uint sx_lcore_id();
}
