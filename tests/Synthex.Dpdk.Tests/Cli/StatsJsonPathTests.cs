using System.Net;
using System.Net.Sockets;
using Synthex.Dpdk.Cli.Commands;

namespace Synthex.Dpdk.Tests.Cli;

/// <summary>
/// Regression: <c>--stats-json</c> into a directory that does not exist used to run, exit 0 and
/// leave the report somewhere the user never asked for (the directory was made silently). The
/// path is now checked before anything starts.
/// </summary>
[Collection(nameof(SettingsBinderTests))] // RunCommand reads SYNTHEX_ variables
public class StatsJsonPathTests
{
    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static (int Code, string Out, string Err) Run(string statsJson)
    {
        var options = new Dictionary<string, string>
        {
            ["app"] = "reflect", ["backend"] = "socket", ["listen"] = $"127.0.0.1:{FreeUdpPort()}", ["workers"] = "1",
            ["duration"] = "0.1", ["stats-interval"] = "0", ["stats-json"] = statsJson,
        };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = RunCommand.Execute(null, options, [], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void A_missing_directory_is_refused_before_the_run_naming_the_key_and_the_directory()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"sx-missing-{Guid.NewGuid():N}");
        var (code, output, error) = Run(Path.Combine(dir, "report.json"));

        Assert.Equal(2, code);
        Assert.Contains($"stats-json: directory '{dir}'", error);
        Assert.Contains("does not exist", error);
        Assert.DoesNotContain("synthex: running", output); // refused before anything started
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void A_directory_given_as_the_file_is_refused_before_the_run()
    {
        var (code, _, error) = Run(Path.GetTempPath());

        Assert.Equal(2, code);
        Assert.Contains("stats-json:", error);
        Assert.Contains("is a directory", error);
    }

    [Fact]
    public void A_writable_path_gets_the_report_and_exits_0()
    {
        string file = Path.Combine(Path.GetTempPath(), $"sx-report-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, error) = Run(file);
            Assert.True(code == 0, output + error);
            Assert.Contains("\"backend\": \"socket\"", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
