using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>One MATCHES pair as it lies on the wire: u32 row id, f32 score (8 bytes, little-endian;
/// the codec refuses to load on a big-endian host, so the in-place view is exact).</summary>
[StructLayout(LayoutKind.Sequential, Size = Wire.MatchSize)]
public readonly record struct Match(uint Row, float Score);
