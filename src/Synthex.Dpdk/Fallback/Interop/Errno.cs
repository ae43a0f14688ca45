namespace Synthex.Dpdk.Fallback.Interop;

/// <summary>The errno values the OS backends act on (Linux, asm-generic/errno*.h).</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENOSYS = 38;
    public const int ENOBUFS = 105;
    public const int ETIME = 62;
    public const int ECANCELED = 125;
    public const int EOPNOTSUPP = 95;
}
