namespace Synthex.Load.Tests;

/// <summary>Bad options: exit 2 and a message naming the option, before anything is sent.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("--rate", "--scenario", "reflect", "--to", "127.0.0.1:9", "--rate", "-5")]
    [InlineData("--concurrency", "--scenario", "reflect", "--to", "127.0.0.1:9", "--concurrency", "0")]
    [InlineData("--scenario", "--scenario", "nosuch", "--to", "127.0.0.1:9")]
    [InlineData("--to", "--scenario", "reflect", "--to", "127.0.0.1")]
    [InlineData("--size", "--scenario", "reflect", "--to", "127.0.0.1:9", "--size", "13")]
    [InlineData("--steps", "--scenario", "reflect", "--to", "127.0.0.1:9", "--steps", "100:1", "--duration", "5")]
    [InlineData("--io", "--scenario", "reflect", "--to", "127.0.0.1:9", "--io", "carrier-pigeon")]
    [InlineData("--rate", "--scenario", "reflect", "--to", "127.0.0.1:9", "--rate", "fast")]
    public void Bad_options_exit_2_naming_the_option(string named, params string[] args)
    {
        var (code, output) = LoadCli.Run(args);
        Assert.True(code == 2, output);
        Assert.Contains(named, output);
    }

    [Fact]
    public void Two_load_shapes_at_once_are_refused()
    {
        var (code, output) = LoadCli.Run("--scenario", "reflect", "--to", "127.0.0.1:9", "--concurrency", "4", "--rate", "100");
        Assert.True(code == 2, output);
        Assert.Contains("one of --concurrency, --rate", output);
    }
}
