using System.Net;
using System.Net.Sockets;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Operations;

/// <summary>
/// The real <c>dotnet-counters</c> (installed by scripts/bootstrap.sh into artifacts/tools) reads the
/// <c>Synthex</c> meter of a running synthex over EventPipe, through <c>scripts/counters.sh</c>,
/// which finds the instance's pid with <c>synthex status</c>.
/// </summary>
[Collection(Fallback.FallbackCollection.Name)]
public class DotnetCountersTests
{
    [Fact]
    public void Counters_sh_collects_the_synthex_meter_of_a_running_instance()
    {
        string tool = Path.Combine(RepoRoot, "artifacts", "tools", "dotnet-counters");
        Assert.True(File.Exists(tool), $"{tool} missing: scripts/bootstrap.sh installs it (dotnet tool install --tool-path artifacts/tools dotnet-counters)");
        string dir = TempDir(), runDir = Path.Combine(dir, "run"), name = $"c{Guid.NewGuid().ToString("N")[..8]}", csv = Path.Combine(dir, "counters.csv");
        int udp = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{udp}", "--workers", "1",
             "--stats-interval", "0", "--run-dir", runDir, "--name", name]);
        Assert.True(synthex.WaitFor("synthex: running", 60_000), synthex.Output);

        // Traffic while dotnet-counters samples (one refresh a second for 3 s).
        using var stop = new CancellationTokenSource();
        var traffic = new Thread(() =>
        {
            using var client = new UdpClient();
            client.Client.ReceiveTimeout = 2000;
            var to = new IPEndPoint(IPAddress.Loopback, udp);
            var from = new IPEndPoint(IPAddress.Any, 0);
            while (!stop.IsCancellationRequested)
            {
                client.Send("counters"u8.ToArray(), to);
                try { client.Receive(ref from); } catch (SocketException) { }
            }
        });
        traffic.Start();
        var (code, output) = Run(Path.Combine(RepoRoot, "scripts", "counters.sh"), "--name", name, "--run-dir", runDir,
            "collect", "--format", "csv", "-o", csv, "--duration", "00:00:00:03");
        stop.Cancel();
        traffic.Join();
        Assert.True(code == 0, $"counters.sh exited {code}:\n{output}");
        Assert.Contains($"synthex pid {synthex.Pid}", output);

        // Timestamp,Provider,Counter Name,Counter Type,Mean/Increment
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).Where(f => f.Length >= 5 && f[1] == "Synthex").ToList();
        Assert.True(rows.Count > 0, "no Synthex counters in the CSV:\n" + File.ReadAllText(csv));
        var rx = rows.Where(f => f[2].StartsWith("synthex.rx.packets", StringComparison.Ordinal)).ToList();
        Assert.True(rx.Count > 0, "no synthex.rx.packets:\n" + File.ReadAllText(csv));
        Assert.True(rx.Any(f => double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture) > 0), "synthex.rx.packets did not move:\n" + string.Join('\n', rx.Select(f => string.Join(',', f))));
        Assert.Contains(rows, f => f[2].StartsWith("synthex.uptime", StringComparison.Ordinal));

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit(30_000));
    }
}
