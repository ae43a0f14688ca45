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

    /// <summary>
    /// Whether this process started with SIGINT ignored: a background job of a non-interactive
    /// shell (<c>cmd &amp;</c> in a script) or nohup sets that, children inherit it, and .NET keeps
    /// it, so Ctrl-C/SIGINT cannot stop the run; SIGTERM still does. Read from
    /// <c>/proc/self/status</c> (<c>SigIgn</c>, bit 1 is signal 2).
    /// </summary>
    public static bool SigintIgnored()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                    return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
        }
        catch (IOException) { }
        return false;
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
    }
}
