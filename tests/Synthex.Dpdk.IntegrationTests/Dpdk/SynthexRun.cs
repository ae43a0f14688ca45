using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>
/// Runs the real <c>synthex</c> binary as a child process (EAL can start once per process) and
/// captures its exit code, output and report.
/// </summary>
internal sealed class SynthexRun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    private SynthexRun(Process process) => _process = process;

    public static string Dotnet
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Environment.ProcessPath is { } p && Path.GetFileName(p) == "dotnet" ? p : "dotnet";

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "synthex.dll");

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

    public static SynthexRun Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("SYNTHEX_", StringComparison.Ordinal) && k != "SYNTHEX_SHIM_PATH").ToList())
            psi.Environment.Remove(key);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        var run = new SynthexRun(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (run._out) run._out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._err) run._err.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Runs to completion (with a safety timeout) and returns the exit code.</summary>
    public static SynthexRun Run(IEnumerable<string> args, int timeoutSeconds = 60)
    {
        var run = Start(args);
        if (!run.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
            throw new TimeoutException($"synthex did not exit within {timeoutSeconds}s:\n{run.Output}");
        return run;
    }

    public int Pid => _process.Id;
    public int ExitCode => _process.ExitCode;
    public string Stdout { get { lock (_out) return _out.ToString(); } }
    public string Stderr { get { lock (_err) return _err.ToString(); } }
    public string Output => $"--- stdout\n{Stdout}--- stderr\n{Stderr}";

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // flush the async readers
        return true;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Stdout.Contains(text) || Stderr.Contains(text)) return true;
            if (_process.HasExited) return false;
            Thread.Sleep(20);
        }
        return false;
    }

    public static JsonElement Report(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(); }
        _process.Dispose();
    }
}
