using System.Globalization;
using System.Text;

namespace Synthex.Load.Reports;

/// <summary>The end-of-run table for the terminal and the Markdown summary: one set of rows, two layouts.</summary>
public static class TextReport
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>(label, value) rows in the order both layouts print them.</summary>
    private static IEnumerable<(string Label, string Value)> Rows(LoadResult r)
    {
        yield return ("scenario", $"{r.Scenario}: {r.Requests}");
        yield return ("target", r.Target);
        yield return ("load", r.Shape);
        yield return ("senders", string.Create(C, $"{r.Threads} thread(s), {r.Io}"));
        yield return ("window", string.Create(C, $"{r.Seconds:0.###} s measured after {r.WarmupSeconds:0.###} s warm-up{(r.Interrupted ? " (interrupted)" : "")}"));
        yield return ("sent", string.Create(C, $"{r.Sent:N0} ({r.SentRate:N0} /s)"));
        yield return ("answered", string.Create(C, $"{r.Answered:N0} ({r.Rate:N0} /s)"));
        yield return ("mismatches", r.Mismatches.ToString("N0", C));
        yield return ("timeouts", string.Create(C, $"{r.Timeouts:N0} (after {r.TimeoutSeconds:0.###} s)"));
        yield return ("errors", string.Create(C, $"{r.Errors:N0} ({r.ErrorStatuses:N0} error statuses, {r.TransportErrors:N0} socket errors)"));
        yield return ("unexpected answers", r.Unexpected.ToString("N0", C));
        if (r.Retries > 0 || r.Retransmissions > 0)
            yield return ("retransmissions", string.Create(C, $"{r.Retransmissions:N0} (up to {r.Retries} per request)"));
        if (r.Loss > 0)
            yield return ("dropped by the client", string.Create(C, $"{r.ClientDropped:N0} (--loss {r.Loss:0.####})"));
        if (r.Unit is { } unit)
            yield return ($"{unit}s completed", string.Create(C, $"{r.Units:N0} ({r.UnitRate:N1} /s)"));
        yield return ("latency p50 / p90", string.Create(C, $"{r.Latency.P50:0.#} / {r.Latency.P90:0.#} µs"));
        yield return ("latency p99 / p99.9", string.Create(C, $"{r.Latency.P99:0.#} / {r.Latency.P999:0.#} µs"));
        yield return ("latency max / mean", string.Create(C, $"{r.Latency.Max:0.#} / {r.Latency.Mean:0.#} µs"));
        if (r.OpenLoop)
            yield return ("uncorrected p50 / p99 / p99.9", string.Create(C, $"{r.LatencyUncorrected.P50:0.#} / {r.LatencyUncorrected.P99:0.#} / {r.LatencyUncorrected.P999:0.#} µs"));
        yield return ("sender allocations", string.Create(C, $"{r.SenderAllocatedBytes:N0} bytes after the warm-up"));
        yield return ("error rate", string.Create(C, $"{r.ErrorRate:P3} (limit {r.MaxErrorRate:P3}): {(r.Passed ? "PASS" : "FAIL")}"));
        foreach (var n in r.Notes) yield return ("note", n);
    }

    public static string Table(LoadResult r)
    {
        var rows = Rows(r).ToList();
        int width = rows.Max(x => x.Label.Length);
        var sb = new StringBuilder();
        sb.AppendLine(new string('-', width + 40));
        foreach (var (label, value) in rows) sb.Append(label.PadRight(width)).Append("  ").AppendLine(value);
        sb.AppendLine(new string('-', width + 40));
        sb.AppendLine($"({r.LatencyMethod})");
        return sb.ToString();
    }

    public static string Markdown(LoadResult r, string? plotFile)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# synthex load: {r.Scenario} against {r.Target}");
        sb.AppendLine();
        sb.AppendLine(r.Passed ? "**PASS**" : "**FAIL**");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        foreach (var (label, value) in Rows(r)) sb.AppendLine($"| {label} | {value.Replace("|", "\\|")} |");
        sb.AppendLine();
        sb.AppendLine($"Latency: {r.LatencyMethod}.");
        if (plotFile is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"![throughput and latency over time]({plotFile})");
        }
        return sb.ToString();
    }
}
