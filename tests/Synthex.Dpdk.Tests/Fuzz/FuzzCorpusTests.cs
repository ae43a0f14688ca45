using Synthex.Dpdk.Fuzz;

namespace Synthex.Dpdk.Tests.Fuzz;

/// <summary>
/// CI replays each fuzz target's committed corpus (tests/Synthex.Dpdk.Fuzz/corpus/TARGET: the
/// seeds, and every finding of an AFL++ run once fixed): fast and deterministic.
/// </summary>
public class FuzzCorpusTests
{
    private static readonly string Corpus = Path.Combine(FindRoot(AppContext.BaseDirectory), "tests", "Synthex.Dpdk.Fuzz", "corpus");

    private static string FindRoot(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Synthex.Dpdk.sln"))) return d.FullName;
        throw new DirectoryNotFoundException($"no Synthex.Dpdk.sln above {dir}");
    }

    [Theory]
    [InlineData("frame", 15)]
    [InlineData("matrix", 10)]
    [InlineData("config", 10)]
    [InlineData("service", 20)]
    public void The_committed_corpus_replays_through_the_target_without_a_failure(string target, int seeds)
    {
        int runs = FuzzTargets.Replay(target, Path.Combine(Corpus, target));
        Assert.True(runs >= seeds, $"{runs} inputs in corpus/{target}");
    }

    [Fact]
    public void An_unknown_target_is_refused_naming_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => FuzzTargets.Find("nosuch"));
        Assert.Contains("known: frame, matrix, config", e.Message);
    }
}
