using System.Reflection;
using Xunit.Sdk;

namespace Synthex.Dpdk.Kernels.Tests;

/// <summary>
/// One theory row per SIMD path, skipped — with the reason — when this CPU cannot run that path,
/// so the runner's skip count says what was not exercised (a row that returned early would be
/// counted as passing).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SimdPathDataAttribute : DataAttribute
{
    private readonly string _path;

    public SimdPathDataAttribute(string path)
    {
        _path = path;
        if (!SimdInfo.Available.Select(SimdInfo.Name).Contains(path))
            Skip = $"this CPU cannot run the {path} path (available: {string.Join(", ", SimdInfo.Available.Select(SimdInfo.Name))})";
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[_path]];
}
