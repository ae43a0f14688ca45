using System.Net.Sockets;
using System.Text;
using Synthex.Dpdk.Operations;

namespace Synthex.Dpdk.Tests.Operations;

/// <summary>sd_notify's datagrams, received on a real AF_UNIX datagram socket as systemd would (a path, and '@' abstract).</summary>
public class SystemdNotifierTests
{
    private static string Receive(Socket listener)
    {
        var buffer = new byte[4096];
        listener.ReceiveTimeout = 10_000;
        int n = listener.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ready_status_and_stopping_arrive_as_one_datagram_each(bool abstractName)
    {
        string name = $"sx-notify-{Guid.NewGuid():N}";
        string path = Path.Combine(Path.GetTempPath(), name + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name : path));
        try
        {
            using var notifier = SystemdNotifier.Create(abstractName ? "@" + name : path, TextWriter.Null);
            Assert.NotNull(notifier);
            notifier.Ready("running reflect\non socket");
            notifier.Status("[5s] socket rx 1.0 Mpps");
            notifier.Stopping("stopping (signal)");

            string ready = Receive(listener);
            Assert.Equal($"READY=1\nSTATUS=running reflect on socket\nMAINPID={Environment.ProcessId}", ready); // a newline would start a new key
            Assert.Equal("STATUS=[5s] socket rx 1.0 Mpps", Receive(listener));
            Assert.Equal("STOPPING=1\nSTATUS=stopping (signal)", Receive(listener));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Without_a_listener_or_with_a_bad_address_the_run_goes_on_and_says_so_once()
    {
        var log = new StringWriter();
        Assert.Null(SystemdNotifier.Create(null, log));
        Assert.Null(SystemdNotifier.Create("relative/path", log));
        Assert.Contains("neither a path nor @abstract", log.ToString());

        log = new StringWriter();
        using var nobody = SystemdNotifier.Create(Path.Combine(Path.GetTempPath(), $"sx-none-{Guid.NewGuid():N}.sock"), log);
        Assert.NotNull(nobody);
        Assert.False(nobody.Send("READY=1"));
        Assert.False(nobody.Send("STATUS=x"));
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
