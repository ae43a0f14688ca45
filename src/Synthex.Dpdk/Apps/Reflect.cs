using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Synthex.Dpdk.Packets;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// <c>reflect</c>: the datagram app that answers every datagram to its sender with its own
/// payload, on every backend (behind the endpoint stage on DPDK and the in-memory port, on the
/// socket directly on the OS backends, io_uring and sockets).
/// </summary>
/// <remarks>
/// The payload goes back as is, except a sockperf message (a 14-byte big-endian header: 64-bit
/// sequence number, 16-bit flags, 32-bit total length), whose client flag is cleared so sockperf
/// takes it as the server's answer.
/// </remarks>
public struct Reflect : IDatagramApp
{
    /// <summary>sockperf header: sequence (8) + flags (2) + length (4).</summary>
    public const int SockperfHeaderLength = 14;

    /// <summary>sockperf's "sent by the client" flag (MESSAGE_CLIENT).</summary>
    public const ushort SockperfClientFlag = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DatagramVerdict Process(Span<byte> buffer, int length, in DatagramMeta meta)
    {
        if (length >= SockperfHeaderLength && (uint)length <= (uint)buffer.Length
            && BinaryPrimitives.ReadUInt32BigEndian(buffer[10..]) == (uint)length)
        {
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(buffer[8..]);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[8..], (ushort)(flags & ~SockperfClientFlag));
        }
        return DatagramVerdict.Reply(length);
    }
}

/// <summary>The <c>reflect</c> app's registration: a datagram app, on DPDK behind the endpoint stage.</summary>
public sealed class ReflectApp : AppDescriptor
{
    public override string Name => "reflect";
    public override string Summary => "answer every datagram to the service port with its payload (sockperf's client flag cleared); on DPDK behind the UDP endpoint (ARP, ND, ping answered)";
    public override BackendLayers Layers => BackendLayers.Datagrams;

    public override TResult CreateDatagramApp<TResult>(AppOptions options, IDatagramAppConsumer<TResult> consumer)
        => consumer.Accept(new Reflect());
}
