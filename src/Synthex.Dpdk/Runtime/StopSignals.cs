using System.Runtime.InteropServices;
using Synthex.Dpdk.Pipeline;

namespace Synthex.Dpdk.Runtime;

/// <summary>
/// Routes SIGINT and SIGTERM to a <see cref="QuitFlag"/> instead of killing the process: the
/// handlers only set the flag, and the run drains and reports as it does at the end of its duration.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration _sigint, _sigterm;

    public StopSignals(QuitFlag quit)
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; quit.Request("SIGINT"); });
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; quit.Request("SIGTERM"); });
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
    }
}
