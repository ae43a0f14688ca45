using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>Helpers the kernel-fallback CLI tests share: free ports, temp dirs, reports, external tools.</summary>
internal static class FallbackFixture
{
    /// <summary>A UDP port free right now on <paramref name="address"/> (bound and released).</summary>
    public static int FreeUdpPort(IPAddress? address = null)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>Everything the tests write goes under one directory, removed when the test process exits.</summary>
    private static readonly string s_root = CreateRoot();

    private static string CreateRoot()
    {
        string root = Path.Combine(Path.GetTempPath(), $"synthex-fallback-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(root, (UnixFileMode)0x1FF);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    }

    /// <summary>A fresh directory anyone can write (the unprivileged child writes its report there).</summary>
    public static string TempDir()
    {
        string dir = Path.Combine(s_root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777
        return dir;
    }

    public static JsonElement ReadReport(string path)
    {
        Assert.True(File.Exists(path), $"no report at {path}");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    /// <summary>Runs a tool to completion; returns exit code and combined output.</summary>
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{file} {string.Join(' ', args)} did not finish in 60 s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    public static void MustRun(string file, params string[] args)
    {
        var (code, output) = Run(file, args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"{file} {string.Join(' ', args)} exited {code}: {output}");
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>The repository root: the nearest directory above the test binaries holding the solution.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Synthex.Dpdk.sln"))) return dir.FullName;
            throw new InvalidOperationException($"no Synthex.Dpdk.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Compiles the seccomp helper once per test run; returns its path.</summary>
    public static string NoIoUringHelper => s_helper.Value;

    private static readonly Lazy<string> s_helper = new(() =>
    {
        string source = Path.Combine(RepoRoot, "tests", "Synthex.Dpdk.IntegrationTests", "Fallback", "no-io-uring.c");
        string exe = Path.Combine(s_root, "no-io-uring");
        MustRun("cc", "-O2", "-Wall", "-Werror", "-o", exe, source);
        return exe;
    });
}
