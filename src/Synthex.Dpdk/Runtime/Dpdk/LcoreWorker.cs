using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// A worker running on an EAL lcore thread, launched with <c>rte_eal_remote_launch</c>. The
/// entry point is an <c>[UnmanagedCallersOnly]</c> function: the runtime attaches the lcore's
/// thread on first entry, and nothing may escape back into C, so any exception is kept here and
/// rethrown on the control thread by <see cref="Join"/>.
/// </summary>
internal sealed unsafe class LcoreWorker(uint lcore, IWorker worker) : IDisposable
{
    private GCHandle _self;
    private Exception? _failure;

    public uint Lcore { get; } = lcore;
    public IWorker Worker { get; } = worker;

    public void Launch()
    {
        _self = GCHandle.Alloc(this);
        int rc = Interop.Launch.rte_eal_remote_launch(&Entry, (void*)GCHandle.ToIntPtr(_self), Lcore);
        if (rc < 0) DpdkError.Throw(rc, $"rte_eal_remote_launch(lcore {Lcore})");
    }

    /// <summary>Waits for the lcore to return (the stop flag must be set first); rethrows a worker failure.</summary>
    public void Join()
    {
        Interop.Launch.rte_eal_wait_lcore(Lcore);
        if (_failure is not null) throw new InvalidOperationException($"worker on lcore {Lcore} failed: {_failure.Message}", _failure);
    }

    [UnmanagedCallersOnly]
    private static int Entry(void* arg)
    {
        var self = (LcoreWorker)GCHandle.FromIntPtr((nint)arg).Target!;
        try
        {
            Thread.CurrentThread.Name ??= $"lcore-{self.Lcore}";
            self.Worker.Run();
            return 0;
        }
        catch (Exception e)
        {
            self._failure = e;
            return -1;
        }
    }

    public void Dispose()
    {
        if (_self.IsAllocated) _self.Free();
        Worker.Dispose();
    }
}
