using System.Collections;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// Loads DPDK the way a C appliance links it: at process start, so librte_eal's thread-local
/// state (<c>rte_lcore_id()</c>, <c>rte_errno</c>, the per-lcore mempool cache index) sits in the
/// static TLS block instead of being reached through <c>__tls_get_addr</c>'s slow path for a
/// library that was <c>dlopen</c>ed. With <c>SYNTHEX_PRELOAD=1</c>, a DPDK run re-executes itself
/// once, at the top of <c>Main</c>, with <c>LD_PRELOAD</c> = the shim (whose needed libraries are librte_eal,
/// ethdev, mempool, mbuf, ring...); the pid, the arguments, the descriptors and the environment
/// stay the same, so a supervisor, a test or a signal sees one process.
/// </summary>
/// <remarks>
/// Opt-in, because it measured no gain (docs/BENCHMARKS.md, "Static TLS"): under perf the
/// forwarding thread spends the same ~13% in <c>__tls_get_addr</c> with and without it, as
/// testpmd does — the calls come from the PMDs' and the shim's position-independent code
/// (general-dynamic TLS model), which makes them whether the module's TLS block is static or
/// not, and a dlopen'ed module's block, once allocated for a thread, is reached by the same fast
/// path. What it costs: a second start of the .NET host (0.3–0.7 s on a loaded 2-vCPU VM).
/// Not done when: <see cref="GuardVariable"/> is set (this is the re-executed process),
/// <see cref="SwitchVariable"/> is not <c>1</c>, the command is not
/// <c>run</c>, the backend is named io-uring or socket, the shim is not found (the run reports
/// that itself later) or is already in <c>LD_PRELOAD</c>. A failed <c>execve</c> is reported
/// and the run goes on with DPDK loaded the ordinary way.
/// </remarks>
public static unsafe partial class DpdkPreload
{
    /// <summary>Set in the re-executed process (to the preloaded shim's path): re-exec once only.</summary>
    public const string GuardVariable = "SYNTHEX_PRELOADED";

    /// <summary><c>1</c> turns the re-exec on; otherwise DPDK is <c>dlopen</c>ed when the first shim call needs it.</summary>
    public const string SwitchVariable = "SYNTHEX_PRELOAD";

    /// <summary>Whether this invocation should re-execute with the shim preloaded (the shim's path aside).</summary>
    public static bool Wanted(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (environment(GuardVariable) is not null || environment(SwitchVariable) != "1") return false;
        if (args.Count == 0 || args[0] != "run") return false;
        string? backend = environment("SYNTHEX_BACKEND");
        for (int i = 1; i < args.Count && args[i] != "--"; i++)
        {
            if (args[i] is "-h" or "--help" or "-?") return false;
            if (args[i] == "--backend" && i + 1 < args.Count) backend = args[i + 1];
            else if (args[i].StartsWith("--backend=", StringComparison.Ordinal)) backend = args[i]["--backend=".Length..];
        }
        return backend is not ("io-uring" or "socket");
    }

    /// <summary>
    /// Re-executes this process with the shim preloaded when <see cref="Wanted"/>; returns only
    /// when it did not (or could not: then a line on <paramref name="log"/> says why).
    /// </summary>
    public static void ReexecIfWanted(string[] args, TextWriter log)
    {
        if (!OperatingSystem.IsLinux() || !Wanted(args, Environment.GetEnvironmentVariable)) return;
        string? shim = ShimLibraryResolver.Candidates().FirstOrDefault(File.Exists);
        if (shim is null) return;
        shim = Path.GetFullPath(shim);
        string? preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        if (preload is not null && preload.Contains(ShimLibraryResolver.FileName, StringComparison.Ordinal)) return;

        // The exact command line (dotnet synthex.dll ..., or the apphost): argv as the kernel has it.
        string[] argv;
        string executable;
        try
        {
            argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
            executable = Environment.ProcessPath ?? "/proc/self/exe";
        }
        catch (IOException)
        {
            return;
        }

        var env = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string key = (string)e.Key;
            if (key is "LD_PRELOAD" or GuardVariable) continue;
            env.Add($"{key}={e.Value}");
        }
        env.Add($"LD_PRELOAD={shim}{(string.IsNullOrEmpty(preload) ? "" : " " + preload)}");
        env.Add($"{GuardVariable}={shim}");

        int errno = Exec(executable, argv, env);
        log.WriteLine($"synthex: could not re-execute with DPDK preloaded (execve: {Marshal.GetPInvokeErrorMessage(errno)}); " +
                      "running with DPDK loaded on first use");
    }

    /// <summary>execve; returns errno (it returns at all only on failure).</summary>
    private static int Exec(string path, string[] argv, List<string> env)
    {
        var allocated = new List<nint>();
        nint Utf8(string s) { nint p = Marshal.StringToCoTaskMemUTF8(s); allocated.Add(p); return p; }
        try
        {
            nint* a = stackalloc nint[argv.Length + 1];
            for (int i = 0; i < argv.Length; i++) a[i] = Utf8(argv[i]);
            a[argv.Length] = 0;
            nint[] e = new nint[env.Count + 1];
            for (int i = 0; i < env.Count; i++) e[i] = Utf8(env[i]);
            fixed (nint* ep = e)
            {
                execve(Utf8(path), a, ep);
            }
            return Marshal.GetLastPInvokeError();
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeCoTaskMem(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int execve(nint path, nint* argv, nint* envp);
}
