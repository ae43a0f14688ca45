using Synthex.Dpdk.Cli.Commands;

namespace Synthex.Dpdk.Cli;

/// <summary>
/// <c>synthex</c>: <c>run</c> the appliance or report the environment with <c>info</c>.
/// Exit codes (DESIGN.md): 0 done, 1 failure while running, 2 bad usage or configuration,
/// 3 the environment cannot run it.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        // First, before any work that would be done twice: with SYNTHEX_PRELOAD=1 a DPDK run
        // re-executes itself once with the shim preloaded, so DPDK's thread-local state is static
        // (DpdkPreload says why, and why it is opt-in).
        Runtime.Dpdk.DpdkPreload.ReexecIfWanted(args, Console.Error);

        if (!SimdSelectionIsValid()) return ExitCodes.BadConfiguration;

        // Everything after the first "--" belongs to rte_eal_init, untouched: split it off before
        // System.CommandLine sees it.
        int split = Array.IndexOf(args, "--");
        string[] own = split < 0 ? args : args[..split];
        string[] eal = split < 0 ? [] : args[(split + 1)..];
        var parsed = Commands.Commands.Build(eal).Parse(own);
        if (parsed.Errors.Count > 0)
        {
            // Usage errors (unknown option, missing value) are exit code 2, as DESIGN.md promises.
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"synthex: {error.Message}");
            Console.Error.WriteLine("synthex: see 'synthex run --help' for options and examples");
            return ExitCodes.BadConfiguration;
        }
        return parsed.Invoke();
    }

    /// <summary>
    /// The kernels pick their SIMD path once, in a type initializer that honours SYNTHEX_SIMD.
    /// A bad value there (a typo, or a path this CPU lacks) would otherwise surface later as a
    /// TypeInitializationException from whichever kernel ran first: check it before anything
    /// starts and report it as the configuration error it is.
    /// </summary>
    private static bool SimdSelectionIsValid()
    {
        try
        {
            _ = Kernels.SimdInfo.Selected;
            return true;
        }
        catch (TypeInitializationException e) when (e.InnerException is { } reason)
        {
            Console.Error.WriteLine($"synthex: bad configuration: {Kernels.SimdInfo.EnvironmentVariable}: {reason.Message}");
            return false;
        }
    }
}
