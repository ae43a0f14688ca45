using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// The one boundary where DPDK's status codes become exceptions: every failed setup call names
/// the port, the call, <c>rte_strerror</c> and what to try. Throw helpers stay out of the callers
/// so their bodies stay small.
/// </summary>
internal static unsafe class DpdkError
{
    /// <summary><c>rte_strerror(code)</c>, code positive or negative.</summary>
    public static string StrError(int code) => Marshal.PtrToStringUTF8((nint)Eal.rte_strerror(Math.Abs(code))) ?? $"error {code}";

    /// <summary>Throws unless <paramref name="result"/> is 0 or positive.</summary>
    public static void Check(int result, string call, string? port = null)
    {
        if (result < 0) Throw(result, call, port);
    }

    [DoesNotReturn]
    public static void Throw(int code, string call, string? port = null)
        => throw new EnvironmentException($"{(port is null ? "" : $"port {port}: ")}{call} failed: {StrError(code)} ({Math.Abs(code)}){Hint(Math.Abs(code), call)}");

    /// <summary>What to try for a failed call.</summary>
    // The errno values DPDK returns (negated) that deserve a specific hint.
    public static string Hint(int errno, string call) => (errno, call) switch
    {
        (Errno.ENOMEM or Errno.ENOSPC, _) => "; no free hugepages (or too few): run ./hugepages-setup.sh, or add --no-huge to the EAL arguments for a test run",
        (Errno.EACCES, _) => "; permission denied: run as root (hugepages and device access need it), or --no-huge for virtual devices",
        (Errno.EPERM, "rte_eth_dev_start") => "; the device refused to start: for memif or vhost-user, is the peer there and the socket path right? For a NIC, run as root and check its binding (dpdk-devbind.py --status)",
        (Errno.EPERM, _) => "; operation not permitted: run as root (hugepages and device access need it)",
        (Errno.EALREADY, "rte_eal_init") => "; EAL is already initialised in this process",
        (Errno.EINVAL, "rte_eal_init") => "; check the EAL arguments after -- (e.g. -l 0,1 --vdev net_null0)",
        (Errno.ENODEV or Errno.ENOENT, "rte_eal_init") => "; a device or driver named in the EAL arguments was not found: check --vdev/-a names (dpdk-devbind.py --status)",
        (Errno.EBUSY, _) => "; the device is in use: another DPDK process may hold it (give each a distinct --file-prefix)",
        (Errno.ENOTSUP, _) => "; the driver does not support this: try fewer queues or the defaults",
        (Errno.EIO, _) => "; the device reported an I/O error: check the NIC and its binding (dpdk-devbind.py --status)",
        (Errno.EINVAL, _) => "; the driver rejected the value: try the defaults (--rx-queues 1, --rx-descriptors 1024)",
        _ => "",
    };

    /// <summary>The thread's rte_errno.</summary>
    public static int RteErrno => Shim.sx_errno();
}
