namespace Synthex.Dpdk.Fallback;

/// <summary>
/// A stop request the control thread raises and workers poll once per loop iteration (a plain
/// volatile read, no lock). Workers blocked in the kernel wake within their wait timeout.
/// </summary>
internal sealed class StopFlag
{
    private volatile bool _requested;

    public bool Requested => _requested;

    public void Request() => _requested = true;
}
