using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Packets;

/// <summary>What an app decided for a packet.</summary>
public enum FateKind : byte
{
    /// <summary>Send out of <see cref="Fate.Port"/> (a port id on the DPDK path).</summary>
    Forward,
    /// <summary>Send back out of the port (or socket) it came in on, to its sender.</summary>
    Reply,
    /// <summary>Free it and count <see cref="Fate.Reason"/>.</summary>
    Drop,
    /// <summary>
    /// Free it and count it absorbed: a service kept what it needed from it in its own bounded
    /// state (not a drop: nothing was lost).
    /// </summary>
    Absorb,
}

/// <summary>
/// A packet's fate, packed in one 32-bit value so returning one costs a register: bits 0–7 kind,
/// 8–15 drop reason, 16–31 the output port of a forward or the new frame length of a reply
/// (0: the frame keeps its length).
/// </summary>
public readonly struct Fate : IEquatable<Fate>
{
    private readonly uint _bits;

    private Fate(uint bits) => _bits = bits;

    /// <summary>Send out of <paramref name="port"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fate Forward(ushort port) => new((uint)FateKind.Forward | ((uint)port << 16));

    /// <summary>Send back to the sender out of the input port.</summary>
    public static Fate Reply => new((uint)FateKind.Reply);

    /// <summary>
    /// Send back out of the input port, the frame now <paramref name="frameLength"/> bytes long
    /// (1..65535; the app wrote them in the frame's buffer, within its tailroom).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fate ReplyOf(int frameLength) => new((uint)FateKind.Reply | ((uint)(ushort)frameLength << 16));

    /// <summary>Absorbed by the app: freed, counted, not a drop.</summary>
    public static Fate Absorbed => new((uint)FateKind.Absorb);

    /// <summary>Drop, counted under <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fate Drop(DropReason reason) => new((uint)FateKind.Drop | ((uint)reason << 8));

    public FateKind Kind => (FateKind)(byte)_bits;
    public DropReason Reason => (DropReason)(byte)(_bits >> 8);
    public ushort Port => (ushort)(_bits >> 16);

    /// <summary>A reply's new frame length; 0 when the frame keeps its length.</summary>
    public int Length => (int)(_bits >> 16);

    public bool Equals(Fate other) => _bits == other._bits;
    public override bool Equals(object? obj) => obj is Fate f && Equals(f);
    public override int GetHashCode() => (int)_bits;
    public static bool operator ==(Fate a, Fate b) => a._bits == b._bits;
    public static bool operator !=(Fate a, Fate b) => a._bits != b._bits;

    public override string ToString() => Kind switch
    {
        FateKind.Forward => $"forward({Port})",
        FateKind.Reply => Length == 0 ? "reply" : $"reply({Length})",
        FateKind.Absorb => "absorbed",
        _ => $"drop({Reason.Name()})",
    };
}
