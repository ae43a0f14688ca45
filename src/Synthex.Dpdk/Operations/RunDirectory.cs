namespace Synthex.Dpdk.Operations;

/// <summary>
/// Where running instances keep their control sockets, one <c>NAME.sock</c> each, so
/// <c>synthex status</c> finds them by name: <c>--run-dir</c> when given, else <c>/run/synthex</c>
/// for root, else <c>$XDG_RUNTIME_DIR/synthex</c>, else <c>/tmp/synthex-USER</c>. The directory is
/// made owner-only (0700) and each socket 0600: the counters are the operator's, not every user's.
/// </summary>
public static class RunDirectory
{
    /// <summary>Longest path a Unix socket address holds (sun_path is 108 bytes with its NUL).</summary>
    public const int MaxSocketPath = 107;

    public const string SocketSuffix = ".sock";

    public static string Resolve(string? runDir)
    {
        if (!string.IsNullOrEmpty(runDir)) return Path.GetFullPath(runDir);
        if (Environment.IsPrivilegedProcess) return "/run/synthex";
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "synthex") : $"/tmp/synthex-{Environment.UserName}";
    }

    public static string SocketPath(string directory, string name) => Path.Combine(directory, name + SocketSuffix);

    /// <summary>An instance name: letters, digits, '.', '_' and '-', 1..64 characters (it becomes a file name).</summary>
    public static bool IsValidName(string name)
        => name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Creates the directory owner-only if it is missing.</summary>
    public static void Ensure(string directory)
    {
        if (!Directory.Exists(directory) && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The names of the instances with a socket in <paramref name="directory"/> (live or stale), sorted.</summary>
    public static IReadOnlyList<string> Instances(string directory)
        => !Directory.Exists(directory) ? []
            : Directory.GetFiles(directory, "*" + SocketSuffix).Select(p => Path.GetFileName(p)[..^SocketSuffix.Length]).Order(StringComparer.Ordinal).ToList();
}
