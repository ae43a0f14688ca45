using System.Globalization;
using System.Text.RegularExpressions;
using Synthex.Protocol;

namespace Synthex.Protocol.Fuzz;

/// <summary>One worked example of docs/PROTOCOL.md: its name, whether it is read as a request or
/// an answer, the verdict the doc states, and the bytes of its hex dump.</summary>
public sealed record GoldenVector(string Name, bool IsRequest, Verdict Expected, byte[] Bytes);

/// <summary>
/// Reads the worked examples out of docs/PROTOCOL.md, so the doc's hex dumps are the test inputs
/// and doc and codec cannot drift. Each example is a marker line
/// <c>&lt;!-- vector NAME request|answer valid | refused STATUS FIELD | drop REASON [FIELD] --&gt;</c>
/// followed by a fenced block of lines <c>OFFSET  hex bytes</c>.
/// </summary>
public static partial class GoldenVectors
{
    [GeneratedRegex(@"^<!-- vector (?<name>[a-z0-9-]+) (?<kind>request|answer) (?<expect>[^>]+?) -->$")]
    private static partial Regex Marker();

    [GeneratedRegex(@"^[0-9a-f]{4}  (?<hex>[0-9a-f]{2}(?: {1,2}[0-9a-f]{2})*)\s*$")]
    private static partial Regex DumpLine();

    /// <summary>docs/PROTOCOL.md found from <paramref name="start"/> upwards (the repository root).</summary>
    public static string FindDoc(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "docs", "PROTOCOL.md");
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"docs/PROTOCOL.md not found above {start}");
    }

    /// <summary>Every example in the markdown text, in order.</summary>
    public static IReadOnlyList<GoldenVector> Parse(string markdown)
    {
        var lines = markdown.Split('\n');
        var vectors = new List<GoldenVector>();
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Marker().Match(lines[i].TrimEnd('\r'));
            if (!m.Success)
                continue;
            int open = Array.FindIndex(lines, i + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            if (open < 0)
                throw new FormatException($"vector {m.Groups["name"].Value}: no hex block follows");
            var bytes = new List<byte>();
            int j = open + 1;
            for (; j < lines.Length && !lines[j].StartsWith("```", StringComparison.Ordinal); j++)
            {
                var d = DumpLine().Match(lines[j].TrimEnd('\r'));
                if (!d.Success)
                    throw new FormatException($"vector {m.Groups["name"].Value}: not a dump line: '{lines[j]}'");
                if (int.Parse(lines[j][..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != bytes.Count)
                    throw new FormatException($"vector {m.Groups["name"].Value}: offset {lines[j][..4]} is not {bytes.Count:x4}");
                foreach (var h in d.Groups["hex"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    bytes.Add(byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
            vectors.Add(new GoldenVector(m.Groups["name"].Value, m.Groups["kind"].Value == "request",
                ParseExpectation(m.Groups["name"].Value, m.Groups["expect"].Value), bytes.ToArray()));
            i = j;
        }
        return vectors;
    }

    /// <summary>"valid", "refused BAD_REQUEST weight", "drop TooShort", "drop Malformed payload".</summary>
    private static Verdict ParseExpectation(string name, string text)
    {
        var w = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Field field = w.Length > 2 ? Enum.Parse<Field>(w[2], ignoreCase: true) : Field.None;
        return w[0] switch
        {
            "valid" when w.Length == 1 => Verdict.Valid,
            "refused" when w.Length >= 2 => Verdict.Refused(StatusOf(w[1]), field),
            "drop" when w.Length >= 2 => Verdict.Dropped(Enum.Parse<Drop>(w[1]), field),
            _ => throw new FormatException($"vector {name}: cannot read the expectation '{text}'"),
        };
    }

    /// <summary>The status spelled as the doc spells it (BAD_REQUEST).</summary>
    public static Status StatusOf(string wireName)
    {
        foreach (var s in Enum.GetValues<Status>())
            if (Statuses.WireName(s) == wireName)
                return s;
        throw new FormatException($"no status is spelled {wireName}");
    }

    /// <summary>A hex dump in the doc's format: 16 bytes a line, a gap after 8.</summary>
    public static string Dump(ReadOnlySpan<byte> bytes)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < bytes.Length; i += 16)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{i:x4} ");
            for (int j = i; j < Math.Min(i + 16, bytes.Length); j++)
                sb.Append(j == i + 8 ? "  " : " ").Append(CultureInfo.InvariantCulture, $"{bytes[j]:x2}");
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
