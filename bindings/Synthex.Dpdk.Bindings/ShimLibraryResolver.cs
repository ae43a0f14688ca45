using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Interop;

/// <summary>
/// Finds libsynthex_shim.so when the first shim function is called — never earlier, because the
/// io_uring and socket backends run on hosts without DPDK and must not need it. Looked for in
/// SYNTHEX_SHIM_PATH (a file or a directory), then beside the app (its base directory, where the
/// build copies the shim beside every assembly that can call it; under Native AOT there is no
/// assembly file, so <c>Assembly.Location</c> would be empty: IL3000).
/// DPDK's own libraries are left to the dynamic loader (they are bound by soname).
/// </summary>
public static class ShimLibraryResolver
{
    /// <summary>Environment variable naming the shim (or its directory) explicitly.</summary>
    public const string EnvironmentVariable = "SYNTHEX_SHIM_PATH";

    public const string FileName = "libsynthex_shim.so";

#pragma warning disable CA2255 // A library module initializer is the point: it only registers a lazy resolver.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(ShimLibraryResolver).Assembly, Resolve);

    /// <summary>The paths tried, in order.</summary>
    public static IEnumerable<string> Candidates()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
            yield return Directory.Exists(fromEnvironment) ? Path.Combine(fromEnvironment, FileName) : fromEnvironment;
        yield return Path.Combine(AppContext.BaseDirectory, FileName);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Libraries.Shim)
            return 0; // DPDK's libraries: the default probing (dlopen by soname) is right.

        var tried = new List<string>();
        foreach (var candidate in Candidates().Distinct(StringComparer.Ordinal))
        {
            tried.Add(candidate);
            if (File.Exists(candidate))
                return NativeLibrary.Load(candidate); // throws with dlerror's text if DPDK itself is missing
        }
        throw new DllNotFoundException(
            $"{FileName} not found (tried: {string.Join(", ", tried)}). Build it with `make -C native` " +
            $"(needs libdpdk-dev; scripts/bootstrap.sh does both) or point {EnvironmentVariable} at it. " +
            "Without DPDK, use the io-uring or socket backend.");
    }
}
