namespace Synthex.Dpdk;

/// <summary>
/// The errno values the appliance acts on (Linux, asm-generic/errno*.h), in the root namespace
/// because both the OS backends (libc and io_uring results) and the DPDK backend (rte_errno and
/// the negated codes ethdev returns) read them, and neither may depend on the other.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ENOSYS = 38;
    public const int ETIME = 62;
    /// <summary>Also ENOTSUP: Linux gives both names this one value, and DPDK returns it as -ENOTSUP.</summary>
    public const int EOPNOTSUPP = 95;
    public const int ENOTSUP = EOPNOTSUPP;
    public const int EADDRINUSE = 98;
    public const int ENOBUFS = 105;
    public const int EALREADY = 114;
    public const int ECANCELED = 125;
}
