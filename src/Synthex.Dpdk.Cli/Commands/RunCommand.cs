using Synthex.Dpdk.Cli.Configuration;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary><c>synthex run</c>: bind and validate settings, open a backend, run, report.</summary>
internal static class RunCommand
{
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
        BackendSelection? selection = null;
        try
        {
            selection = BackendSelector.Open(settings);
            var report = RunHost.Run(selection, settings, stop, output);
            return report.Accounted && report.WorkerFailure is null ? ExitCodes.Ok : ExitCodes.Failure;
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
