using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Synthex.Dpdk.IntegrationTests;

/// <summary>
/// <c>synthex</c> as a child process (<c>dotnet synthex.dll ...</c>), optionally behind a wrapper
/// (<c>setpriv</c>, <c>ip netns exec</c>, the seccomp helper) that execs it, so the child's pid
/// is the one signals go to. Output is collected as it comes, for waiting and for failure messages.
/// The one way every integration test starts synthex (the DPDK tests through <c>SynthexRun</c>).
/// </summary>
internal sealed partial class SynthexProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly object _gate = new();

    private SynthexProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The directory holding synthex.dll (the test's own output directory).</summary>
    public static string BinDirectory => AppContext.BaseDirectory;

    /// <param name="environment">Variables to set for the child. Inherited <c>SYNTHEX_*</c> variables
    /// (but <c>SYNTHEX_SHIM_PATH</c>) are removed first, so a developer's shell cannot change a test.</param>
    public static SynthexProcess Start(IEnumerable<string> args, IReadOnlyList<string>? wrapper = null, string? binDirectory = null,
                                       IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var argv = new List<string>(RestoreSigint);
        if (wrapper is { Count: > 0 }) argv.AddRange(wrapper);
        argv.Add(DotnetHost);
        argv.Add(Path.Combine(binDirectory ?? BinDirectory, "synthex.dll"));
        argv.AddRange(args);
        psi.FileName = argv[0];
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("SYNTHEX_", StringComparison.Ordinal) && k != "SYNTHEX_SHIM_PATH").ToList())
            psi.Environment.Remove(key);
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new SynthexProcess(Process.Start(psi) ?? throw new InvalidOperationException("cannot start synthex"));
    }

    /// <summary>
    /// Put in front of every child that a test stops with SIGINT (synthex, testpmd): a shell's
    /// background job (<c>scripts/test.sh &amp;</c>, nohup) starts with SIGINT ignored, .NET's
    /// Process.Start passes ignored signals on, and a child that ignores SIGINT never stops. env
    /// resets SIGINT to its default and execs the command, so the pid stays the child's.
    /// </summary>
    public static readonly string[] RestoreSigint = ["/usr/bin/env", "--default-signal=INT"];

    /// <summary>The dotnet host running the tests (an absolute path, so wrappers need no PATH).</summary>
    public static string DotnetHost
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "/usr/bin/dotnet";

    public int Pid => _process.Id;

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    public string Stdout { get { lock (_gate) return _stdout.ToString(); } }
    public string Stderr { get { lock (_gate) return _stderr.ToString(); } }
    public string Output => $"--- stdout ---\n{Stdout}--- stderr ---\n{Stderr}";

    /// <summary>Waits until stdout contains <paramref name="text"/>; false when the process exits or the time runs out first.</summary>
    public bool WaitFor(string text, int timeoutMs = 15000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) { _process.WaitForExit(); return Stdout.Contains(text, StringComparison.Ordinal); }
            Thread.Sleep(20);
        }
        return false;
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    /// <summary>Waits for exit and returns the code; kills the process and fails when it does not exit in time.</summary>
    public int WaitForExit(int timeoutMs = 15000)
    {
        if (!_process.WaitForExit(timeoutMs))
        {
            _process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"synthex did not exit within {timeoutMs} ms\n{Output}");
        }
        _process.WaitForExit(); // flush the async output readers
        return _process.ExitCode;
    }

    /// <summary>Waits for exit; false when it does not come in time (the process is left running).</summary>
    public bool TryWaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // flush the async output readers
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    public const int SIGINT = 2, SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
