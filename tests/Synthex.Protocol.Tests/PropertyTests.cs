using System.Numerics;
using CsCheck;
using Synthex.Protocol.Fuzz;

namespace Synthex.Protocol.Tests;

/// <summary>Random valid messages round-trip; every truncation and every out-of-range field is
/// rejected with the documented status (docs/PROTOCOL.md, "Validation").</summary>
public class PropertyTests
{
    private const int Iterations = 2_000;

    [Fact]
    public void Random_requests_round_trip_byte_for_byte()
    {
        Gen.OneOf(Gens.Contribution, Gens.Similarity).Sample((h, values) =>
        {
            var bytes = Gens.Write(h, values);
            var v = Codec.ReadRequest(bytes, out var m);
            Assert.True(v.IsValid, v.ToString());
            Assert.Equal(h, m.Header);
            Assert.Equal(values, m.Values.ToArray());
            Assert.Equal(bytes.Length, m.Length);
            var again = new byte[bytes.Length];
            Assert.Equal(bytes.Length, Codec.Write(again, m));
            Assert.Equal(bytes, again);
            FuzzTarget.Run(bytes);
        }, iter: Iterations);
    }

    [Fact]
    public void Random_results_round_trip_and_carry_count_and_bitmap()
    {
        Gen.Select(Gens.Contribution, Gen.ULong, Gen.Float[1e-6f, 1e6f]).Sample((c, bits, sum) =>
        {
            var (h, values) = c;
            // A bitmap of exactly target experts (OK) or of 1..target-1 (PARTIAL).
            ulong bitmap = bits == 0 ? 1 : bits;
            while (BitOperations.PopCount(bitmap) > h.Target)
                bitmap &= bitmap - 1;
            bool ok = BitOperations.PopCount(bitmap) == h.Target;
            var buffer = new byte[Wire.MaxDatagram];
            values.CopyTo(Result.Values(buffer, h));
            int n = ok ? Result.WriteOk(buffer, h, 9, sum, bitmap) : Result.WritePartial(buffer, h, 9, sum, bitmap);
            Assert.True(n > 0);
            Assert.Equal(bytesOf(h, values.Length), n);
            var v = Codec.ReadAnswer(buffer.AsSpan(0, n), out var m);
            Assert.True(v.IsValid, v.ToString());
            Assert.Equal(ok ? Status.Ok : Status.Partial, m.Header.Status);
            Assert.Equal(BitOperations.PopCount(bitmap), m.Header.Count);
            Assert.Equal(bitmap, m.Header.Tag);
            Assert.Equal(values, m.Values.ToArray());
            Assert.Equal((h.Job, h.Session, h.Round, h.Expert, h.Offset), (m.Header.Job, m.Header.Session, m.Header.Round, m.Header.Expert, m.Header.Offset));
            // Never larger than the contribution it answers (the amplification rule).
            Assert.True(Amplification.Allows(Gens.Write(h with { Flags = Flags.None }, values).Length, n));
            FuzzTarget.Run(buffer.AsSpan(0, n));
        }, iter: Iterations);

        static int bytesOf(Header h, int elements) => Wire.HeaderSize + elements * sizeof(float);
    }

    [Fact]
    public void Random_matches_and_projections_round_trip()
    {
        var gen = from s in Gens.Similarity
                  from version in Gen.ULong
                  from pairs in Gen.Select(Gen.UInt, Gens.Finite).Array[0, 300]
                  from y in Gens.Finite.Array[1, 2048]
                  select (s.H, version, pairs, y);
        gen.Sample((h, version, pairs, y) =>
        {
            var buffer = new byte[Wire.MaxDatagram];
            int n;
            if (h.Operation == Operation.Query)
            {
                var matches = pairs.Take(h.K).Select(p => new Match(p.Item1, p.Item2)).ToArray();
                n = Matches.WriteOk(buffer, h, 3, version, matches);
                Assert.Equal(Matches.Size(matches.Length), n);
                Assert.True(Codec.ReadAnswer(buffer.AsSpan(0, n), out var m).IsValid);
                Assert.Equal(matches, m.Matches.ToArray());
                Assert.Equal(version, m.Header.Tag);
            }
            else
            {
                n = Projected.WriteOk(buffer, h, 3, version, y);
                Assert.True(Codec.ReadAnswer(buffer.AsSpan(0, n), out var m).IsValid);
                Assert.Equal(y, m.Values.ToArray());
            }
            FuzzTarget.Run(buffer.AsSpan(0, n));
        }, iter: 500);
    }

    [Fact]
    public void Every_truncation_and_extension_of_a_request_is_rejected_as_documented()
    {
        Gen.OneOf(Gens.Contribution, Gens.Similarity).Sample((h, values) =>
        {
            var bytes = Gens.Write(h, values);
            for (int cut = 0; cut < bytes.Length; cut++)
            {
                var v = Codec.ReadRequest(bytes.AsSpan(0, cut), out _);
                Assert.Equal(cut < Wire.HeaderSize ? Verdict.Dropped(Drop.TooShort) : Verdict.Refused(Status.BadRequest, Field.Payload), v);
            }
            for (int extra = 1; extra <= 4; extra++)
                Assert.Equal(Verdict.Refused(Status.BadRequest, Field.Payload), Codec.ReadRequest([.. bytes, .. new byte[extra]], out _));
        }, iter: 200);
    }

