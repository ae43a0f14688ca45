using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// The first 12 bytes a port-mapped rewrite writes over every frame of a burst (forward's l2fwd:
/// the output port's peer MAC, then its own), held as two native-order integers so writing them
/// is one 8-byte and one 4-byte store, and a burst's template lives in two registers.
/// </summary>
/// <remarks>
/// The burst path asks the app for the template once per burst (<see cref="IFrameApp.HeadTemplateFor"/>)
/// and passes it to every <see cref="IFrameApp.RewriteHead"/>: the per-packet work is then two
/// stores, with no table lookup, span or bounds check (l2fwd was 0.66× testpmd's mac mode on the
/// per-packet path, which built two spans and wrote the MACs byte-wise through BinaryPrimitives).
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public readonly struct HeadTemplate
{
    /// <summary>Bytes this template writes.</summary>
    public const int Length = 12;

    private readonly ulong _first8;
    private readonly uint _next4;

    private HeadTemplate(ulong first8, uint next4)
    {
        _first8 = first8;
        _next4 = next4;
    }

    /// <summary>The template writing <paramref name="destination"/> then <paramref name="source"/> (l2fwd's Ethernet rewrite).</summary>
    public static HeadTemplate OfMacs(Packets.MacAddress destination, Packets.MacAddress source)
    {
        Span<byte> bytes = stackalloc byte[Length];
        destination.Write(bytes);
        source.Write(bytes[Packets.MacAddress.Length..]);
        return new HeadTemplate(MemoryMarshal.Read<ulong>(bytes), MemoryMarshal.Read<uint>(bytes[8..]));
    }

    /// <summary>Writes the 12 bytes at <paramref name="frame"/> (the caller checked there are that many).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTo(ref byte frame)
    {
        Unsafe.WriteUnaligned(ref frame, _first8);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, 8), _next4);
    }
}

/// <summary>A <see cref="HeadTemplate"/> per output port, inline in the app struct like <see cref="PortMap"/>.</summary>
[InlineArray(FrameMeta.MaxPorts)]
public struct HeadTemplateTable
{
    private HeadTemplate _e;
}
