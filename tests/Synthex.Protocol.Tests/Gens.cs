using CsCheck;

namespace Synthex.Protocol.Tests;

/// <summary>Random valid messages of every kind, across each field's documented range.</summary>
internal static class Gens
{
    public static readonly Gen<float> Finite = Gen.Float[-1e6f, 1e6f];

    /// <summary>A contribution: header and the chunk's values (chunks up to 1,024 elements keep samples fast;
    /// the MaxChunk boundary has its own test).</summary>
    public static readonly Gen<(Header H, float[] Values)> Contribution =
        from ids in Gen.Select(Gen.UInt, Gen.ULong, Gen.ULong, Gen.UInt)
        from who in Gen.Select(Gen.Byte[0, Wire.MaxExperts - 1], Gen.Byte[1, Wire.MaxExperts], Gen.Byte, Gen.UShort)
        from shape in Gen.Select(Gen.UInt[1, Wire.MaxLength], Gen.UShort[1, 1024], Gen.UInt)
        from weight in Gen.Float[0f, 1e6f]
        from mac in Gen.Bool
        let offset = shape.Item3 % Chunks.Count(shape.Item1, shape.Item2) * shape.Item2
        from values in Finite.Array[Chunks.Elements(shape.Item1, offset, shape.Item2)]
        select (Contribute.Header(ids.Item1, ids.Item2, ids.Item3, who.Item1, who.Item2, shape.Item1, offset, shape.Item2,
            weight, timeoutMs: who.Item4, retransmit: who.Item3, epoch: ids.Item4) with { Flags = mac ? Flags.Mac : Flags.None }, values);

    /// <summary>A QUERY (k ≥ 1) or PROJECT (k = 0) and its vector.</summary>
    public static readonly Gen<(Header H, float[] Values)> Similarity =
        from ids in Gen.Select(Gen.UInt, Gen.ULong, Gen.ULong, Gen.UInt)
        from query in Gen.Bool
        from k in Gen.UShort[1, ushort.MaxValue]
        from length in Gen.UInt[1, 2048]
        from retransmit in Gen.Byte
        from mac in Gen.Bool
        from values in Finite.Array[(int)length]
        select ((query
            ? Query.Header(ids.Item1, ids.Item2, ids.Item3, length, k, retransmit, ids.Item4)
            : Project.Header(ids.Item1, ids.Item2, ids.Item3, length, retransmit, ids.Item4)) with { Flags = mac ? Flags.Mac : Flags.None }, values);

    /// <summary>Writes a request (header and values) into a new array of its exact size.</summary>
    public static byte[] Write(Header h, float[] values)
    {
        var buffer = new byte[Wire.MaxDatagram];
        int n = h.Operation switch
        {
            Operation.Contribute => Contribute.Write(buffer, h, values),
            Operation.Query => Query.Write(buffer, h, values),
            _ => Project.Write(buffer, h, values),
        };
        Assert.True(n > 0, $"the generator made an unwritable {h.Operation}");
        return buffer[..n];
    }
}
