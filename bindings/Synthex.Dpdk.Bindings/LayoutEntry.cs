namespace Synthex.Dpdk.Interop;

/// <summary>
/// One row of a record layout: the record's size (<see cref="Field"/> empty, offset 0) or one
/// field's offset and size. <see cref="Field"/> is a C member designator ("hash.fdir.hi").
/// </summary>
public readonly record struct LayoutEntry(string Record, string Field, long Offset, long Size);
