using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Synthex.Load.Scenarios;

namespace Synthex.Load.Tests.Support;

/// <summary>Real servers as child processes: <c>sockperf server</c>.</summary>
internal sealed class ExternalServer : IDisposable
{
    private readonly Process _process;

    private ExternalServer(Process process) => _process = process;

    public static ExternalServer SockperfServer(int port)
    {
        var psi = new ProcessStartInfo("sockperf") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "server", "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sockperf");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ExternalServer(process);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

internal static class Probe
{
    /// <summary>Sends one sockperf ping until it is answered (the server is up), for up to
    /// <paramref name="timeoutMs"/>; false when it never is.</summary>
    public static bool AnswersSockperf(IPEndPoint target, int timeoutMs = 15000)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        socket.Connect(target);
        var request = new byte[64];
        new ReflectScenario(64).WriteRequest(1, 0, request);
        var answer = new byte[128];
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            try
            {
                socket.Send(request);
                if (socket.Receive(answer) == 64) return true;
            }
            catch (SocketException) { Thread.Sleep(50); }
        }
        return false;
    }
}
