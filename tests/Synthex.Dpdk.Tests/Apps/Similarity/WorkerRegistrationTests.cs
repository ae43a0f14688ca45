using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Pipeline.Memory;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Tests.Support;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>
/// A similarity worker is registered with the service where the backend builds the worker, not
/// where a copy of the app is made: the DPDK backend's start-up probes (which make the app and
/// throw it away) leave no phantom workers — answer queues nobody would ever poll.
/// </summary>
public sealed class WorkerRegistrationTests : IDisposable
{
    private readonly MatrixFiles _files = new();

    public void Dispose() => _files.Dispose();

    private sealed class Probe : IFrameAppConsumer<bool>
    {
        public bool Accept<TApp>(TApp app) where TApp : struct, IFrameApp => TApp.Originates;
    }

    [Theory]
    [InlineData("similarity")]
    [InlineData("consensus,similarity")]
    public void Probes_register_nothing_and_each_built_worker_registers_once(string name)
    {
        var settings = new RunSettings { App = name, Matrix = _files.Npy(MatrixFiles.Random(3, 8 * 4), 8, 4), KMax = 2, Address = "10.0.0.2/24" };
        var app = AppCatalog.Find(name).Open(settings.AppOptions, TextWriter.Null);
        try
        {
            var service = ((SimilarityApp.Bound)(app is CombinedApp pair ? pair.Second : app)).Service;
            var context = new FrameAppContext(settings.AppOptions, [new PortInfo(0, "mem0", 0x0A0000000000UL, 0)]);

            // What DpdkBackend does before it builds workers: make the frame app twice and ask it questions.
            Assert.True(FrameApps.Create(app, context, new Probe()));
            Assert.True(FrameApps.Create(app, context, new Probe()));
            Assert.Equal(0, service.RegisteredWorkers);

            using (var w1 = new WorkerHarness(1, 1024, MemoryNetwork.DefaultCapacity, 32, f => FrameApps.Create(app, context, f)))
                Assert.Equal(1, service.RegisteredWorkers);
            using (var w2 = new WorkerHarness(1, 1024, MemoryNetwork.DefaultCapacity, 32, f => FrameApps.Create(app, context, f)))
                Assert.Equal(2, service.RegisteredWorkers);
        }
        finally
        {
            (app as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public void An_app_copy_no_worker_attached_answers_busy_instead_of_queueing_an_answer_nobody_sends()
    {
        using var s = new SimilarityService(StoredMatrix.Load(_files.Npy(MatrixFiles.Random(4, 8 * 4), 8, 4)), null, SimilarityMetric.Dot, 2);
        var app = new SimilarityDatagrams(s);
        Assert.Equal(SimilarityService.Unattached, app.Worker);
        var buffer = new byte[512];
        int n = Synthex.Protocol.Query.Write(buffer, Synthex.Protocol.Query.Header(1, 1, 1, 4, 1), [1f, 2f, 3f, 4f]);
        var v = app.Process(buffer, n, default);
        Assert.True(v.IsReply);
        Assert.True(Synthex.Protocol.Codec.ReadAnswer(buffer.AsSpan(0, v.ReplyLength), out var m).IsValid);
        Assert.Equal(Synthex.Protocol.Status.Busy, m.Header.Status);
        Assert.Equal(0, app.PendingOriginations);
        Assert.Equal(1, s.Counters.Single(c => c.Key == "unattached").Value);
        Assert.Equal(0, s.RegisteredWorkers);

        app.AttachWorker();
        app.AttachWorker(); // once only
        Assert.Equal(0, app.Worker);
        Assert.Equal(1, s.RegisteredWorkers);
    }
}
