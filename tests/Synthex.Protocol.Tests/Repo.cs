using Synthex.Protocol.Fuzz;

namespace Synthex.Protocol.Tests;

/// <summary>Files of the repository the tests read: the doc (the golden vectors' source) and the
/// fuzz target's committed corpus.</summary>
internal static class Repo
{
    public static string DocPath { get; } = GoldenVectors.FindDoc(AppContext.BaseDirectory);

    public static string Doc { get; } = File.ReadAllText(DocPath);

    public static string Root { get; } = Path.GetDirectoryName(Path.GetDirectoryName(DocPath))!;

    public static string Corpus { get; } = Path.Combine(Root, "tests", "Synthex.Protocol.Fuzz", "corpus");

    public static IReadOnlyList<GoldenVector> Vectors { get; } = GoldenVectors.Parse(Doc);

    /// <summary>The lines of the doc section that starts with the heading <paramref name="heading"/>.</summary>
    public static IEnumerable<string> Section(string heading)
    {
        bool inside = false;
        foreach (var line in Doc.Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
                inside = line.TrimEnd() == "## " + heading;
            else if (inside)
                yield return line;
        }
    }
}
