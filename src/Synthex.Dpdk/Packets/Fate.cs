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
}

/// <summary>
/// A packet's fate, packed in one 32-bit value so returning one costs a register: bits 0–7 kind, 8–15 drop reason, 16–31 output port.
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

    /// <summary>Drop, counted under <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Fate Drop(DropReason reason) => new((uint)FateKind.Drop | ((uint)reason << 8));

    public FateKind Kind => (FateKind)(byte)_bits;
    public DropReason Reason => (DropReason)(byte)(_bits >> 8);
    public ushort Port => (ushort)(_bits >> 16);

    public bool Equals(Fate other) => _bits == other._bits;
    public override bool Equals(object? obj) => obj is Fate f && Equals(f);
    public override int GetHashCode() => (int)_bits;
    public static bool operator ==(Fate a, Fate b) => a._bits == b._bits;
    public static bool operator !=(Fate a, Fate b) => a._bits != b._bits;

    public override string ToString() => Kind switch
    {
        FateKind.Forward => $"forward({Port})",
        FateKind.Reply => "reply",
        _ => $"drop({Reason.Name()})",
    };
}
