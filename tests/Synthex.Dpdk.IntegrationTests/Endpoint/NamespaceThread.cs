using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// Creates objects inside a named network namespace (<c>ip netns add NAME</c>) from this
/// process: a dedicated thread joins the namespace with <c>setns(2)</c> and runs the factory. A
/// socket belongs to the namespace of the thread that created it, for its whole life, so the
/// sockets the factory creates (a <c>ConsensusClient</c>'s, a relay's) stay in the namespace
/// while their async work runs on the thread pool, which is still in the root namespace. The
/// thread ends after the factory: a namespace change is per thread and leaves with it.
/// </summary>
internal static partial class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    public static T Create<T>(string netns, Func<T> factory)
    {
        T? created = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{netns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into network namespace '{netns}'");
                created = factory();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { Name = $"netns {netns}", IsBackground = true };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"creating inside network namespace '{netns}' failed", failure);
        return created!;
    }
}
