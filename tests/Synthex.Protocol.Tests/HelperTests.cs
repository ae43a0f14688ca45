namespace Synthex.Protocol.Tests;

/// <summary>Chunk arithmetic, the MAC trailer reservation and the amplification rule.</summary>
public class HelperTests
{
    [Theory]
    [InlineData(10u, 4, 3u)]
    [InlineData(8u, 4, 2u)]
    [InlineData(1u, 1024, 1u)]
    [InlineData(16_777_216u, 352, 47_663u)]
    public void Chunk_count(uint length, int chunk, uint count) => Assert.Equal(count, Chunks.Count(length, (ushort)chunk));

    [Fact]
    public void The_last_chunk_is_short_and_out_of_range_is_empty()
    {
        Assert.Equal(2, Chunks.Elements(10, 8, 4));
        Assert.Equal(4, Chunks.Elements(10, 4, 4));
        Assert.Equal(0, Chunks.Elements(10, 12, 4));
        Assert.Equal(2u, Chunks.Index(8, 4));
    }

    [Fact]
    public void Appending_the_trailer_sets_the_flag_and_the_message_reads_back()
    {
        var buffer = new byte[256];
        var h = Fuzz.Examples.ContributeHeader;
        int n = Contribute.Write(buffer, h, [1f, 2f]);
        int m = MacTrailer.Append(buffer, n, out var trailer);
        Assert.Equal(n + Wire.MacSize, m);
        trailer.Fill(0x5A);
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, m), out var msg).IsValid);
        Assert.True(msg.Header.HasMac);
        Assert.Equal(n, MacTrailer.Covered(buffer, m).Length);
        Assert.Equal(0, MacTrailer.Append(buffer, m, out _)); // already has one
        Assert.Equal(0, MacTrailer.Append(buffer.AsSpan(0, n + 3), n, out _)); // no room
    }

    [Fact]
    public void Amplification_rule()
    {
        Assert.True(Amplification.Allows(72, 64));
        Assert.True(Amplification.Allows(72, 72));
        Assert.False(Amplification.Allows(72, 73));
        // QUERY of 128 floats: 64 + 512 bytes; MATCHES of 64 pairs is 64 + 512.
        Assert.Equal(64, Amplification.MaxUnauthenticatedMatches(128));
        Assert.True(Amplification.Allows(Wire.HeaderSize + 128 * 4, Matches.Size(64)));
        Assert.False(Amplification.Allows(Wire.HeaderSize + 128 * 4, Matches.Size(65)));
    }

    [Fact]
    public void Writers_refuse_what_does_not_fit_without_throwing()
    {
        var h = Fuzz.Examples.ContributeHeader;
        Assert.Equal(0, Contribute.Write(new byte[70], h, [1f, 2f]));
        Assert.Equal(0, Contribute.Write(new byte[200], h, [1f, 2f, 3f]));
        Assert.Equal(0, StatusAnswer.Stale(new byte[63], h, 1));
        Assert.Equal(0, Result.WriteOk(new byte[200], h, 1, 1f, 0b111)); // 3 experts, target 4
        Assert.Equal(0, Result.WritePartial(new byte[200], h, 1, 1f, 0));
        Assert.Equal(0, Result.WritePartial(new byte[200], h, 1, 1f, 0b1111));
        Assert.Equal(0, Matches.WriteOk(new byte[200], Fuzz.Examples.QueryHeader, 1, 1, [new(1, 1f), new(2, 1f), new(3, 1f)]));
        Assert.Equal(0, StatusAnswer.Refuse(new byte[200], h, 1, Verdict.Valid));
    }
}
