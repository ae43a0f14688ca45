using Synthex.Dpdk.Cli.Configuration;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Tests.Cli;

/// <summary>Configuration binding: file &lt; environment &lt; options, every bad value named.</summary>
[Collection(nameof(SettingsBinderTests))] // touches process environment variables
public class SettingsBinderTests
{
    private static readonly Dictionary<string, string> None = [];

    private static string Write(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sx-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Synthex.Dpdk.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), relative);
    }

    [Fact]
    public void The_sample_config_binds_and_validates()
    {
        var s = SettingsBinder.Bind(RepoFile("config/synthex.sample.json"), None, []);
        s.Validate();
        Assert.Equal("forward", s.App);
        Assert.Equal("macswap", s.Mode);
        Assert.Equal(32, s.Burst);
        Assert.Contains("net_null0", s.EalArgs);
    }

    [Fact]
    public void Options_beat_environment_which_beats_the_file()
    {
        var file = Write("""{ "burst": 16, "duration": 3, "statsInterval": 2, "eal": ["-l", "0,1"] }""");
        Environment.SetEnvironmentVariable("SYNTHEX_BURST", "64");
        Environment.SetEnvironmentVariable("SYNTHEX_STATS_INTERVAL", "5");
        try
        {
            var s = SettingsBinder.Bind(file, new Dictionary<string, string> { ["burst"] = "128" }, []);
            Assert.Equal(128, s.Burst);          // option
            Assert.Equal(5, s.StatsInterval);    // environment over file
            Assert.Equal(3, s.Duration);         // file
            Assert.Equal(["-l", "0,1"], s.EalArgs);
            var withEal = SettingsBinder.Bind(file, None, ["--vdev", "net_null0"]);
            Assert.Equal(["--vdev", "net_null0"], withEal.EalArgs); // after -- beats the file's
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYNTHEX_BURST", null);
            Environment.SetEnvironmentVariable("SYNTHEX_STATS_INTERVAL", null);
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("burst", "0", "burst: 0 (from --burst) is out of range; allowed 1..512")]
    [InlineData("burst", "lots", "burst: 'lots' (from --burst) is not an integer; allowed 1..512")]
    [InlineData("duration", "-1", "duration: -1 (from --duration) is out of range; allowed 0..604800 seconds")]
    [InlineData("topology", "ring", "topology: 'ring' (from --topology) is not allowed; allowed: auto, paired, loop, map")]
    [InlineData("promiscuous", "maybe", "promiscuous: 'maybe' (from --promiscuous) is not a boolean; allowed true or false")]
    [InlineData("rx-queues", "17", "rx-queues: 17 (from --rx-queues) is out of range; allowed 1..16")]
    [InlineData("buffers", "32", "buffers: 32 (from --buffers) is out of range; allowed 64..32768")]
    [InlineData("buffer-size", "100", "buffer-size: 100 (from --buffer-size) is out of range; allowed 512..65536")]
    [InlineData("pin-cpus", "often", "pin-cpus: 'often' (from --pin-cpus) is not a boolean; allowed true or false")]
    public void Bad_option_values_name_the_key_and_the_range(string key, string value, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(null, new Dictionary<string, string> { [key] = value }, []));
        Assert.Equal(key, e.Key);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("app", "router", "unknown app 'router'; allowed: forward, reflect")]
    [InlineData("mode", "turbo", "unknown mode 'turbo' for app 'forward'; allowed: io, macswap, l2fwd")]
    [InlineData("backend", "xdp", "unknown backend 'xdp'; allowed: auto, dpdk, io-uring, socket")]
    [InlineData("listen", "9000", "'9000' is not ADDR:PORT")]
    [InlineData("port-map", "0-1", "'0-1' is not IN:OUT")]
    [InlineData("peer-macs", "0=zz", "'0=zz' is not PORT=MAC")]
    [InlineData("buffers", "1000", "1000 is not a power of two")]
    // Regressions found by fuzz.sh config (corpus/config/regression-empty-stats-json): these threw
    // ArgumentException out of Path.GetFullPath, a crash instead of exit 2.
    [InlineData("stats-json", "", "is empty")]
    [InlineData("stats-json", " ", "is empty")]
    [InlineData("stats-json", "r\0.json", "contains a NUL character")]
    public void Validation_names_the_key(string key, string value, string message)
    {
        var s = SettingsBinder.Bind(null, new Dictionary<string, string> { [key] = value }, []);
        var e = Assert.Throws<ConfigurationException>(s.Validate);
        Assert.Equal(key, e.Key);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Each_provider_is_named_in_the_message_of_its_bad_value()
    {
        var file = Write("""{ "rx-queues": 99 }""");
        try
        {
            Assert.Equal($"rx-queues: 99 (in {file}) is out of range; allowed 1..16",
                Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(file, None, [])).Message);
            Environment.SetEnvironmentVariable("SYNTHEX_BURST", "lots");
            // A bad value in a lower layer is reported even when a higher layer sets the key too.
            Assert.Equal("burst: 'lots' (from SYNTHEX_BURST) is not an integer; allowed 1..512",
                Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(null, new Dictionary<string, string> { ["burst"] = "8" }, [])).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SYNTHEX_BURST", null);
            File.Delete(file);
        }
    }

    [Fact]
    public void The_options_validator_reports_every_problem_with_its_key()
    {
        Assert.True(RunSettingsValidator.Instance.Validate(null, new RunSettings()).Succeeded);

        var bad = new RunSettings { App = "router", Burst = 0, Listen = "9000", Buffers = 1000 };
        var result = RunSettingsValidator.Instance.Validate(null, bad);
        Assert.True(result.Failed);
        var failure = Assert.IsType<RunSettingsValidator.Failure>(result);
        Assert.Equal(["app", "burst", "buffers", "listen"], failure.Problems.Select(p => p.Key));
        Assert.Contains("burst: 0 is out of range; allowed 1..512", result.Failures!);
        Assert.Equal("app", Assert.Throws<ConfigurationException>(bad.Validate).Key); // Validate throws the first
    }

    [Fact]
    public void Unknown_keys_and_broken_json_in_the_file_are_errors()
    {
        var typo = Write("""{ "bursts": 64 }""");
        var broken = Write("""{ "burst": 64 """);
        try
        {
            Assert.Equal("bursts", Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(typo, None, [])).Key);
            Assert.Equal("config", Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(broken, None, [])).Key);
            Assert.Equal("config", Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind("/nonexistent.json", None, [])).Key);
        }
        finally
        {
            File.Delete(typo);
            File.Delete(broken);
        }
    }

    /// <summary>
    /// Regression (found by `scripts/fuzz.sh config`, corpus/config/regression-empty-key): an empty
    /// key in the file was refused as ": unknown key in ...", a message naming no key.
    /// </summary>
    [Theory]
    [InlineData("""{ "app": "forward", "": "0=02:00:00:00:00:10" }""")]
    [InlineData("""{ " ": 1 }""")]
    public void An_empty_key_in_the_file_is_refused_under_config_saying_so(string json)
    {
        var path = Write(json);
        try
        {
            var e = Assert.Throws<ConfigurationException>(() => SettingsBinder.Bind(path, None, []));
            Assert.Equal("config", e.Key);
            Assert.Contains("has an empty key", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unknown_synthex_environment_variables_are_left_to_their_owners()
    {
        Environment.SetEnvironmentVariable("SYNTHEX_SIMD", "v128"); // the kernels' switch, not a run setting
        try { Assert.Equal(32, SettingsBinder.Bind(null, None, []).Burst); }
        finally { Environment.SetEnvironmentVariable("SYNTHEX_SIMD", null); }
    }

    [Fact]
    public void File_prefix_is_added_only_when_missing()
    {
        Assert.Contains(Synthex.Dpdk.Runtime.Dpdk.EalSession.WithFilePrefix(["-l", "0,1"]), a => a.StartsWith("--file-prefix=synthex-"));
        Assert.Equal(["--file-prefix", "x"], Synthex.Dpdk.Runtime.Dpdk.EalSession.WithFilePrefix(["--file-prefix", "x"]));
        Assert.Equal(["--file-prefix=x"], Synthex.Dpdk.Runtime.Dpdk.EalSession.WithFilePrefix(["--file-prefix=x"]));
    }
}
