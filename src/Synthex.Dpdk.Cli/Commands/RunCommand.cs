using Synthex.Dpdk.Cli.Configuration;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Runtime.Dpdk;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary><c>synthex run</c>: bind and validate settings, open a backend, run, report.</summary>
internal static class RunCommand
{
    /// <summary>
    /// The backends this binary carries, best first (the order <c>--backend auto</c> tries them):
    /// the command line injects them, so the runtime names none.
    /// </summary>
    internal static readonly IBackendProvider[] Backends =
        [new DpdkBackendProvider(), OsBackendProvider.IoUring, OsBackendProvider.Socket];

    public static int Execute(string? configFile, IReadOnlyDictionary<string, string> options, IReadOnlyList<string> ealArgs,
                              TextWriter output, TextWriter error)
    {
        RunSettings settings;
        try
        {
            settings = SettingsBinder.Bind(configFile, options, ealArgs);
            settings.Validate();
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"synthex: bad configuration: {e.Message}");
            return ExitCodes.BadConfiguration;
        }

        using var stop = new QuitFlag();
        using var signals = new StopSignals(stop);
        if (StopSignals.SigintIgnored())
            output.WriteLine("synthex: SIGINT is ignored (started as a background job or with nohup): stop with SIGTERM");
        BackendSelection? selection = null;
        try
        {
            selection = BackendSelector.Open(settings, Backends);
            var report = RunHost.Run(selection, settings, stop, output);
            return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"synthex: bad configuration: {e.Message}");
            return ExitCodes.BadConfiguration;
        }
        catch (EnvironmentException e)
        {
            error.WriteLine($"synthex: cannot run here: {e.Message}");
            return ExitCodes.BadEnvironment;
        }
        catch (Exception e)
        {
            error.WriteLine($"synthex: failed while running: {e}");
            return ExitCodes.Failure;
        }
        finally
        {
            selection?.Backend.Dispose();
        }
    }
}
