using System.Net;
using Synthex.Dpdk.Apps;
using Synthex.Dpdk.Pipeline;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Telemetry;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Fallback;

/// <summary>
/// <see cref="IBackend"/> over a <see cref="OsServer"/>: the io-uring and socket backends.
/// The listen address is the one "port"; its counters are the workers' sums, with datagrams the
/// kernel dropped at the sockets (<c>no_buffer</c>) as <c>rx_missed</c> and refused replies as
/// <c>tx_errors</c>.
/// </summary>
/// <remarks>Nothing here touches DPDK or the native shim: the process serves without them.</remarks>
internal sealed class OsBackend : IBackend
{
    private readonly OsBackendKind _kind;
    private OsServer? _server;
    private PortInfo _port;

    public OsBackend(OsBackendKind kind, RunSettings settings)
    {
        _kind = kind;
        _port = new PortInfo(0, settings.Listen, 0, -1);
    }

    public string Name => OsBackendProvider.NameOf(_kind);
    public BackendLayers Layers => BackendLayers.Datagrams;
    public IReadOnlyList<PortInfo> Ports => [_port];
    public IReadOnlyList<WorkerCounters> Workers => _server?.Counters ?? [];

    /// <summary>The running server (null before <see cref="Start"/>), for tests and the log.</summary>
    public OsServer? Server => _server;

    public void Start(RunSettings settings, AppDescriptor app)
    {
        if (_server is not null) throw new InvalidOperationException("already started");
        if (!RunSettings.TryParseListen(settings.Listen, out var address, out int port))
            throw new ConfigurationException("listen", $"'{settings.Listen}' is not ADDR:PORT");
        var options = new OsBackendOptions
        {
            Listen = new IPEndPoint(address, port),
            // 0: one worker per CPU, each with its own SO_REUSEPORT socket and ring.
            // An app that cannot be split over workers gets at most its MaxWorkers.
            Workers = settings.Workers > 0 ? settings.Workers : Math.Min(Math.Min(Environment.ProcessorCount, 64), app.MaxWorkers),
            PinCpus = settings.PinCpus,
            BufferCount = settings.Buffers,
            BufferSize = settings.BufferSize,
            SpinMicroseconds = settings.SpinMicroseconds,
        };
        try
        {
            _server = app.CreateDatagramApp(settings.AppOptions, new Starter(_kind, options));
        }
        catch (Exception e) when (e is OsBackendException or IoUring.IoUringException)
        {
            // A socket, ring or buffer the host refused (port in use, memory limits): exit 3.
            throw new EnvironmentException($"{Name}: {e.Message}", e);
        }
        _port = _port with { Name = $"udp {_server.LocalEndPoint}" };
    }

    public IReadOnlyList<PortStats> ReadPortStats(bool extended)
    {
        var workers = Workers;
        long rx = 0, tx = 0, rxb = 0, txb = 0, missed = 0, txErr = 0;
        foreach (var w in workers)
        {
            rx += w.RxPackets; tx += w.TxPackets; rxb += w.RxBytes; txb += w.TxBytes;
            missed += w.Drops(DropReason.NoBuffer);
            txErr += w.Drops(DropReason.SendFailed);
        }
        List<KeyValuePair<string, long>>? x = null;
        if (extended && _server is not null)
        {
            x =
            [
                new("workers", workers.Count),
                new("truncated_datagrams", workers.Sum(w => w.Drops(DropReason.TruncatedDatagram))),
                new("empty_datagrams", workers.Sum(w => w.Drops(DropReason.EmptyDatagram))),
            ];
            if (_kind == OsBackendKind.IoUring) x.Add(new("enobufs_rearms", _server.NoBufferStalls));
            // The receive spin (--spin-us): datagrams picked up without a wake-up, windows that
            // ran out, and 100 ms backoffs after the worker was taken off its CPU.
            var (hits, misses, backoffs) = _server.SpinCounts;
            x.Add(new("spin_hits", hits));
            x.Add(new("spin_misses", misses));
            x.Add(new("spin_backoffs", backoffs));
        }
        return [new PortStats(0, _port.Name, rx, tx, rxb, txb, missed, 0, txErr, 0, x)];
    }

    public void Stop()
    {
        _server?.Stop();
        // Reported like the DPDK backend's: RunHost writes the report, then the run exits 1.
        if (_server?.Failure is { } failure)
            throw new InvalidOperationException($"worker failed: {failure}");
    }

    public void Dispose() => _server?.Dispose();

    /// <summary>Gets the app's struct type back as a generic argument and starts the workers with it.</summary>
    private sealed class Starter(OsBackendKind kind, OsBackendOptions options) : IDatagramAppConsumer<OsServer>
    {
        public OsServer Accept<TApp>(TApp app) where TApp : struct, IDatagramApp
            => OsServer.Start(kind, options, app);
    }
}
