using System.Net.Sockets;
using System.Text;

namespace Synthex.Dpdk.Operations;

/// <summary>
/// systemd's readiness protocol (<c>sd_notify</c>, for <c>Type=notify</c> units) without libsystemd:
/// one datagram per message, <c>KEY=VALUE</c> lines, to the AF_UNIX datagram socket named by
/// <c>NOTIFY_SOCKET</c> (a path, or <c>@name</c> for the abstract namespace). synthex sends
/// <c>READY=1</c> once its ports are up and the workers run, <c>STATUS=</c> with each live line
/// (what <c>systemctl status</c> shows), and <c>STOPPING=1</c> when asked to stop.
/// </summary>
/// <remarks>
/// Notification is best effort, as sd_notify's: a message that cannot be sent is logged once and
/// never stops the run. Without <c>NOTIFY_SOCKET</c> nothing is opened.
/// </remarks>
public sealed class SystemdNotifier : IDisposable
{
    /// <summary>The variable systemd sets for a <c>Type=notify</c> service.</summary>
    public const string Variable = "NOTIFY_SOCKET";

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _target;
    private readonly TextWriter _log;
    private readonly Lock _gate = new();
    private bool _failed;

    private SystemdNotifier(Socket socket, UnixDomainSocketEndPoint target, string address, TextWriter log)
    {
        _socket = socket;
        _target = target;
        Address = address;
        _log = log;
    }

    /// <summary>NOTIFY_SOCKET as given.</summary>
    public string Address { get; }

    /// <summary>A notifier for <c>NOTIFY_SOCKET</c>, or null when it is unset or not a socket address this protocol knows (logged).</summary>
    public static SystemdNotifier? FromEnvironment(TextWriter log) => Create(Environment.GetEnvironmentVariable(Variable), log);

    public static SystemdNotifier? Create(string? address, TextWriter log)
    {
        if (string.IsNullOrEmpty(address)) return null;
        // sd_notify takes an absolute path or '@' for the abstract namespace (AF_VSOCK "vsock:" is not used here).
        if (address[0] != '/' && address[0] != '@')
        {
            log.WriteLine($"synthex: {Variable}='{address}' is neither a path nor @abstract: systemd will not hear from this run");
            return null;
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        // .NET names the abstract namespace with a leading NUL, as the kernel does.
        var target = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
        return new SystemdNotifier(socket, target, address, log);
    }

    /// <summary>Ports up, workers running: <c>READY=1</c>, with the first status and the main pid.</summary>
    public void Ready(string status) => Send($"READY=1\nSTATUS={OneLine(status)}\nMAINPID={Environment.ProcessId}");

    public void Status(string status) => Send($"STATUS={OneLine(status)}");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={OneLine(status)}");

    /// <summary>One datagram; false (and one log line, the first time) when it could not be sent.</summary>
    public bool Send(string message)
    {
        lock (_gate)
        {
            try
            {
                _socket.SendTo(Encoding.UTF8.GetBytes(message), _target);
                return true;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_failed) _log.WriteLine($"synthex: cannot notify systemd at {Variable}={Address}: {e.Message}");
                _failed = true;
                return false;
            }
        }
    }

    /// <summary>A value is the rest of its line: newlines would start new keys.</summary>
    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    public void Dispose() => _socket.Dispose();
}
