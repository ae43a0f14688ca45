using System.Diagnostics;
using System.Reflection;

namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>Runs tests/Synthex.Dpdk.Smoke in a child process and parses its "smoke: ok k=v ..." line.</summary>
public sealed record SmokeResult(int ExitCode, string Output, IReadOnlyDictionary<string, string> Values)
{
    public string this[string key] =>
        Values.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"'{key}' not in the smoke output:\n{Output}");
}

public static class SmokeProgram
{
    public static string Path { get; } =
        typeof(SmokeProgram).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SmokeProgram").Value!;

    /// <summary>The dotnet muxer running these tests (it need not be on PATH), to run the smoke program with.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
            return host;
        var current = Environment.ProcessPath;
        return current is not null && System.IO.Path.GetFileName(current) == "dotnet" ? current : "dotnet";
    }

    public static SmokeResult Run(params string[] args)
    {
        Assert.True(File.Exists(Path), $"smoke program not built: {Path}");
        // A file prefix of our own: a prefix is one primary process's runtime directory.
        var prefix = $"synthex-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path);
        foreach (var a in args.Concat(["--file-prefix", prefix]))
            psi.ArgumentList.Add(a);

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"smoke program timed out:\n{stdout}");
        }
        var output = stdout + stderr.Result;
        try
        {
            // EAL leaves its (empty, with --in-memory/--no-shconf) runtime directory behind.
            Directory.Delete($"/var/run/dpdk/{prefix}", recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("smoke: ok ", StringComparison.Ordinal));
        foreach (var token in line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [])
            if (token.IndexOf('=') is > 0 and var eq)
                values[token[..eq]] = token[(eq + 1)..];
        return new SmokeResult(process.ExitCode, output, values);
    }
}
