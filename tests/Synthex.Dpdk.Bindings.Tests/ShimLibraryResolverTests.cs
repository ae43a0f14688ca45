using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Bindings.Tests;

public sealed class ShimLibraryResolverTests
{
    [Fact]
    public void The_environment_variable_comes_first_and_may_name_a_directory()
    {
        var previous = Environment.GetEnvironmentVariable(ShimLibraryResolver.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ShimLibraryResolver.EnvironmentVariable, "/tmp");
            Assert.Equal("/tmp/libsynthex_shim.so", ShimLibraryResolver.Candidates().First());
            Environment.SetEnvironmentVariable(ShimLibraryResolver.EnvironmentVariable, "/opt/x/libshim-custom.so");
            Assert.Equal("/opt/x/libshim-custom.so", ShimLibraryResolver.Candidates().First());
        }
        finally
        {
            Environment.SetEnvironmentVariable(ShimLibraryResolver.EnvironmentVariable, previous);
        }
    }

    [Fact]
    public void Without_it_the_shim_is_looked_for_beside_the_bindings()
    {
        var beside = Path.Combine(Path.GetDirectoryName(typeof(Shim).Assembly.Location)!, ShimLibraryResolver.FileName);
        Assert.Contains(beside, ShimLibraryResolver.Candidates());
        Assert.True(File.Exists(beside), $"the build should copy the shim to {beside} (make -C native first)");
    }
}
