using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>Asserts that a generated record's C# layout equals the C compiler's (the shim's probe).</summary>
public static class LayoutAssert
{
    public static void MatchesNative(string record)
    {
        var mismatches = LayoutCheck.Mismatches(record);
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }
}
