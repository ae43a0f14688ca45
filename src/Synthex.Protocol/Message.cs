using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>
/// A parsed message: its header (copied out) and views of the payload and MAC trailer where they
/// lie in the datagram — nothing is copied, so the f32 payload is read in place.
/// </summary>
public readonly ref struct Message
{
    internal Message(Header header, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> mac)
    {
        Header = header;
        Payload = payload;
        Mac = mac;
    }

    /// <summary>The header.</summary>
    public Header Header { get; }
    /// <summary>The payload bytes after the header (empty for status answers).</summary>
    public ReadOnlySpan<byte> Payload { get; }
    /// <summary>The 16-byte MAC trailer when the MAC flag is set, else empty.</summary>
    public ReadOnlySpan<byte> Mac { get; }

    /// <summary>The payload as f32 (CONTRIBUTE, RESULT, QUERY, PROJECT, PROJECTED).</summary>
    public ReadOnlySpan<float> Values => MemoryMarshal.Cast<byte, float>(Payload);

    /// <summary>The payload as (row, score) pairs (MATCHES).</summary>
    public ReadOnlySpan<Match> Matches => MemoryMarshal.Cast<byte, Match>(Payload);

    /// <summary>Bytes of the whole message.</summary>
    public int Length => Wire.HeaderSize + Payload.Length + Mac.Length;
}
