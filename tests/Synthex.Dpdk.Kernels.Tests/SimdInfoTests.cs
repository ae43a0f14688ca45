using System.Reflection;
using System.Runtime.Loader;

namespace Synthex.Dpdk.Kernels.Tests;

public class SimdInfoTests
{
    /// <summary>
    /// The variable as the product reads it: a fresh copy of the kernel assembly in its own load
    /// context runs its static initialisers again, under SYNTHEX_SIMD set for the occasion. (Tests in
    /// one class run sequentially, so the process-wide variable does not leak into another test.)
    /// </summary>
    [Theory]
    [SimdPathData("scalar")]
    [SimdPathData("v128")]
    [SimdPathData("v256")]
    [SimdPathData("v512")]
    public void The_environment_variable_forces_the_path_in_a_fresh_load_of_the_library(string name)
    {
        var (selected, forced, sum) = LoadFreshCopy(name, asm =>
        {
            Type info = asm.GetType("Synthex.Dpdk.Kernels.SimdInfo")!;
            object path = info.GetProperty("Selected")!.GetValue(null)!;
            bool f = (bool)info.GetProperty("Forced")!.GetValue(null)!;
            // A kernel through the public API, dispatched on the forced path.
            MethodInfo sumMethod = asm.GetType("Synthex.Dpdk.Kernels.Reductions")!.GetMethod("Sum", [typeof(ReadOnlySpan<float>)])!;
            float[] data = Enumerable.Range(1, 100).Select(i => (float)i).ToArray();
            var del = sumMethod.CreateDelegate<SumDelegate>();
            return (path.ToString(), f, del(data));
        });
        Assert.Equal(name, selected!.ToLowerInvariant());
        Assert.True(forced);
        Assert.Equal(5050f, sum);
    }

    [Fact]
    public void An_unknown_forced_name_fails_at_start_up_listing_the_paths()
    {
        var ex = Assert.ThrowsAny<Exception>(() => LoadFreshCopy("avx9000", asm =>
            asm.GetType("Synthex.Dpdk.Kernels.SimdInfo")!.GetProperty("Selected")!.GetValue(null)));
        Exception root = ex;
        while (root.InnerException is not null) root = root.InnerException;
        Assert.IsType<ArgumentException>(root);
        Assert.Contains("scalar, v128, v256, v512", root.Message);
    }

    private delegate float SumDelegate(ReadOnlySpan<float> x);

    private static T LoadFreshCopy<T>(string env, Func<Assembly, T> body)
    {
        string path = typeof(SimdInfo).Assembly.Location;
        var alc = new AssemblyLoadContext("simd-" + env, isCollectible: true);
        string? old = Environment.GetEnvironmentVariable(SimdInfo.EnvironmentVariable);
        Environment.SetEnvironmentVariable(SimdInfo.EnvironmentVariable, env);
        try { return body(alc.LoadFromAssemblyPath(path)); }
        finally
        {
            Environment.SetEnvironmentVariable(SimdInfo.EnvironmentVariable, old);
            alc.Unload();
        }
    }

    private static readonly SimdPath[] All = [SimdPath.Scalar, SimdPath.V128, SimdPath.V256, SimdPath.V512];

    [Fact]
    public void Selected_is_available_and_honours_the_environment_of_this_process()
    {
        Assert.Contains(SimdInfo.Selected, SimdInfo.Available);
        Assert.Equal(SimdPath.Scalar, SimdInfo.Available[0]);
        string? env = Environment.GetEnvironmentVariable(SimdInfo.EnvironmentVariable);
        // CI runs the suite once per forced path (SYNTHEX_SIMD=scalar|v128|v256|v512).
        if (!string.IsNullOrWhiteSpace(env)) Assert.Equal(env.Trim(), SimdInfo.Name(SimdInfo.Selected));
        Assert.Contains(SimdInfo.Name(SimdInfo.Selected), SimdInfo.Describe());
    }

    [Theory]
    [InlineData("scalar", SimdPath.Scalar)]
    [InlineData("v128", SimdPath.V128)]
    [InlineData(" V256 ", SimdPath.V256)]
    [InlineData("v512", SimdPath.V512)]
    public void Forcing_a_supported_path_selects_it(string env, SimdPath want) =>
        Assert.Equal(want, SimdInfo.Select(env, All, SimdPath.V512));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unset_means_the_default(string? env) => Assert.Equal(SimdPath.V256, SimdInfo.Select(env, All, SimdPath.V256));

    [Fact]
    public void Forcing_a_path_the_cpu_lacks_names_the_available_ones()
    {
        var ex = Assert.Throws<PlatformNotSupportedException>(() => SimdInfo.Select("v512", [SimdPath.Scalar, SimdPath.V128], SimdPath.V128));
        Assert.Contains("v512", ex.Message);
        Assert.Contains("available: scalar, v128", ex.Message);
    }

    [Fact]
    public void An_unknown_name_is_rejected_with_the_valid_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => SimdInfo.Select("avx9", All, SimdPath.V512));
        Assert.Contains("scalar, v128, v256, v512", ex.Message);
    }

    [Fact]
    public void Internal_per_path_entry_points_refuse_unavailable_paths()
    {
        foreach (SimdPath p in All.Except(SimdInfo.Available))
            Assert.Throws<PlatformNotSupportedException>(() => InternetChecksum.Raw(p, new byte[8]));
    }

    [Fact]
    public void Default_prefers_the_widest_accelerated_path()
    {
        Assert.Equal(SimdPath.V256, SimdInfo.DefaultPath([SimdPath.Scalar, SimdPath.V128, SimdPath.V256]));
        Assert.Equal(SimdPath.Scalar, SimdInfo.DefaultPath([SimdPath.Scalar]));
    }
}
