namespace Synthex.Dpdk.Pipeline;

/// <summary>
/// The quit flag, one type for every worker loop (DPDK lcores and OS workers alike). Workers read
/// <see cref="IsRequested"/> once per loop iteration (a plain volatile load, no fence on x64);
/// whoever asks to stop (the control thread at the end of the duration, a signal handler that
/// only sets it, as DPDK's examples do) calls <see cref="Request"/>. Workers blocked in the
/// kernel wake within their own wait timeout.
/// </summary>
public sealed class QuitFlag : IDisposable
{
    private volatile bool _requested;
    private readonly ManualResetEventSlim _event = new(false);

    public bool IsRequested => _requested;

    /// <summary>What asked us to stop ("SIGINT", "duration", ...), for the log; the first cause wins.</summary>
    public string? Cause { get; private set; }

    public void Request(string cause)
    {
        Cause ??= cause;
        _requested = true;
        _event.Set();
    }

    /// <summary>Waits until stop is requested or the timeout passes; true when requested.</summary>
    public bool Wait(TimeSpan timeout) => _event.Wait(timeout);

    public void Dispose() => _event.Dispose();
}
