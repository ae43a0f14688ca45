using System.Net;
using Synthex.Dpdk.IntegrationTests.Dpdk;
using Synthex.Dpdk.IntegrationTests.Endpoint;
using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Auth;

/// <summary>
/// <see cref="AuthenticatedServiceTests"/> on the DPDK backend: <c>synthex run --app
/// consensus,similarity --keys FILE</c> behind the endpoint on <c>net_tap</c>, with the real
/// clients and the raw datagrams sent from sockets in the test namespace on the tap's Linux side
/// (so every datagram crosses the kernel's stack, ARP and the endpoint). The same exchanges and
/// the same exact counters: forgeries, an unsigned message and a replay get no answer, the first
/// contact without the epoch is answered STALE, the MAC flag of a job without a key
/// UNAUTHENTICATED, and the keyed clients get their consensus and matches, signed.
/// </summary>
[Collection(nameof(DpdkCollection))]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class AuthenticatedDpdkTests
{
    [Fact]
    public async Task Keyed_jobs_are_served_to_their_key_holders_only_over_dpdk()
    {
        Assert.True(IsRoot, "needs root for ip netns, setns and net_tap (CI runs tests as root)");
        string dir = TempDir(), matrixPath = Path.Combine(dir, "m.npy"), keys = Path.Combine(dir, "keys");
        float[] values = AuthenticatedServiceTests.WriteFiles(matrixPath, keys);
        using var tap = new TapEndpoint("consensus,similarity",
            ["--matrix", matrixPath, "--metric", "dot", "--k-max", "4", "--round-timeout", "20000", "--keys", keys]);
        await AuthenticatedServiceTests.Exercise(new IPEndPoint(IPAddress.Parse(tap.ServerV4), tap.Port), values, tap.Namespace);
        var report = tap.Stop();
        Assert.Equal("dpdk", report.GetProperty("backend").GetString());
        AuthenticatedServiceTests.AssertCounted(report);
    }
}
