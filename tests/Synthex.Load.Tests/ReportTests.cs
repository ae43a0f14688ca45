using System.Buffers.Binary;
using System.Text.Json;
using Synthex.Load.Reports;
using Synthex.Load.Tests.Support;

namespace Synthex.Load.Tests;

/// <summary>
/// A deliberately wrong server is caught, and the reports carry what docs/LOAD.md promises:
/// the real <c>synthex load</c> against an echo that corrupts every 5th answer.
/// </summary>
public class ReportTests
{
    [Fact]
    public void A_server_that_perturbs_payloads_is_caught_as_mismatches_and_exit_1()
    {
        using var wrong = TestPeer.PerturbingEcho(every: 5);
        var (code, output, report, dir) = LoadCli.RunWithReports("--scenario", "reflect", "--to", $"127.0.0.1:{wrong.EndPoint.Port}",
            "--concurrency", "8", "--duration", "1.5", "--max-error-rate", "0.01");

        Assert.True(code == 1, output);
        Assert.Contains("FAIL", output);
        long answered = report.GetProperty("answered").GetInt64(), mismatches = report.GetProperty("mismatches").GetInt64();
        Assert.True(answered > 500, output);
        // One in five, give or take the run's edges.
        Assert.InRange(mismatches, answered / 5 - 10, answered / 5 + 10);
        Assert.False(report.GetProperty("passed").GetBoolean());

        AssertSchema(report);
        string md = File.ReadAllText(Path.Combine(dir, ReportFiles.MarkdownName));
        Assert.Contains("**FAIL**", md);
        Assert.Contains($"| mismatches | {mismatches:N0} |", md);
        Assert.Contains($"]({ReportFiles.PlotName})", md);
        AssertPng(Path.Combine(dir, ReportFiles.PlotName), PlotReport.Width, PlotReport.Height);
    }

    [Fact]
    public void Report_json_alone_is_written_where_asked_and_exit_0_within_the_limit()
    {
        using var wrong = TestPeer.PerturbingEcho(every: 5);
        string json = Path.Combine(Dpdk.IntegrationTests.Fallback.FallbackFixture.TempDir(), "sub", "load.json");
        var (code, output) = LoadCli.Run("--scenario", "reflect", "--to", $"127.0.0.1:{wrong.EndPoint.Port}",
            "--rate", "2000", "--duration", "1", "--max-error-rate", "0.5", "--report-json", json);
        Assert.True(code == 0, output);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        AssertSchema(report);
        Assert.True(report.GetProperty("coordinated_omission_corrected").GetBoolean());
        Assert.True(report.GetProperty("mismatches").GetInt64() > 0);
    }

    /// <summary>Every field docs/LOAD.md documents, with its type.</summary>
    private static void AssertSchema(JsonElement r)
    {
        Assert.Equal(JsonReport.Schema, r.GetProperty("schema").GetString());
        foreach (var name in new[] { "sent", "answered", "ok", "mismatches", "timeouts", "errors", "error_statuses", "transport_errors", "unexpected", "unsent", "threads", "sender_allocated_bytes" })
            Assert.True(r.GetProperty(name).TryGetInt64(out _), name);
        foreach (var name in new[] { "rate", "sent_rate", "error_rate", "max_error_rate", "duration_seconds", "warmup_seconds", "timeout_seconds" })
            Assert.Equal(JsonValueKind.Number, r.GetProperty(name).ValueKind);
        foreach (var name in new[] { "scenario", "requests", "target", "shape", "io", "latency_method" })
            Assert.Equal(JsonValueKind.String, r.GetProperty(name).ValueKind);
        foreach (var name in new[] { "open_loop", "passed", "accounted", "interrupted", "coordinated_omission_corrected" })
            Assert.True(r.GetProperty(name).ValueKind is JsonValueKind.True or JsonValueKind.False, name);
        foreach (var hist in new[] { "latency_us", "latency_uncorrected_us" })
            foreach (var p in new[] { "count", "p50", "p90", "p99", "p999", "max", "mean" })
                Assert.Equal(JsonValueKind.Number, r.GetProperty(hist).GetProperty(p).ValueKind);
        foreach (var w in new[] { "sent", "answered", "timeouts" })
            Assert.True(r.GetProperty("warmup").GetProperty(w).TryGetInt64(out _), w);
        var timeline = r.GetProperty("timeline");
        Assert.True(timeline.GetArrayLength() >= 1);
        foreach (var point in timeline.EnumerateArray())
            foreach (var p in new[] { "t", "sent", "answered", "sent_rate", "rate", "p50_us", "p99_us", "p999_us", "errors" })
                Assert.Equal(JsonValueKind.Number, point.GetProperty(p).ValueKind);
        Assert.Equal(JsonValueKind.Array, r.GetProperty("notes").ValueKind);
        Assert.Equal(r.GetProperty("answered").GetInt64() + r.GetProperty("timeouts").GetInt64(), r.GetProperty("sent").GetInt64());
    }

