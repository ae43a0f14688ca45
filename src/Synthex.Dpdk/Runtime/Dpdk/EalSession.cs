using System.Runtime.InteropServices;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// DPDK's Environment Abstraction Layer for this process: <c>rte_eal_init</c> from the
/// arguments after <c>--</c>, unchanged, and <c>rte_eal_cleanup</c> on dispose. EAL can be
/// initialised once per process, so there is one session at most.
/// </summary>
internal sealed unsafe class EalSession : IDisposable
{
    private static int s_initialised;
    private readonly nint[] _argv;
    private readonly sbyte** _table;
    private bool _disposed;

    private EalSession(nint[] argv, sbyte** table, IReadOnlyList<string> args)
    {
        _argv = argv;
        _table = table;
        Arguments = args;
    }

    /// <summary>The arguments EAL got (after argv[0]), including an added <c>--file-prefix</c>.</summary>
    public IReadOnlyList<string> Arguments { get; }

    public static string Version => Marshal.PtrToStringUTF8((nint)Eal.rte_version()) ?? "unknown";

    /// <summary>
    /// The arguments as given, plus <c>--file-prefix=synthex-PID</c> when none is given, so two
    /// instances (a test and its peer) never share a runtime directory.
    /// </summary>
    public static IReadOnlyList<string> WithFilePrefix(IReadOnlyList<string> args)
        => args.Any(a => a == "--file-prefix" || a.StartsWith("--file-prefix=", StringComparison.Ordinal))
            ? args
            : [.. args, $"--file-prefix={GeneratedPrefix}"];

    /// <summary>The prefix synthex adds when none is given: unique to this process, so it is ours to clean up.</summary>
    public static string GeneratedPrefix => $"synthex-{Environment.ProcessId}";

    /// <summary>Initialises EAL; throws <see cref="EnvironmentException"/> with rte_strerror and a hint.</summary>
    public static EalSession Init(IReadOnlyList<string> ealArgs)
    {
        if (Interlocked.Exchange(ref s_initialised, 1) != 0)
            throw new EnvironmentException("rte_eal_init: EAL was already initialised in this process");
        // Verify the bindings against the DPDK build before anything reads a DPDK struct.
        try { LayoutCheck.Verify(); }
        catch (LayoutMismatchException e) { throw new EnvironmentException(e.Message, e); }

        var args = WithFilePrefix(ealArgs);
        // EAL keeps pointers into argv (and may permute it): the strings live until cleanup.
        var argv = new nint[args.Count + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8("synthex");
        for (int i = 0; i < args.Count; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        var table = (sbyte**)NativeMemory.Alloc((nuint)argv.Length, (nuint)sizeof(nint));
        for (int i = 0; i < argv.Length; i++) table[i] = (sbyte*)argv[i];

        int rc = Eal.rte_eal_init(args.Count + 1, table);
        if (rc < 0)
        {
            int errno = DpdkError.RteErrno;
            throw new EnvironmentException(
                $"rte_eal_init failed: {DpdkError.StrError(errno)} ({errno}){DpdkError.Hint(errno, "rte_eal_init")}. " +
                $"EAL arguments: {string.Join(' ', args)}");
        }
        return new EalSession(argv, table, args);
    }

    /// <summary>
    /// rte_eal_cleanup leaves the runtime directory and, without --in-memory, the hugepage files
    /// behind (the next EAL start with the same prefix would reuse them; with a per-process
    /// prefix there is none). They are this process's own: remove them so that nothing is left.
    /// </summary>
    private static void RemoveLeftovers(string prefix)
    {
        try
        {
            string runtime = Environment.UserName == "root" ? "/var/run/dpdk"
                : Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") ?? "/tmp", "dpdk");
            string dir = Path.Combine(runtime, prefix);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            if (Directory.Exists("/dev/hugepages"))
                foreach (var file in Directory.GetFiles("/dev/hugepages", prefix + "map_*")) File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"synthex: could not remove EAL leftovers of {prefix}: {e.Message}");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Eal.rte_eal_cleanup();
        foreach (var p in _argv) Marshal.FreeCoTaskMem(p);
        if (Arguments.Contains($"--file-prefix={GeneratedPrefix}")) RemoveLeftovers(GeneratedPrefix);
        NativeMemory.Free(_table);
    }
}
