namespace Synthex.Dpdk.Apps;

/// <summary>
/// Turns reload requests — SIGHUP (through <see cref="AppDescriptor.RequestReload"/>) and, with
/// <c>--watch</c>, a change of the matrix file — into <see cref="SimilarityService.Reload"/> calls
/// on its own thread, so neither the signal handler nor the control loop ever loads a file.
/// Requests that arrive during a reload fold into one more.
/// </summary>
/// <remarks>
/// A file change is acted on once the file has been quiet for <see cref="SettleMilliseconds"/>: a
/// writer that rewrites the file in place raises several events, and a half-written file would
/// only be refused (and counted) anyway. Writing a new file and renaming it over the old is the
/// way to replace a matrix atomically (README).
/// </remarks>
public sealed class MatrixReloader : IDisposable
{
    /// <summary>Quiet time after the last change event before a watched file is loaded.</summary>
    public const int SettleMilliseconds = 200;

    private readonly SimilarityService _service;
    private readonly string _path;
    private readonly TextWriter _log;
    private readonly AutoResetEvent _requested = new(false);
    private readonly Thread _thread;
    private readonly FileSystemWatcher? _watcher;
    private volatile string _cause = "reload";
    private volatile bool _fromWatch;
    private volatile bool _stopping;

    public MatrixReloader(SimilarityService service, string path, bool watch, TextWriter log)
    {
        (_service, _path, _log) = (service, path, log);
        _thread = new Thread(Run) { Name = "similarity-reload", IsBackground = true };
        _thread.Start();
        if (watch)
        {
            string full = Path.GetFullPath(path);
            _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => Request("file change", watch: true);
            _watcher.Created += (_, _) => Request("file change", watch: true);
            _watcher.Renamed += (_, e) => { if (string.Equals(e.FullPath, full, StringComparison.Ordinal)) Request("file change", watch: true); };
            _watcher.EnableRaisingEvents = true;
        }
    }

    /// <summary>Reloads finished (swapped or refused) by this reloader: for tests that wait for one.</summary>
    public int Completed => Volatile.Read(ref _completed);
    private int _completed;

    /// <summary>Asks for a reload from <see cref="SimilarityService"/>'s matrix path; returns at once.</summary>
    public void Request(string cause, bool watch = false)
    {
        if (_stopping) return;
        _cause = cause;
        _fromWatch = watch;
        _requested.Set();
    }

    private void Run()
    {
        while (true)
        {
            _requested.WaitOne();
            if (_stopping) return;
            if (_fromWatch)
                while (_requested.WaitOne(SettleMilliseconds)) // wait for the writer to finish
                    if (_stopping) return;
            try
            {
                _service.Reload(_path, _log, _cause);
            }
            catch (Exception e)
            {
                // Reload catches what a bad file throws; anything else is a bug, reported, not fatal to the run.
                _log.WriteLine($"synthex: similarity: {_cause} failed: {e}");
            }
            Interlocked.Increment(ref _completed);
        }
    }

    /// <summary>
    /// Lets a reload under way finish, then ends the reload thread; later requests are ignored.
    /// Idempotent (RunHost calls it before the final report, <see cref="Dispose"/> again).
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _watcher?.Dispose();
        _stopping = true;
        _requested.Set();
        _thread.Join();
    }

    private int _stopped;

    public void Dispose()
    {
        Stop();
        _requested.Dispose();
    }
}
