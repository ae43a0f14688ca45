using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// The quit flag. Workers read <see cref="IsRequested"/> once per loop iteration (a plain
/// volatile load, no fence on x64); SIGINT/SIGTERM handlers only set it, as DPDK's examples do.
/// </summary>
public sealed class StopSignal : IDisposable
{
    private volatile bool _requested;
    private readonly ManualResetEventSlim _event = new(false);
    private PosixSignalRegistration? _sigint, _sigterm;

    public bool IsRequested => _requested;

    /// <summary>Which signal asked us to stop, for the log; null when the duration ran out.</summary>
    public string? Cause { get; private set; }

    public void Request(string cause)
    {
        Cause ??= cause;
        _requested = true;
        _event.Set();
    }

    /// <summary>Waits until stop is requested or the timeout passes; true when requested.</summary>
    public bool Wait(TimeSpan timeout) => _event.Wait(timeout);

    /// <summary>Routes SIGINT and SIGTERM to <see cref="Request"/> instead of killing the process.</summary>
    public StopSignal HandleSignals()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; Request("SIGINT"); });
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; Request("SIGTERM"); });
        return this;
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
        _event.Dispose();
    }
}
