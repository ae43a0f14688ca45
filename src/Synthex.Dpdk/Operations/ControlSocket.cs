using System.Net.Sockets;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// The instance's local control socket: a Unix stream socket at <c>RUN_DIR/NAME.sock</c>
/// (owner-only) that answers every connection with the <see cref="StatusDocument"/> and closes
/// it. Served by one background thread that only accepts and writes; it reads counters the way
/// the live line does, so a status request costs the workers nothing. Every backend opens one,
/// so <c>synthex status</c> works for DPDK, io_uring and socket runs alike.
/// </summary>
public sealed class ControlSocket : IDisposable
{
    private readonly Socket _listener;
    private readonly Func<byte[]> _answer;
    private readonly Thread _thread;
    private volatile bool _closing;

    private ControlSocket(Socket listener, string path, Func<byte[]> answer)
    {
        _listener = listener;
        Path = path;
        _answer = answer;
        _thread = new Thread(Serve) { IsBackground = true, Name = "synthex-control" };
        _thread.Start();
    }

    public string Path { get; }

    /// <summary>
    /// Binds <paramref name="path"/>. A socket file left by an instance that died is replaced; one
    /// that still answers belongs to a live instance of the same name: <see cref="EnvironmentException"/>.
    /// </summary>
    public static ControlSocket Open(string path, Func<byte[]> answer)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > RunDirectory.MaxSocketPath)
            throw new ConfigurationException("run-dir", $"control socket path '{path}' is longer than {RunDirectory.MaxSocketPath} bytes; choose a shorter --run-dir or --name");
        RunDirectory.Ensure(System.IO.Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            if (Answers(path))
                throw new EnvironmentException($"another synthex named '{System.IO.Path.GetFileNameWithoutExtension(path)}' is running (its control socket {path} answers); give this one another --name");
            File.Delete(path); // left by an instance that did not exit cleanly
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new EnvironmentException($"cannot open the control socket {path}: {e.Message}; give a writable --run-dir");
        }
        return new ControlSocket(listener, path, answer);
    }

    private static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Serve()
    {
        while (!_closing)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // closed by Dispose
            }
            using (client)
            {
                try
                {
                    client.SendTimeout = 5000; // a client that stops reading must not hold the thread
                    client.Send(_answer());
                    client.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                    // The client went away mid-answer: its problem, not the run's.
                }
            }
        }
    }

    public void Dispose()
    {
        _closing = true;
        // Unlink first: from here on the name is free for the next instance.
        try { File.Delete(Path); } catch (IOException) { }
        _listener.Dispose();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