    [Fact]
    public void Every_truncation_of_an_answer_is_dropped_as_documented()
    {
        foreach (var vector in Repo.Vectors.Where(v => !v.IsRequest))
            for (int cut = 0; cut < vector.Bytes.Length; cut++)
                Assert.Equal(cut < Wire.HeaderSize ? Verdict.Dropped(Drop.TooShort) : Verdict.Dropped(Drop.Malformed, Field.Payload),
                    Codec.ReadAnswer(vector.Bytes.AsSpan(0, cut), out _));
    }

    /// <summary>A change to one header field that leaves the others valid.</summary>
    private sealed record Mutation(string Name, Func<Header, uint, Header?> Apply, Verdict Expected)
    {
        public override string ToString() => Name;
    }

    private static Verdict Bad(Field f) => Verdict.Refused(Status.BadRequest, f);
    private static Verdict Large(Field f) => Verdict.Refused(Status.TooLarge, f);

    private static readonly Mutation[] Common =
    [
        new("version", (h, r) => h with { Version = (byte)(2 + r % 254) }, Verdict.Refused(Status.UnsupportedVersion, Field.Version)),
        new("version 0", (h, r) => h with { Version = 0 }, Verdict.Refused(Status.UnsupportedVersion, Field.Version)),
        new("unknown operation", (h, r) => h with { Operation = (Operation)(r % 2 == 0 ? 0 : 4 + r % 124) }, Verdict.Refused(Status.UnknownOperation, Field.Operation)),
        new("an answer", (h, r) => h with { Operation = (Operation)(0x80 | r) }, Verdict.Dropped(Drop.NotARequest, Field.Operation)),
        new("flags", (h, r) => h with { Flags = (Flags)((byte)h.Flags | (2 << (int)(r % 7))) }, Bad(Field.Flags)),
        new("status", (h, r) => h with { Status = (Status)(1 + r % 255) }, Bad(Field.Status)),
        new("detail", (h, r) => h with { Detail = (ushort)(1 + r % 65535) }, Bad(Field.Detail)),
        new("items", (h, r) => h with { Items = (ushort)(1 + r % 65535) }, Bad(Field.Items)),
        new("tag", (h, r) => h with { Tag = 1ul + r }, Bad(Field.Tag)),
    ];

    private static readonly Mutation[] ContributeOnly =
    [
        new("expert", (h, r) => h with { Expert = (byte)(64 + r % 192) }, Bad(Field.Expert)),
        new("target 0", (h, r) => h with { Target = 0 }, Bad(Field.Target)),
        new("target > 64", (h, r) => h with { Target = (byte)(65 + r % 191) }, Bad(Field.Target)),
        new("count", (h, r) => h with { Count = (byte)(1 + r % 255) }, Bad(Field.Count)),
        new("length 0", (h, r) => h with { Length = 0 }, Bad(Field.Length)),
        new("length > 2^24", (h, r) => h with { Length = Wire.MaxLength + 1 + r % (uint.MaxValue - Wire.MaxLength) }, Large(Field.Length)),
        new("offset past the end", (h, r) => h with { Offset = (uint)Math.Min(uint.MaxValue, (ulong)h.Length + r % 1000) }, Bad(Field.Offset)),
        new("offset inside a chunk", (h, r) => h.Chunk < 2 || h.Offset + 1 >= h.Length ? null : h with { Offset = h.Offset + 1 + r % (uint)(h.Chunk - 1) }, Bad(Field.Offset)),
        new("chunk 0", (h, r) => h with { Chunk = 0 }, Bad(Field.Chunk)),
        new("chunk too large", (h, r) => h with { Offset = 0, Chunk = (ushort)(Wire.MaxChunk + 1 + r % (ushort.MaxValue - Wire.MaxChunk)) }, Large(Field.Chunk)),
        new("weight NaN", (h, r) => h with { Weight = BitConverter.Int32BitsToSingle(0x7F800001 | (int)(r & 0x007FFFFE) | (int)(r & 0x80000000)) }, Bad(Field.Weight)),
        new("weight +Inf", (h, r) => h with { Weight = float.PositiveInfinity }, Bad(Field.Weight)),
        new("weight -Inf", (h, r) => h with { Weight = float.NegativeInfinity }, Bad(Field.Weight)),
        new("weight negative", (h, r) => h with { Weight = -(1e-30f + r % 100_000) }, Bad(Field.Weight)),
        new("k", (h, r) => h with { K = (ushort)(1 + r % 65535) }, Bad(Field.K)),
    ];

