using Synthex.Protocol;

namespace Synthex.Protocol.Fuzz;

/// <summary>
/// The worked examples of docs/PROTOCOL.md built with the codec's writers from the field values
/// the doc states. `synthex-protocol-fuzz vectors` prints them in the doc's format; a test checks
/// the doc's dumps equal these bytes, so a writer change that alters the wire shows up.
/// </summary>
public static class Examples
{
    /// <summary>The epoch of the example server.</summary>
    public const uint Epoch = 0x5EED0001;
    /// <summary>Job 7.</summary>
    public const uint Job = 7;
    /// <summary>The example session nonce.</summary>
    public const ulong Session = 0x1122334455667788;

    /// <summary>Expert 3's contribution to the last chunk of round 42: length 10, chunk 4, offset 8 → 2 elements.</summary>
    public static Header ContributeHeader => Contribute.Header(Job, Session, round: 42, expert: 3, target: 4,
        length: 10, offset: 8, chunk: 4, weight: 0.5f, timeoutMs: 250, retransmit: 1);

    /// <summary>Query 9: length 4, k 2.</summary>
    public static Header QueryHeader => Query.Header(Job, Session, requestId: 9, length: 4, k: 2);

    /// <summary>Every example: (name, request?, expectation as the doc writes it, bytes).</summary>
    public static IEnumerable<(string Name, bool IsRequest, string Expect, byte[] Bytes)> All()
    {
        var c = ContributeHeader;
        yield return ("contribute", true, "valid", Build(b => Contribute.Write(b, c, [1.5f, -2f])));
        yield return ("result-ok", false, "valid", Build(b =>
        {
            Result.Values(b, c)[0] = 0.25f;
            Result.Values(b, c)[1] = -1f;
            return Result.WriteOk(b, c, Epoch, weightSum: 2f, bitmap: 0b1111);
        }));
        yield return ("result-partial", false, "valid", Build(b =>
        {
            Result.Values(b, c)[0] = 0.5f;
            Result.Values(b, c)[1] = -0.75f;
            return Result.WritePartial(b, c, Epoch, weightSum: 1.5f, bitmap: 0b1011);
        }));
        yield return ("busy", false, "valid", Build(b => StatusAnswer.Busy(b, c, Epoch, retryAfterMs: 20)));
        var nan = c with { Weight = float.NaN };
        yield return ("contribute-nan-weight", true, "refused BAD_REQUEST weight", Build(b => Contribute.Write(b, nan, [1.5f, -2f])));
        yield return ("bad-request-weight", false, "valid", Build(b => StatusAnswer.BadRequest(b, nan, Epoch, Field.Weight)));
        yield return ("contribute-truncated", true, "refused BAD_REQUEST payload", Build(b => Contribute.Write(b, c, [1.5f, -2f]) - 3));
        yield return ("too-short", true, "drop TooShort", Build(b => Contribute.Write(b, c, [1.5f, -2f]) - 60));
        var mac = c with { Flags = Flags.Mac };
        yield return ("contribute-mac", true, "valid", Build(b =>
        {
            int n = Contribute.Write(b, mac, [1.5f, -2f]);
            b.Slice(n - Wire.MacSize, Wire.MacSize).Fill(0xAA);
            return n;
        }));
        var v2 = c with { Version = 2 };
        yield return ("contribute-version-2", true, "refused UNSUPPORTED_VERSION version", Build(b => Contribute.Write(b, v2, [1.5f, -2f])));
        var q = QueryHeader;
        yield return ("query", true, "valid", Build(b => Query.Write(b, q, [0.5f, 0.5f, 0.5f, 0.5f])));
        yield return ("matches", false, "valid", Build(b => Matches.WriteOk(b, q, Epoch, matrixVersion: 12, [new Match(17, 0.98f), new Match(3, 0.5f)])));
        var p = Project.Header(Job, Session, requestId: 10, length: 3);
        yield return ("project", true, "valid", Build(b => Project.Write(b, p, [1f, 0f, -1f])));
        yield return ("projected", false, "valid", Build(b => Projected.WriteOk(b, p, Epoch, matrixVersion: 12, [0.5f, 2f])));
    }

    private static byte[] Build(Func<Span<byte>, int> write)
    {
        var buffer = new byte[Wire.MaxDatagram];
        int n = write(buffer);
        if (n <= 0)
            throw new InvalidOperationException("an example did not fit its writer's rules");
        return buffer[..n];
    }

    /// <summary>The examples in the doc's markdown form (marker line and hex block).</summary>
    public static string Markdown(string name)
    {
        foreach (var e in All())
            if (e.Name == name)
                return $"<!-- vector {e.Name} {(e.IsRequest ? "request" : "answer")} {e.Expect} -->\n```text\n{GoldenVectors.Dump(e.Bytes)}```\n";
        throw new ArgumentException($"no example {name}", nameof(name));
    }
}
