using Synthex.Dpdk.Cli.Commands;

namespace Synthex.Dpdk.Tests.Cli;

/// <summary><c>--keys FILE</c> of <c>synthex run</c>: a key file that cannot be used refuses the run with exit 2 and a message naming <c>keys</c>.</summary>
[Collection(nameof(SettingsBinderTests))] // RunCommand reads SYNTHEX_ variables
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class KeysOptionTests
{
    [Fact]
    public void A_bad_key_file_refuses_the_run_with_exit_2_naming_keys()
    {
        string dir = Directory.CreateTempSubdirectory("synthex-keys").FullName;
        string path = Path.Combine(dir, "keys");
        int Run(out string error)
        {
            var options = new Dictionary<string, string>
            {
                ["app"] = "consensus", ["backend"] = "socket", ["listen"] = "127.0.0.1:0", ["workers"] = "1",
                ["duration"] = "0.1", ["stats-interval"] = "0", ["keys"] = path,
            };
            var err = new StringWriter();
            int code = RunCommand.Execute(null, options, [], new StringWriter(), err);
            error = err.ToString();
            return code;
        }
        Assert.Equal(2, Run(out string e));
        Assert.Contains("keys:", e);
        Assert.Contains("does not exist", e);

        File.WriteAllText(path, "7 00112233445566778899aabbccddeeff\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal(2, Run(out e));
        Assert.Contains("chmod 600", e);

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path, "7 00112233445566778899aabbccddee\n");   // 15 bytes
        Assert.Equal(2, Run(out e));
        Assert.Contains("fewer than 16", e);

        File.WriteAllText(path, "7 00112233445566778899aabbccddeeff extra\n");
        Assert.Equal(2, Run(out e));
        Assert.Contains(":1: expected 'JOB HEXKEY'", e);
    }

    [Fact]
    public void Require_auth_without_a_key_file_or_with_an_empty_one_refuses_the_run_with_exit_2_saying_what_to_do()
    {
        string dir = Directory.CreateTempSubdirectory("synthex-keys").FullName;
        int port;
        using (var probe = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)))
            port = ((System.Net.IPEndPoint)probe.Client.LocalEndPoint!).Port;   // free now; the accepted run binds it for 0.1 s
        int Run(string? keys, out string error)
        {
            var options = new Dictionary<string, string>
            {
                ["app"] = "consensus", ["backend"] = "socket", ["listen"] = $"127.0.0.1:{port}", ["workers"] = "1",
                ["duration"] = "0.1", ["stats-interval"] = "0", ["require-auth"] = "true",
            };
            if (keys is not null) options["keys"] = keys;
            var err = new StringWriter();
            int code = RunCommand.Execute(null, options, [], new StringWriter(), err);
            error = err.ToString();
            return code;
        }
        Assert.Equal(2, Run(null, out string e));
        Assert.Contains("require-auth:", e);
        Assert.Contains("needs --keys FILE", e);

        string path = Path.Combine(dir, "keys");
        File.WriteAllText(path, "# no job yet\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(2, Run(path, out e));
        Assert.Contains("require-auth:", e);
        Assert.Contains("lists no job", e);

        File.WriteAllText(path, "7 00112233445566778899aabbccddeeff\n");
        Assert.True(Run(path, out e) == 0, e);
    }
}
