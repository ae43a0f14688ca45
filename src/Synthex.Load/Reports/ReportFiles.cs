namespace Synthex.Load.Reports;

/// <summary>Writes a run's files: <c>--report-json</c> alone, or all three into <c>--report-dir</c>.</summary>
public static class ReportFiles
{
    public const string JsonName = "report.json", MarkdownName = "report.md", PlotName = "report.png";

    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(LoadResult result, string? jsonPath, string? directory)
    {
        var written = new List<string>();
        if (jsonPath is not null)
        {
            EnsureDirectory(jsonPath);
            JsonReport.Write(result, jsonPath);
            written.Add(jsonPath);
        }
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            string json = Path.Combine(directory, JsonName), md = Path.Combine(directory, MarkdownName), png = Path.Combine(directory, PlotName);
            JsonReport.Write(result, json);
            PlotReport.WritePng(result, png);
            File.WriteAllText(md, TextReport.Markdown(result, PlotName));
            written.AddRange([json, md, png]);
        }
        return written;
    }

    private static void EnsureDirectory(string file)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir) Directory.CreateDirectory(dir);
    }
}
