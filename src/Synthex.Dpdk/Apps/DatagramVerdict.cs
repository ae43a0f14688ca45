using Synthex.Dpdk.Packets;

using System.Runtime.CompilerServices;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// What a <see cref="IDatagramApp"/> decided for a datagram, in one int: a reply length (0 or
/// more: the payload written in place is sent back to the sender), a named drop, or absorbed
/// (the app kept what it needed; the buffer is freed in the same burst).
/// </summary>
public readonly struct DatagramVerdict : IEquatable<DatagramVerdict>
{
    private const int AbsorbedValue = -1;
    private const int DropBase = -256; // -256 - reason: below every other value

    private readonly int _value;

    private DatagramVerdict(int value) => _value = value;

    /// <summary>Answer the sender with the first <paramref name="length"/> bytes of the buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DatagramVerdict Reply(int length) => new(length < 0 ? DropBase - (int)DropReason.Oversized : length);

    /// <summary>Drop, counted under <paramref name="reason"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DatagramVerdict Drop(DropReason reason) => new(DropBase - (int)reason);

    /// <summary>Kept in the app's own state; the buffer is freed, counted as absorbed.</summary>
    public static DatagramVerdict Absorbed => new(AbsorbedValue);

    public bool IsReply => _value >= 0;
    public bool IsAbsorbed => _value == AbsorbedValue;
    public bool IsDrop => _value <= DropBase;

    /// <summary>The reply's payload length (meaningful when <see cref="IsReply"/>).</summary>
    public int ReplyLength => _value;

    /// <summary>The drop reason (<see cref="DropReason.None"/> unless <see cref="IsDrop"/>).</summary>
    public DropReason Reason => IsDrop ? (DropReason)(DropBase - _value) : DropReason.None;

    public bool Equals(DatagramVerdict other) => _value == other._value;
    public override bool Equals(object? obj) => obj is DatagramVerdict v && Equals(v);
    public override int GetHashCode() => _value;
    public static bool operator ==(DatagramVerdict a, DatagramVerdict b) => a._value == b._value;
    public static bool operator !=(DatagramVerdict a, DatagramVerdict b) => a._value != b._value;

    public override string ToString() => IsReply ? $"reply({_value})" : IsAbsorbed ? "absorbed" : $"drop({Reason.Name()})";
}