    /// <summary>A PNG: the 8-byte signature, then an IHDR chunk with the width and height.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.True(png.Length > 1000, $"{path}: {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }
}

/// <summary>SIGINT ends a run early, and the reports still say everything.</summary>
public class InterruptTests
{
    [Fact]
    public void Sigint_stops_sending_drains_and_writes_the_reports()
    {
        using var peer = TestPeer.StallingEcho(after: TimeSpan.FromDays(1), TimeSpan.Zero);
        string dir = Path.Combine(Dpdk.IntegrationTests.Fallback.FallbackFixture.TempDir(), "reports");
        using var load = Dpdk.IntegrationTests.SynthexProcess.Start(["load", "--scenario", "reflect", "--to", $"127.0.0.1:{peer.EndPoint.Port}",
            "--rate", "1000", "--duration", "60", "--report-dir", dir]);
        Assert.True(load.WaitFor("] sent ", 30_000), load.Output);
        load.Signal(Dpdk.IntegrationTests.SynthexProcess.SIGINT);
        Assert.True(load.TryWaitForExit(TimeSpan.FromSeconds(15)), load.Output);
        Assert.True(load.ExitCode == 0, load.Output);

        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, ReportFiles.JsonName))).RootElement;
        Assert.True(report.GetProperty("interrupted").GetBoolean());
        double seconds = report.GetProperty("duration_seconds").GetDouble();
        Assert.InRange(seconds, 0.5, 30);
        long sent = report.GetProperty("sent").GetInt64();
        // Never ahead of the schedule (a sender held up by a busy machine may be behind it).
        Assert.InRange(sent, 1, seconds * 1000 * 1.05 + 32);
        Assert.Equal(sent, report.GetProperty("answered").GetInt64());
        Assert.True(report.GetProperty("accounted").GetBoolean());
        Assert.True(File.Exists(Path.Combine(dir, ReportFiles.PlotName)));
    }

    [Fact]
    public void Sigint_against_a_silent_server_gives_up_after_one_timeout_not_at_the_planned_end()
    {
        using var sink = TestPeer.Sink();
        string json = Path.Combine(Dpdk.IntegrationTests.Fallback.FallbackFixture.TempDir(), "load.json");
        using var load = Dpdk.IntegrationTests.SynthexProcess.Start(["load", "--scenario", "reflect", "--to", $"127.0.0.1:{sink.EndPoint.Port}",
            "--rate", "500", "--duration", "120", "--timeout", "2", "--report-json", json]);
        Assert.True(load.WaitFor("] sent ", 30_000), load.Output);
        load.Signal(Dpdk.IntegrationTests.SynthexProcess.SIGINT);
        Assert.True(load.TryWaitForExit(TimeSpan.FromSeconds(20)), load.Output);
        Assert.True(load.ExitCode == 1, load.Output); // every request timed out

        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.True(report.GetProperty("interrupted").GetBoolean());
        Assert.True(report.GetProperty("sent").GetInt64() > 0);
        Assert.Equal(report.GetProperty("sent").GetInt64(), report.GetProperty("timeouts").GetInt64());
    }

    [Fact]
    public void A_closed_port_shows_as_refused_socket_errors_and_timeouts()
    {
        int port = Dpdk.IntegrationTests.Fallback.FallbackFixture.FreeUdpPort();
        var (code, output, report, _) = LoadCli.RunWithReports("--scenario", "reflect", "--to", $"127.0.0.1:{port}",
            "--concurrency", "1", "--duration", "1", "--timeout", "0.1");
        Assert.True(code == 1, output);
        Assert.True(report.GetProperty("transport_errors").GetInt64() > 0, output);
        Assert.Equal(report.GetProperty("sent").GetInt64(), report.GetProperty("timeouts").GetInt64());
        Assert.Contains(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("errno 111"));
    }
}
