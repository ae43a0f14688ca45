using Synthex.Protocol.Fuzz;

namespace Synthex.Protocol.Tests;

/// <summary>The doc's worked examples are the codec's test inputs (docs/PROTOCOL.md, "Worked examples").</summary>
public class GoldenVectorTests
{
    public static TheoryData<string> Names()
    {
        var d = new TheoryData<string>();
        foreach (var v in Repo.Vectors)
            d.Add(v.Name);
        return d;
    }

    private static GoldenVector Vector(string name) => Repo.Vectors.Single(v => v.Name == name);

    [Fact]
    public void The_doc_has_every_example_and_only_those()
    {
        Assert.Equal(Examples.All().Select(e => e.Name).Order(), Repo.Vectors.Select(v => v.Name).Order());
    }

    [Theory, MemberData(nameof(Names))]
    public void The_writers_produce_the_docs_bytes(string name)
    {
        var e = Examples.All().Single(x => x.Name == name);
        var v = Vector(name);
        Assert.Equal(GoldenVectors.Dump(e.Bytes), GoldenVectors.Dump(v.Bytes));
        Assert.Equal(e.IsRequest, v.IsRequest);
    }

    [Theory, MemberData(nameof(Names))]
    public void The_codec_reads_each_as_the_doc_says(string name)
    {
        var v = Vector(name);
        var verdict = v.IsRequest ? Codec.ReadRequest(v.Bytes, out _) : Codec.ReadAnswer(v.Bytes, out _);
        Assert.Equal(v.Expected, verdict);
    }

    [Theory, MemberData(nameof(Names))]
    public void Valid_examples_round_trip_byte_for_byte(string name)
    {
        var v = Vector(name);
        if (!v.Expected.IsValid)
            return;
        var verdict = v.IsRequest ? Codec.ReadRequest(v.Bytes, out var m) : Codec.ReadAnswer(v.Bytes, out m);
        Assert.True(verdict.IsValid);
        var again = new byte[v.Bytes.Length];
        Assert.Equal(v.Bytes.Length, Codec.Write(again, m));
        Assert.Equal(v.Bytes, again);
        // And through the fuzz target's checks (its kind's writer, the read-back).
        FuzzTarget.Run(v.Bytes);
    }

    [Fact]
    public void The_contribution_example_carries_the_fields_the_doc_states()
    {
        Assert.True(Codec.ReadRequest(Vector("contribute").Bytes, out var m).IsValid);
        Assert.Equal(Examples.ContributeHeader, m.Header);
        Assert.Equal([1.5f, -2f], m.Values.ToArray());
        Assert.Equal(2u, Chunks.Index(m.Header.Offset, m.Header.Chunk));
        Assert.Equal(3u, Chunks.Count(m.Header.Length, m.Header.Chunk));
    }

    [Fact]
    public void The_partial_example_names_its_experts()
    {
        Assert.True(Codec.ReadAnswer(Vector("result-partial").Bytes, out var m).IsValid);
        Assert.Equal(Status.Partial, m.Header.Status);
        Assert.Equal(3, m.Header.Count);
        Assert.Equal(0b1011ul, m.Header.Tag);
        Assert.Equal(1.5f, m.Header.Weight);
    }

    [Fact]
    public void The_matches_example_carries_pairs_and_the_matrix_version()
    {
        Assert.True(Codec.ReadAnswer(Vector("matches").Bytes, out var m).IsValid);
        Assert.Equal([new Match(17, 0.98f), new Match(3, 0.5f)], m.Matches.ToArray());
        Assert.Equal(12ul, m.Header.Tag);
    }

    [Fact]
    public void The_mac_example_frames_its_trailer()
    {
        Assert.True(Codec.ReadRequest(Vector("contribute-mac").Bytes, out var m).IsValid);
        Assert.True(m.Header.HasMac);
        Assert.Equal(Enumerable.Repeat((byte)0xAA, Wire.MacSize), m.Mac.ToArray());
        Assert.Equal(Vector("contribute").Bytes.Length + Wire.MacSize, m.Length);
    }
}
