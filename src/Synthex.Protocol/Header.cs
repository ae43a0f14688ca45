using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// The fixed 64-byte header of every message, little-endian (docs/PROTOCOL.md, "Header"):
/// <code>
///  0               1               2               3
///  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
/// +-------------------------------+---------------+---------------+
/// |        magic 0x5853 "SX"      |    version    |   operation   |  0
/// +---------------+---------------+---------------+---------------+
/// |     flags     |    status     |            detail             |  4
/// +---------------+---------------+-------------------------------+
/// |                             epoch                             |  8
/// +---------------------------------------------------------------+
/// |                              job                              | 12
/// +---------------------------------------------------------------+
/// |                         round (u64)                           | 16
/// +---------------------------------------------------------------+
/// |                        session (u64)                          | 24
/// +---------------+---------------+---------------+---------------+
/// |    expert     |    target     |  retransmit   |     count     | 32
/// +---------------+---------------+---------------+---------------+
/// |                            length                             | 36
/// +---------------------------------------------------------------+
/// |                            offset                             | 40
/// +-------------------------------+-------------------------------+
/// |             chunk             |         timeout (ms)          | 44
/// +-------------------------------+-------------------------------+
/// |                          weight (f32)                         | 48
/// +-------------------------------+-------------------------------+
/// |               k               |             items             | 52
/// +-------------------------------+-------------------------------+
/// |              tag (u64): bitmap | matrix version               | 56
/// +---------------------------------------------------------------+
/// </code>
/// A value type: reading copies the 64 bytes out, so an answer may then be written over the
/// request's own buffer (answers in place).
/// <para>
/// Its fields sit at their wire offsets (bytes 0..1, the magic, are padding in the struct), so
/// on a little-endian host — the only kind the codec runs on — reading and writing a header is
/// one 64-byte copy instead of twenty-one bounds-checked field accesses: the header is read for
/// every datagram a service receives. Big-endian hosts take the field-by-field path.
/// </para>
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Wire.HeaderSize)]
public readonly struct Header : IEquatable<Header>
{
    /// <summary>A header of this version with every other field zero.</summary>
    public Header() => Version = Wire.Version;

    /// <summary>Offset 2.</summary>
    [field: FieldOffset(2)]
    public byte Version { get; init; }
    /// <summary>Offset 3 (any byte: an unknown operation is still echoed).</summary>
    [field: FieldOffset(3)]
    public Operation Operation { get; init; }
    /// <summary>Offset 4.</summary>
    [field: FieldOffset(4)]
    public Flags Flags { get; init; }
    /// <summary>Offset 5.</summary>
    [field: FieldOffset(5)]
    public Status Status { get; init; }
    /// <summary>Offset 6: BUSY → retry-after in ms; BAD_REQUEST/TOO_LARGE → a <see cref="Field"/>; else 0.</summary>
    [field: FieldOffset(6)]
    public ushort Detail { get; init; }
    /// <summary>Offset 8: the server instance's epoch (answers); the last one seen or 0 (requests).</summary>
    [field: FieldOffset(8)]
    public uint Epoch { get; init; }
    /// <summary>Offset 12: the job (tenant).</summary>
    [field: FieldOffset(12)]
    public uint Job { get; init; }
    /// <summary>Offset 16: the round (consensus) or request id (similarity), increasing per (job, session).</summary>
    [field: FieldOffset(16)]
    public ulong Round { get; init; }
    /// <summary>Offset 24: the session nonce of the job's run.</summary>
    [field: FieldOffset(24)]
    public ulong Session { get; init; }
    /// <summary>Offset 32: the expert, 0..63.</summary>
    [field: FieldOffset(32)]
    public byte Expert { get; init; }
    /// <summary>Offset 33: distinct experts that complete a chunk, 1..64.</summary>
    [field: FieldOffset(33)]
    public byte Target { get; init; }
    /// <summary>Offset 34: 0 for the first send of a message, +1 per retransmission.</summary>
    [field: FieldOffset(34)]
    public byte Retransmit { get; init; }
    /// <summary>Offset 35: RESULT — experts aggregated into it.</summary>
    [field: FieldOffset(35)]
    public byte Count { get; init; }
    /// <summary>Offset 36: elements in the whole vector (consensus) or the query (similarity).</summary>
    [field: FieldOffset(36)]
    public uint Length { get; init; }
    /// <summary>Offset 40: element offset of this chunk, a multiple of <see cref="Chunk"/>.</summary>
    [field: FieldOffset(40)]
    public uint Offset { get; init; }
    /// <summary>Offset 44: elements per chunk in this round (the last chunk may be shorter).</summary>
    [field: FieldOffset(44)]
    public ushort Chunk { get; init; }
    /// <summary>Offset 46: round timeout the request asks for, ms (0: the server's).</summary>
    [field: FieldOffset(46)]
    public ushort Timeout { get; init; }
    /// <summary>Offset 48: CONTRIBUTE — the expert's weight; RESULT — Σw of the experts counted.</summary>
    [field: FieldOffset(48)]
    public float Weight { get; init; }
    /// <summary>Offset 52: QUERY/MATCHES — matches asked for.</summary>
    [field: FieldOffset(52)]
    public ushort K { get; init; }
    /// <summary>Offset 54: MATCHES — pairs carried; PROJECTED — floats carried.</summary>
    [field: FieldOffset(54)]
    public ushort Items { get; init; }
    /// <summary>Offset 56: RESULT — expert bitmap (bit e = expert e counted); MATCHES/PROJECTED — matrix version.</summary>
    [field: FieldOffset(56)]
    public ulong Tag { get; init; }

    /// <summary>True when the MAC trailer flag is set.</summary>
    public bool HasMac => (Flags & Flags.Mac) != 0;

    /// <summary>Reads the 64 header bytes; the caller has checked that <paramref name="m"/> holds them.</summary>
    internal static Header Read(ReadOnlySpan<byte> m) =>
        BitConverter.IsLittleEndian ? MemoryMarshal.Read<Header>(m) : ReadFieldByField(m);

    private static Header ReadFieldByField(ReadOnlySpan<byte> m) => new()
    {
        Version = m[2],
        Operation = (Operation)m[3],
        Flags = (Flags)m[4],
        Status = (Status)m[5],
        Detail = BinaryPrimitives.ReadUInt16LittleEndian(m[6..]),
        Epoch = BinaryPrimitives.ReadUInt32LittleEndian(m[8..]),
        Job = BinaryPrimitives.ReadUInt32LittleEndian(m[12..]),
        Round = BinaryPrimitives.ReadUInt64LittleEndian(m[16..]),
        Session = BinaryPrimitives.ReadUInt64LittleEndian(m[24..]),
        Expert = m[32],
        Target = m[33],
        Retransmit = m[34],
        Count = m[35],
        Length = BinaryPrimitives.ReadUInt32LittleEndian(m[36..]),
        Offset = BinaryPrimitives.ReadUInt32LittleEndian(m[40..]),
        Chunk = BinaryPrimitives.ReadUInt16LittleEndian(m[44..]),
        Timeout = BinaryPrimitives.ReadUInt16LittleEndian(m[46..]),
        Weight = BinaryPrimitives.ReadSingleLittleEndian(m[48..]),
        K = BinaryPrimitives.ReadUInt16LittleEndian(m[52..]),
        Items = BinaryPrimitives.ReadUInt16LittleEndian(m[54..]),
        Tag = BinaryPrimitives.ReadUInt64LittleEndian(m[56..]),
    };

    /// <summary>Writes the 64 header bytes (magic included) at the start of <paramref name="m"/>;
    /// false, writing nothing, when it is shorter than the header.</summary>
    public bool TryWrite(Span<byte> m)
    {
        if (m.Length < Wire.HeaderSize)
            return false;
        if (BitConverter.IsLittleEndian)
            MemoryMarshal.Write(m, in this);   // bytes 0..1 are overwritten with the magic next
        else
            WriteFieldByField(m);
        BinaryPrimitives.WriteUInt16LittleEndian(m, Wire.Magic);
        return true;
    }

    private void WriteFieldByField(Span<byte> m)
    {
        m[2] = Version;
        m[3] = (byte)Operation;
        m[4] = (byte)Flags;
        m[5] = (byte)Status;
        BinaryPrimitives.WriteUInt16LittleEndian(m[6..], Detail);
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], Epoch);
        BinaryPrimitives.WriteUInt32LittleEndian(m[12..], Job);
        BinaryPrimitives.WriteUInt64LittleEndian(m[16..], Round);
        BinaryPrimitives.WriteUInt64LittleEndian(m[24..], Session);
        m[32] = Expert;
        m[33] = Target;
        m[34] = Retransmit;
        m[35] = Count;
        BinaryPrimitives.WriteUInt32LittleEndian(m[36..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(m[40..], Offset);
        BinaryPrimitives.WriteUInt16LittleEndian(m[44..], Chunk);
        BinaryPrimitives.WriteUInt16LittleEndian(m[46..], Timeout);
        BinaryPrimitives.WriteSingleLittleEndian(m[48..], Weight);
        BinaryPrimitives.WriteUInt16LittleEndian(m[52..], K);
        BinaryPrimitives.WriteUInt16LittleEndian(m[54..], Items);
        BinaryPrimitives.WriteUInt64LittleEndian(m[56..], Tag);
    }

    /// <summary>Field-wise equality; the weight compares by its bits (a NaN equals the same NaN).</summary>
    public bool Equals(Header o) =>
        Version == o.Version && Operation == o.Operation && Flags == o.Flags && Status == o.Status &&
        Detail == o.Detail && Epoch == o.Epoch && Job == o.Job && Round == o.Round &&
        Session == o.Session && Expert == o.Expert && Target == o.Target &&
        Retransmit == o.Retransmit && Count == o.Count && Length == o.Length && Offset == o.Offset &&
        Chunk == o.Chunk && Timeout == o.Timeout &&
        BitConverter.SingleToInt32Bits(Weight) == BitConverter.SingleToInt32Bits(o.Weight) &&
        K == o.K && Items == o.Items && Tag == o.Tag;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Header h && Equals(h);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Job, Round, Session, Operation, Expert, Offset);

    /// <summary>Equality.</summary>
    public static bool operator ==(Header a, Header b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Header a, Header b) => !a.Equals(b);
}
