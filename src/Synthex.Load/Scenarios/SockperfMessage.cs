using System.Buffers.Binary;

namespace Synthex.Load.Scenarios;

/// <summary>
/// sockperf's UDP message (Mellanox/sockperf, <c>src/message.h</c>), all fields big-endian:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 sequence number (64 bits) ...                 |
/// |                 ... sequence number                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          flags              |     total length (32 bits) ...  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ... total length           |  payload ...                    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Flags: bit 0 client (set on what a client sends; a server clears it in its answer), bit 1
/// pong request (the server answers only messages that ask), bit 2 warm-up. The total length
/// counts the header. <c>sockperf server</c> and <c>synthex run --app reflect</c> both answer a
/// message with the client flag cleared and everything else as it came.
/// </summary>
public static class SockperfMessage
{
    public const int HeaderLength = 14;

    /// <summary>The largest UDP payload over IPv4 (65535 - 20 - 8).</summary>
    public const int MaxLength = 65507;

    public const ushort ClientFlag = 1, PongRequestFlag = 2, WarmupFlag = 4;

    public static void WriteHeader(Span<byte> message, ulong sequence, ushort flags, int length)
    {
        BinaryPrimitives.WriteUInt64BigEndian(message, sequence);
        BinaryPrimitives.WriteUInt16BigEndian(message[8..], flags);
        BinaryPrimitives.WriteUInt32BigEndian(message[10..], (uint)length);
    }

    /// <summary>Reads the header; false when <paramref name="message"/> is shorter than one or
    /// its length field disagrees with its size.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> message, out ulong sequence, out ushort flags)
    {
        if (message.Length < HeaderLength || BinaryPrimitives.ReadUInt32BigEndian(message[10..]) != (uint)message.Length)
        {
            sequence = 0;
            flags = 0;
            return false;
        }
        sequence = BinaryPrimitives.ReadUInt64BigEndian(message);
        flags = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        return true;
    }
}
