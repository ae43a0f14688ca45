using System.Reflection;
using System.Text.RegularExpressions;

namespace Synthex.Protocol.Tests;

/// <summary>The codec's enums and docs/PROTOCOL.md's tables name the same things with the same
/// numbers, and every status has a constructor — so the two cannot drift apart.</summary>
public partial class DocContractTests
{
    [GeneratedRegex(@"^\| (\d+) \| `([A-Z_]+)` \|")]
    private static partial Regex StatusRow();

    [GeneratedRegex(@"^\| 0x([0-9a-f]{2}) \| `([A-Z]+)` \|")]
    private static partial Regex OperationRow();

    [GeneratedRegex(@"^\| (\d+) \| (\d) \| `([a-z]+)` \|")]
    private static partial Regex HeaderRow();

    [GeneratedRegex(@"^\| `([A-Za-z]+)` \|")]
    private static partial Regex DropRow();

    private static Dictionary<string, int> Rows(string section, Regex row, int valueGroup, int nameGroup, int radix = 10)
    {
        var rows = new Dictionary<string, int>();
        foreach (var line in Repo.Section(section))
        {
            var m = row.Match(line);
            if (m.Success)
                rows.Add(m.Groups[nameGroup].Value, Convert.ToInt32(m.Groups[valueGroup].Value, radix));
        }
        Assert.NotEmpty(rows);
        return rows;
    }

    [Fact]
    public void Every_status_has_a_line_in_the_doc_with_its_number()
    {
        var doc = Rows("Statuses", StatusRow(), 1, 2);
        var code = Enum.GetValues<Status>().ToDictionary(Statuses.WireName, s => (int)s);
        Assert.Equal(code.OrderBy(p => p.Value), doc.OrderBy(p => p.Value));
    }

    [Fact]
    public void Every_status_has_a_constructor_in_the_codec()
    {
        var constructed = typeof(Codec).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .SelectMany(m => m.GetCustomAttributes<ConstructsAttribute>())
            .Select(a => a.Status).ToHashSet();
        Assert.Equal(Enum.GetValues<Status>().Order(), constructed.Order());
    }

    /// <summary>Each constructor's output is read back by a client with its status.</summary>
    [Fact]
    public void Every_status_constructor_writes_an_answer_a_client_reads_with_that_status()
    {
        var c = Fuzz.Examples.ContributeHeader;
        var q = Fuzz.Examples.QueryHeader;
        var buffer = new byte[1024];
        foreach (var s in Enum.GetValues<Status>())
        {
            Array.Clear(buffer);
            int n = s switch
            {
                Status.Ok => Result.WriteOk(buffer, c, 1, 1f, 0b1111),
                Status.Partial => Result.WritePartial(buffer, c, 1, 1f, 0b1),
                Status.Busy => StatusAnswer.Busy(buffer, c, 1, 5),
                Status.Stale => StatusAnswer.Stale(buffer, c, 1),
                Status.Aborted => StatusAnswer.Aborted(buffer, c, 1),
                Status.BadRequest => StatusAnswer.BadRequest(buffer, c, 1, Field.Offset),
                Status.TooLarge => StatusAnswer.TooLarge(buffer, q, 1, Field.K),
                Status.UnsupportedVersion => StatusAnswer.UnsupportedVersion(buffer, c with { Version = 9 }, 1),
                Status.UnknownOperation => StatusAnswer.UnknownOperation(buffer, c with { Operation = (Operation)0x44 }, 1),
                Status.Unauthenticated => StatusAnswer.Unauthenticated(buffer, c with { Flags = Flags.Mac }, 1),
                _ => throw new InvalidOperationException($"no constructor exercised for {s}"),
            };
            Assert.True(n >= Wire.HeaderSize, $"{s}: {n}");
            var v = Codec.ReadAnswer(buffer.AsSpan(0, n), out var m);
            Assert.True(v.IsValid, $"{s}: {v}");
            Assert.Equal(s, m.Header.Status);
            Assert.Equal(1u, m.Header.Epoch);
            if (!Statuses.CarriesPayload(s))
                Assert.Equal(Wire.HeaderSize, n);
        }
    }

    [Fact]
    public void Every_operation_has_a_line_in_the_doc_with_its_code()
    {
        var doc = Rows("Operations", OperationRow(), 1, 2, radix: 16);
        var code = Enum.GetValues<Operation>().ToDictionary(o => o.ToString().ToUpperInvariant(), o => (int)o);
        Assert.Equal(code.OrderBy(p => p.Value), doc.OrderBy(p => p.Value));
    }

    [Fact]
    public void Every_field_is_in_the_header_table_at_its_offset()
    {
        var doc = Rows("Header", HeaderRow(), 1, 3);
        Assert.Equal(0, doc["magic"]);
        doc.Remove("magic");
        var code = Enum.GetValues<Field>().Where(f => f is not (Field.None or Field.Payload))
            .ToDictionary(f => f.ToString().ToLowerInvariant(), f => (int)f);
        Assert.Equal(code.OrderBy(p => p.Value), doc.OrderBy(p => p.Value));
    }

    [Fact]
    public void The_header_table_covers_64_bytes_without_gaps()
    {
        int next = 0;
        foreach (var line in Repo.Section("Header"))
        {
            var m = HeaderRow().Match(line);
            if (!m.Success)
                continue;
            Assert.Equal(next, int.Parse(m.Groups[1].Value));
            next += int.Parse(m.Groups[2].Value);
        }
        Assert.Equal(Wire.HeaderSize, next);
    }

    [Fact]
    public void Every_drop_reason_has_a_line_in_the_doc()
    {
        var doc = Repo.Section("Drops").Select(l => DropRow().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
        var code = Enum.GetValues<Drop>().Where(d => d != Drop.None).Select(d => d.ToString()).ToHashSet();
        Assert.Equal(code.Order(), doc.Order());
    }
}

/// <summary>The doc's table of sizes per MTU is arithmetic on the codec's constants.</summary>
public partial class SizesTableTests
{
    [GeneratedRegex(@"^\| ([0-9,]+) \| IPv(4|6) \| ([0-9,]+) \| ([0-9,]+) \| ([0-9,]+) \| ([0-9,]+) \| ([0-9,]+) \|")]
    private static partial Regex Row();

    private static int N(string s) => int.Parse(s.Replace(",", ""));

    [Fact]
    public void Floats_and_pairs_per_frame_follow_from_the_header_and_trailer_sizes()
    {
        int rows = 0;
        foreach (var line in Repo.Section("Sizes"))
        {
            var m = Row().Match(line);
            if (!m.Success)
                continue;
            int udp = N(m.Groups[1].Value) - (m.Groups[2].Value == "4" ? 20 : 40) - 8;
            Assert.Equal(udp, N(m.Groups[3].Value));
            Assert.Equal((udp - Wire.HeaderSize) / 4, N(m.Groups[4].Value));
            Assert.Equal((udp - Wire.HeaderSize - Wire.MacSize) / 4, N(m.Groups[5].Value));
            Assert.Equal((udp - Wire.HeaderSize) / Wire.MatchSize, N(m.Groups[6].Value));
            Assert.Equal((udp - Wire.HeaderSize - Wire.MacSize) / Wire.MatchSize, N(m.Groups[7].Value));
            rows++;
        }
        Assert.Equal(4, rows);
        Assert.Contains($"{Wire.MaxChunk:N0} floats with", string.Join("\n", Repo.Section("Sizes")).Replace("\n", " "));
    }
}
