using System.Numerics;
using System.Runtime.InteropServices;

namespace Synthex.Protocol;

/// <summary>The payload rule shared by every float-carrying request: every element finite.</summary>
internal static class Floats
{
    /// <summary>True when no element is NaN or ±Inf. x − x is 0 exactly for finite x and NaN
    /// otherwise, so one subtract and compare per vector decides it.</summary>
    public static bool AllFinite(ReadOnlySpan<byte> payload)
    {
        var f = MemoryMarshal.Cast<byte, float>(payload);
        int i = 0;
        if (Vector.IsHardwareAccelerated && f.Length >= Vector<float>.Count)
        {
            var v = MemoryMarshal.Cast<float, Vector<float>>(f);
            var bad = Vector<int>.Zero;
            foreach (var x in v)
                bad |= ~Vector.Equals(x - x, Vector<float>.Zero);
            if (bad != Vector<int>.Zero)
                return false;
            i = v.Length * Vector<float>.Count;
        }
        for (; i < f.Length; i++)
            if (!float.IsFinite(f[i]))
                return false;
        return true;
    }
}
