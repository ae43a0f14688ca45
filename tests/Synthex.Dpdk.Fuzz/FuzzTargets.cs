namespace Synthex.Dpdk.Fuzz;

/// <summary>The targets by name: what <c>scripts/fuzz.sh TARGET</c> and the corpus replay run.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["frame", "matrix", "config", "service"];

    /// <summary>The target's entry point: one input, throws on a broken rule (AFL++ records a crash).</summary>
    public static Action<byte[]> Find(string name) => name switch
    {
        "frame" => FrameTarget.Run,
        "matrix" => MatrixTarget.Run,
        "config" => ConfigTarget.Run,
        "service" => ServiceTarget.Run,
        _ => throw new ArgumentException($"unknown fuzz target '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>Runs every file under <paramref name="dir"/> through <paramref name="target"/>; returns the count. A failing input throws, naming its file.</summary>
    public static int Replay(string target, string dir)
    {
        var run = Find(target);
        int runs = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            try
            {
                run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                throw new BrokenRuleException($"{target}: {file}: {e}");
            }
            runs++;
        }
        return runs;
    }
}

/// <summary>A target found one of its rules broken.</summary>
public sealed class BrokenRuleException(string message) : Exception(message);
