using System.Text.Json;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// synthex on DPDK's <c>net_tap</c>, with a real Linux stack on the other side: the tap is moved
/// into a test network namespace of its own once synthex has opened it, and given an address in
/// the endpoint's subnets, so the kernel there resolves synthex by ARP and ND and talks to it
/// like any host. Names, subnets and the service port are random: other worktrees' tests may run
/// at the same moment.
/// </summary>
internal sealed class TapEndpoint : IDisposable
{
    private readonly SynthexProcess _synthex;
    private bool _stopped;

    /// <param name="eal">EAL arguments instead of <see cref="SynthexRun.NoHugeEal"/>'s (e.g. other lcores); the tap vdev is added.</param>
    /// <param name="ipv6">false: IPv6 is disabled on the host's side before its link comes up, so the host sends
    /// nothing unasked (no router solicitations, no MLD reports) and every frame on the tap is one a test caused.</param>
    public TapEndpoint(string app, IEnumerable<string>? extra = null, IEnumerable<string>? eal = null, bool ipv6 = true)
    {
        string id = Guid.NewGuid().ToString("N")[..8];
        Interface = $"sx{id}";
        Namespace = $"sxep-{id}";
        int a = Random.Shared.Next(0, 250), b = Random.Shared.Next(0, 256);
        ServerV4 = $"10.{a}.{b}.1";
        ClientV4 = $"10.{a}.{b}.2";
        string v6Prefix = $"fd{a:x2}:{b:x2}{Random.Shared.Next(0, 256):x2}:{Random.Shared.Next(0, 65536):x4}";
        // As `ip` prints them (no leading zeros), for matching its output.
        ServerV6 = System.Net.IPAddress.Parse($"{v6Prefix}::1").ToString();
        ClientV6 = System.Net.IPAddress.Parse($"{v6Prefix}::2").ToString();
        Port = Random.Shared.Next(20000, 60000);
        Report = Path.Combine(TempDir(), "report.json");

        _synthex = SynthexRun.Start(
            ["run", "--app", app, "--address", $"{ServerV4}/24,{ServerV6}/64", "--listen", $"0.0.0.0:{Port}",
             "--stats-interval", "0", "--stats-json", Report, .. extra ?? [], "--",
             .. (eal ?? SynthexRun.NoHugeEal(SynthexRun.UniquePrefix())), "--vdev", $"net_tap0,iface={Interface}"]);
        if (!_synthex.WaitFor("synthex: running", 60_000))
        {
            string output = _synthex.Output;
            _synthex.Dispose();
            throw new Xunit.Sdk.XunitException($"synthex did not start on {Interface}:\n{output}");
        }
        MustRun("ip", "netns", "add", Namespace);
        MustRun("ip", "link", "set", Interface, "netns", Namespace);
        InNs("ip", "link", "set", "lo", "up");
        InNs("ip", "addr", "add", $"{ClientV4}/24", "dev", Interface);
        if (ipv6) InNs("ip", "addr", "add", $"{ClientV6}/64", "dev", Interface, "nodad");
        else InNs("sysctl", "-qw", $"net.ipv6.conf.{Interface}.disable_ipv6=1");
        InNs("ip", "link", "set", Interface, "up");
    }

    public string Interface { get; }
    public string Namespace { get; }
    public string ServerV4 { get; }
    public string ClientV4 { get; }
    public string ServerV6 { get; }
    public string ClientV6 { get; }
    public int Port { get; }
    public string Report { get; }
    public string Output => _synthex.Output;
    public int Pid => _synthex.Pid;

    private void InNs(params string[] command) => MustRun("ip", ["netns", "exec", Namespace, .. command]);

    /// <summary>Runs a command in the client's namespace; returns its exit code and output.</summary>
    public (int Code, string Output) Client(params string[] command) => Run("ip", ["netns", "exec", Namespace, .. command]);

    /// <summary>Stops synthex with SIGTERM (SIGINT may be ignored in a background job) and returns the report.</summary>
    public JsonElement Stop()
    {
        _stopped = true;
        _synthex.Signal(SynthexProcess.SIGTERM);
        int code = _synthex.WaitForExit(30_000);
        Assert.True(code == 0, $"synthex exited {code}:\n{_synthex.Output}");
        return ReadReport(Report);
    }

    public void Dispose()
    {
        if (!_stopped)
        {
            try { _synthex.Signal(SynthexProcess.SIGTERM); _synthex.WaitForExit(30_000); } catch (InvalidOperationException) { }
        }
        _synthex.Dispose();
        Run("ip", "netns", "del", Namespace); // the tap went with synthex; the namespace is ours to remove
    }
}
