namespace Synthex.Protocol.Tests;

/// <summary>The key file (docs/PROTOCOL.md, "Key file"): its format, and every way it is refused with a message naming the file and line.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class JobKeysTests
{
    private const string K16 = "00112233445566778899aabbccddeeff";
    private const string K32 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    [Fact]
    public void Lines_comments_blank_lines_and_hex_job_ids_parse()
    {
        var keys = JobKeys.Parse($"# keys of the cluster\n\n7 {K32}   # trainer\n0x10\t{K16}\r\n  42 {K16.ToUpperInvariant()}\n", "k");
        Assert.Equal(3, keys.Count);
        Assert.Equal(new uint[] { 7, 16, 42 }, keys.Jobs.ToArray());
        Assert.True(keys.TryGet(7, out var k7));
        Assert.Equal(Convert.FromHexString(K32), k7.ToArray());
        Assert.True(keys.TryGet(16, out var k16));
        Assert.Equal(16, k16.Length);
        Assert.False(keys.TryGet(8, out _));
        Assert.Equal(-1, keys.IndexOf(8));
        Assert.Equal(Convert.FromHexString(K16), keys.Key(keys.IndexOf(42)).ToArray());
    }

    [Theory]
    [InlineData("7", "k:1: expected 'JOB HEXKEY'")]
    [InlineData("7 " + K16 + " extra", "k:1: expected 'JOB HEXKEY'")]
    [InlineData("\nseven " + K16, "k:2: 'seven' is not a job id")]
    [InlineData("-1 " + K16, "is not a job id")]
    [InlineData("4294967296 " + K16, "is not a job id")]
    [InlineData("7 00112233445566778899aabbccddeefg", "k:1: job 7: the key is not hex")]
    [InlineData("7 0011223", "the key is not hex")]
    [InlineData("7 00112233445566778899aabbccddee", "k:1: job 7: the key has 15 bytes, fewer than 16")]
    [InlineData("7 " + K32 + K32 + "00", "the key has 65 bytes, more than 64")]
    [InlineData("7 " + K16 + "\n7 " + K32, "k:2: job 7 has a key already")]
    public void Malformed_files_are_refused_naming_the_line(string text, string message)
    {
        var e = Assert.Throws<KeyFileException>(() => JobKeys.Parse(text, "k"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_file_readable_by_group_or_others_is_refused_and_mode_600_is_read()
    {
        string dir = Directory.CreateTempSubdirectory("synthex-keys").FullName;
        string path = Path.Combine(dir, "keys");
        File.WriteAllText(path, $"7 {K16}\n");
        foreach (var mode in new[] { UnixFileMode.GroupRead, UnixFileMode.OtherRead, UnixFileMode.OtherWrite, UnixFileMode.GroupExecute })
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | mode);
            var e = Assert.Throws<KeyFileException>(() => JobKeys.Load(path));
            Assert.Contains("accessible to its group or others", e.Message);
            Assert.Contains("chmod 600", e.Message);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(1, JobKeys.Load(path).Count);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        Assert.Equal(1, JobKeys.Load(path).Count);
    }

    [Fact]
    public void A_missing_file_or_a_directory_is_refused()
    {
        string dir = Directory.CreateTempSubdirectory("synthex-keys").FullName;
        Assert.Contains("does not exist", Assert.Throws<KeyFileException>(() => JobKeys.Load(Path.Combine(dir, "none"))).Message);
        Assert.Contains("is a directory", Assert.Throws<KeyFileException>(() => JobKeys.Load(dir)).Message);
        Assert.Contains("empty", Assert.Throws<KeyFileException>(() => JobKeys.Load("")).Message);
    }

    [Fact]
    public void Keys_given_in_code_are_held_to_the_same_lengths()
    {
        Assert.Throws<KeyFileException>(() => JobKeys.Of((1, new byte[15])));
        Assert.Throws<KeyFileException>(() => JobKeys.Of((1, new byte[65])));
        Assert.Throws<KeyFileException>(() => JobKeys.Of((1, new byte[16]), (1, new byte[16])));
        Assert.Equal(0, JobKeys.None.Count);
    }
}
