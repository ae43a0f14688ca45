namespace Synthex.Dpdk.Kernels.Tests;

/// <summary>Every path this CPU can execute: each kernel test is a theory over these.</summary>
public static class Paths
{
    public static TheoryData<SimdPath> Available
    {
        get
        {
            var data = new TheoryData<SimdPath>();
            foreach (SimdPath p in SimdInfo.Available) data.Add(p);
            return data;
        }
    }
}
