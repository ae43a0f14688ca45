using static Synthex.Dpdk.IntegrationTests.Fallback.FallbackFixture;

namespace Synthex.Dpdk.IntegrationTests.Fallback;

/// <summary>
/// Regression: started from a background job of a shell script (<c>cmd &amp;</c>, nohup), synthex
/// inherits SIGINT as ignored, so Ctrl-C/SIGINT cannot stop it. It must say so at start and
/// name the signal that works.
/// </summary>
[Collection(FallbackCollection.Name)]
public class BackgroundStartTests
{
    [Fact]
    public void With_sigint_ignored_it_says_to_stop_with_sigterm_and_sigterm_stops_it()
    {
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{port}", "--workers", "1", "--stats-interval", "0"],
            wrapper: ["/usr/bin/env", "--ignore-signal=INT"]); // what a background job of a script does to its children
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.Contains("synthex: SIGINT is ignored", synthex.Stdout);
        Assert.Contains("stop with SIGTERM", synthex.Stdout);

        synthex.Signal(SynthexProcess.SIGTERM);
        Assert.Equal(0, synthex.WaitForExit());
    }

    [Fact]
    public void Started_normally_it_says_nothing_about_sigint()
    {
        int port = FreeUdpPort();
        using var synthex = SynthexProcess.Start(
            ["run", "--app", "reflect", "--backend", "socket", "--listen", $"127.0.0.1:{port}", "--workers", "1", "--stats-interval", "0"]);
        Assert.True(synthex.WaitFor("synthex: running"), synthex.Output);
        Assert.DoesNotContain("SIGINT is ignored", synthex.Stdout);

        synthex.Signal(SynthexProcess.SIGINT); // SynthexProcess restored SIGINT however the suite was launched
        Assert.Equal(0, synthex.WaitForExit());
    }
}
