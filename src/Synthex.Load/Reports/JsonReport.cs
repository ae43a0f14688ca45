using System.Text.Json;

namespace Synthex.Load.Reports;

/// <summary>The <c>--report-json</c> file; its schema is documented in docs/LOAD.md.</summary>
public static class JsonReport
{
    public const string Schema = "synthex-load/1";

    public static void Write(LoadResult r, string path)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("schema", Schema);
        w.WriteString("scenario", r.Scenario);
        w.WriteString("requests", r.Requests);
        w.WriteString("target", r.Target);
        w.WriteString("shape", r.Shape);
        w.WriteBoolean("open_loop", r.OpenLoop);
        w.WriteNumber("threads", r.Threads);
        w.WriteString("io", r.Io);
        w.WriteNumber("duration_seconds", Math.Round(r.Seconds, 6));
        w.WriteNumber("warmup_seconds", r.WarmupSeconds);
        w.WriteNumber("timeout_seconds", r.TimeoutSeconds);
        w.WriteNumber("sent", r.Sent);
        w.WriteNumber("answered", r.Answered);
        w.WriteNumber("ok", r.Ok);
        w.WriteNumber("mismatches", r.Mismatches);
        w.WriteNumber("timeouts", r.Timeouts);
        w.WriteNumber("errors", r.Errors);
        w.WriteNumber("error_statuses", r.ErrorStatuses);
        w.WriteNumber("transport_errors", r.TransportErrors);
        w.WriteNumber("unexpected", r.Unexpected);
        w.WriteNumber("unsent", r.Unsent);
        w.WriteNumber("retransmissions", r.Retransmissions);
        w.WriteNumber("client_dropped", r.ClientDropped);
        w.WriteNumber("loss", r.Loss);
        w.WriteNumber("retries", r.Retries);
        if (r.Unit is { } unit)
        {
            w.WriteString("unit", unit);
            w.WriteNumber("units", r.Units);
            w.WriteNumber("unit_rate", Math.Round(r.UnitRate, 3));
        }
        w.WriteStartObject("warmup");
        w.WriteNumber("sent", r.WarmupSent);
        w.WriteNumber("answered", r.WarmupAnswered);
        w.WriteNumber("timeouts", r.WarmupTimeouts);
        w.WriteEndObject();
        w.WriteNumber("rate", Math.Round(r.Rate, 3));
        w.WriteNumber("sent_rate", Math.Round(r.SentRate, 3));
        w.WriteNumber("error_rate", r.ErrorRate);
        w.WriteNumber("max_error_rate", r.MaxErrorRate);
        w.WriteBoolean("passed", r.Passed);
        w.WriteBoolean("accounted", r.Accounted);
        w.WriteBoolean("interrupted", r.Interrupted);
        w.WriteNumber("sender_allocated_bytes", r.SenderAllocatedBytes);
        Latency(w, "latency_us", r.Latency);
        Latency(w, "latency_uncorrected_us", r.LatencyUncorrected);
        w.WriteBoolean("coordinated_omission_corrected", r.OpenLoop);
        w.WriteString("latency_method", r.LatencyMethod);
        w.WriteStartArray("timeline");
        foreach (var p in r.Timeline)
        {
            w.WriteStartObject();
            w.WriteNumber("t", p.Seconds);
            w.WriteBoolean("warmup", p.Warmup);
            w.WriteNumber("sent", p.Sent);
            w.WriteNumber("answered", p.Answered);
            w.WriteNumber("sent_rate", Math.Round(p.SentRate, 3));
            w.WriteNumber("rate", Math.Round(p.AnswerRate, 3));
            w.WriteNumber("p50_us", p.P50);
            w.WriteNumber("p99_us", p.P99);
            w.WriteNumber("p999_us", p.P999);
            w.WriteNumber("errors", p.Errors);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("notes");
        foreach (var n in r.Notes) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Latency(Utf8JsonWriter w, string name, LatencySummary l)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count", l.Count);
        w.WriteNumber("p50", l.P50);
        w.WriteNumber("p90", l.P90);
        w.WriteNumber("p99", l.P99);
        w.WriteNumber("p999", l.P999);
        w.WriteNumber("max", l.Max);
        w.WriteNumber("mean", Math.Round(l.Mean, 3));
        w.WriteEndObject();
    }
}