    private static readonly Mutation[] SimilarityOnly =
    [
        new("expert", (h, r) => h with { Expert = (byte)(1 + r % 255) }, Bad(Field.Expert)),
        new("target", (h, r) => h with { Target = (byte)(1 + r % 255) }, Bad(Field.Target)),
        new("count", (h, r) => h with { Count = (byte)(1 + r % 255) }, Bad(Field.Count)),
        new("length 0", (h, r) => h with { Length = 0 }, Bad(Field.Length)),
        new("length > one message", (h, r) => h with { Length = (uint)Wire.MaxChunk + 1 + r % 100_000 }, Large(Field.Length)),
        new("offset", (h, r) => h with { Offset = 1 + r % 1000 }, Bad(Field.Offset)),
        new("chunk", (h, r) => h with { Chunk = (ushort)(1 + r % 65535) }, Bad(Field.Chunk)),
        new("timeout", (h, r) => h with { Timeout = (ushort)(1 + r % 65535) }, Bad(Field.Timeout)),
        new("weight", (h, r) => h with { Weight = BitConverter.Int32BitsToSingle((int)(1 + r % int.MaxValue)) }, Bad(Field.Weight)),
        new("k of QUERY 0, of PROJECT not 0", (h, r) => h with { K = h.Operation == Operation.Query ? (ushort)0 : (ushort)(1 + r % 65535) }, Bad(Field.K)),
    ];

    [Fact]
    public void Every_out_of_range_field_is_refused_naming_it()
    {
        var tried = new HashSet<string>();
        var gen = Gen.Select(Gen.OneOf(Gens.Contribution, Gens.Similarity), Gen.Int[0, 1000], Gen.UInt);
        gen.Sample((message, pick, r) =>
        {
            var (h, values) = message;
            var table = h.Operation == Operation.Contribute ? Common.Concat(ContributeOnly).ToArray() : Common.Concat(SimilarityOnly).ToArray();
            var mutation = table[pick % table.Length];
            if (mutation.Apply(h, r) is not { } bad)
                return;
            var bytes = Gens.Write(h, values);
            bad.TryWrite(bytes);
            Assert.Equal(mutation.Expected, Codec.ReadRequest(bytes, out var m));
            if (mutation.Expected.IsRefused)
                Assert.Equal(bad, m.Header);
            FuzzTarget.Run(bytes);
            lock (tried)
                tried.Add($"{h.Operation}:{mutation.Name}");
        }, iter: 5_000);
        // Every row ran at least once for each operation it applies to (QUERY and PROJECT apart).
        Assert.Equal(Common.Length + ContributeOnly.Length + 2 * (Common.Length + SimilarityOnly.Length), tried.Count);
    }

    [Fact]
    public void A_wrong_magic_is_dropped_and_a_non_finite_payload_refused()
    {
        Gen.Select(Gen.OneOf(Gens.Contribution, Gens.Similarity), Gen.UShort, Gen.Int[0, 2]).Sample((message, magic, kind) =>
        {
            var (h, values) = message;
            var bytes = Gens.Write(h, values);
            if (magic != Wire.Magic)
            {
                var wrong = (byte[])bytes.Clone();
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(wrong, magic);
                Assert.Equal(Verdict.Dropped(Drop.BadMagic), Codec.ReadRequest(wrong, out _));
            }
            float bad = kind switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
            int at = magic % values.Length;
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(Wire.HeaderSize + 4 * at), bad);
            Assert.Equal(Bad(Field.Payload), Codec.ReadRequest(bytes, out _));
        }, iter: Iterations);
    }

    [Fact]
    public void The_largest_chunk_fits_one_datagram_with_its_trailer()
    {
        var values = new float[Wire.MaxChunk];
        var h = Contribute.Header(1, 2, 3, 0, 1, length: Wire.MaxLength, offset: 0, chunk: Wire.MaxChunk, weight: 1) with { Flags = Flags.Mac };
        var buffer = new byte[Wire.MaxDatagram];
        int n = Contribute.Write(buffer, h, values);
        Assert.True(n is > 0 and <= Wire.MaxDatagram, n.ToString());
        Assert.True(Codec.ReadRequest(buffer.AsSpan(0, n), out _).IsValid);
    }

    [Fact]
    public void Random_bytes_and_random_corruptions_never_throw_or_break_a_rule()
    {
        Gen.Byte.Array[0, 200].Sample(bytes => FuzzTarget.Run(bytes), iter: 20_000);
        Gen.Select(Gen.OneOf(Gens.Contribution, Gens.Similarity), Gen.Int, Gen.Byte).Sample((message, at, value) =>
        {
            var bytes = Gens.Write(message.H, message.Values);
            bytes[(int)((uint)at % (uint)Math.Min(bytes.Length, 80))] = value;
            FuzzTarget.Run(bytes);
            var answer = (byte[])bytes.Clone();
            answer[3] |= 0x80;
            FuzzTarget.Run(answer);
        }, iter: Iterations);
    }
}
