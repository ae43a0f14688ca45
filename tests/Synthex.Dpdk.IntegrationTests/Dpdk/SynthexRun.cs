using System.Text.Json;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// The DPDK tests' helpers around <see cref="SynthexProcess"/> (EAL can start once per process, so
/// every run is a child): unique file prefixes and their clean-up, EAL argument sets, reports.
/// </summary>
internal static class SynthexRun
{
    /// <summary>A file prefix no other DPDK process uses (tests run in parallel with their peers); its leftovers are removed when the tests end.</summary>
    public static string UniquePrefix()
    {
        string prefix = $"sxt{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        lock (Prefixes)
        {
            if (Prefixes.Count == 0) AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveLeftovers();
            Prefixes.Add(prefix);
        }
        return prefix;
    }

    private static readonly List<string> Prefixes = [];

    /// <summary>EAL leaves its runtime directory (and hugepage files without --in-memory) after exit: remove ours.</summary>
    private static void RemoveLeftovers()
    {
        lock (Prefixes)
        {
            foreach (var prefix in Prefixes)
            {
                try
                {
                    foreach (var dir in Directory.Exists("/var/run/dpdk") ? Directory.GetDirectories("/var/run/dpdk", prefix + "*") : [])
                        Directory.Delete(dir, recursive: true);
                    foreach (var file in Directory.Exists("/dev/hugepages") ? Directory.GetFiles("/dev/hugepages", prefix + "*") : [])
                        File.Delete(file);
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>EAL arguments for virtual devices without hugepages: 2 lcores, 256 MiB of ordinary memory (the default 64 MiB is too little for two workers' pools), no PCI scan, no shared files.</summary>
    public static List<string> NoHugeEal(string prefix)
        => ["-l", "0,1", "--no-huge", "-m", "256", "--no-shconf", "--no-pci", "--file-prefix", prefix, "--log-level=lib.eal:error"];

    public static SynthexProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
        => SynthexProcess.Start(args, environment: environment);

    /// <summary>Runs to completion (with a safety timeout) and returns the finished process.</summary>
    public static SynthexProcess Run(IEnumerable<string> args, int timeoutSeconds = 60)
    {
        var run = SynthexProcess.Start(args);
        if (!run.TryWaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            string output = run.Output;
            run.Dispose();
            throw new TimeoutException($"synthex did not exit within {timeoutSeconds}s:\n{output}");
        }
        return run;
    }

    public static JsonElement Report(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
}
