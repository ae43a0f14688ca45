namespace Synthex.Load.Reports;

/// <summary>
/// The plot: throughput (sent and answered per second, left axis) and latency percentiles
/// (p50, p99, p99.9 per interval, right axis, log scale) over the run, warm-up shaded.
/// ScottPlot draws it through SkiaSharp's self-contained native library, so it needs no X
/// server or system font library (checked on a bare Debian 12 host).
/// </summary>
public static class PlotReport
{
    public const int Width = 1200, Height = 600;

    public static void WritePng(LoadResult r, string path)
    {
        var plot = new ScottPlot.Plot();
        var points = r.Timeline;
        double[] t = points.Select(p => p.Seconds).ToArray();
        if (t.Length == 0) t = [0];
        double[] Col(Func<TimelinePoint, double> f) => points.Count == 0 ? [0] : points.Select(f).ToArray();

        if (r.WarmupSeconds > 0)
        {
            var warm = plot.Add.HorizontalSpan(0, r.WarmupSeconds);
            warm.FillStyle.Color = ScottPlot.Colors.Gray.WithAlpha(0.15);
            warm.LegendText = "warm-up (excluded)";
        }
        var sent = plot.Add.Scatter(t, Col(p => p.SentRate));
        sent.LegendText = "sent /s";
        var answered = plot.Add.Scatter(t, Col(p => p.AnswerRate));
        answered.LegendText = "answered /s";

        // Latency on a log10 right axis: p99.9 is often 10-100x p50. Zero (no answers in the
        // interval) has no log, and a warm-up interval holds at most a few measured answers at its
        // very end: both are left out as NaN, a gap in the line.
        var right = plot.Axes.Right;
        foreach (var (name, pick) in new (string, Func<TimelinePoint, double>)[] { ("p50", p => p.P50), ("p99", p => p.P99), ("p99.9", p => p.P999) })
        {
            var line = plot.Add.Scatter(t, Col(p => pick(p) > 0 && !p.Warmup ? Math.Log10(pick(p)) : double.NaN));
            line.LegendText = $"latency {name}";
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.Axes.YAxis = right;
        }
        right.Label.Text = "latency (us, log scale)";
        right.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => Math.Pow(10, v).ToString(v >= 3 ? "N0" : "0.#", System.Globalization.CultureInfo.InvariantCulture),
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        plot.Axes.Left.Label.Text = "requests per second";
        plot.Axes.Bottom.Label.Text = "seconds since start";
        plot.Axes.SetLimitsY(0, Math.Max(1, Col(p => Math.Max(p.SentRate, p.AnswerRate)).Max()) * 1.1, plot.Axes.Left);
        plot.Title($"synthex load {r.Scenario} -> {r.Target}: {r.Shape}");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }
}
