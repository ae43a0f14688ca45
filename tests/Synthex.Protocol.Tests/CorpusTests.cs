using Synthex.Protocol.Fuzz;

namespace Synthex.Protocol.Tests;

/// <summary>CI replays the fuzz target's committed seed corpus (fast, deterministic), and the
/// corpus holds every golden vector of the doc.</summary>
public class CorpusTests
{
    [Fact]
    public void The_committed_corpus_replays_through_the_target_without_a_failure()
    {
        var log = new StringWriter();
        int runs = Replay.Directories([Repo.Corpus], log);
        Assert.Equal("", log.ToString());
        Assert.True(runs >= Repo.Vectors.Count, $"{runs} inputs");
    }

    [Fact]
    public void The_corpus_holds_every_golden_vector()
    {
        foreach (var v in Repo.Vectors)
        {
            var path = Path.Combine(Repo.Corpus, v.Name);
            Assert.True(File.Exists(path), $"{path} missing: rerun `synthex-protocol-fuzz seed docs/PROTOCOL.md {Repo.Corpus}`");
            Assert.Equal(v.Bytes, File.ReadAllBytes(path));
        }
    }

    [Fact]
    public void A_broken_rule_fails_the_replay_naming_the_file()
    {
        // The replay must be able to fail, or the CI test above proves nothing: an input that
        // cannot be run (a dangling link, whose read throws) fails it with the file's path.
        var dir = Directory.CreateTempSubdirectory("synthex-corpus-");
        try
        {
            var unreadable = Path.Combine(dir.FullName, "sub");
            Directory.CreateDirectory(unreadable);
            File.WriteAllBytes(Path.Combine(dir.FullName, "ok"), Repo.Vectors[0].Bytes);
            // A dangling symlink cannot be read: ReadAllBytes throws FileNotFoundException.
            File.CreateSymbolicLink(Path.Combine(unreadable, "dangling"), Path.Combine(dir.FullName, "missing"));
            var log = new StringWriter();
            var e = Assert.Throws<InconsistencyException>(() => Replay.Directories([dir.FullName], log));
            Assert.Contains("dangling", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
