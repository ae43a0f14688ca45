namespace Synthex.Dpdk.Smoke;

/// <summary>A step that failed, with DPDK's own words for why.</summary>
internal sealed class SmokeFailure(string step, string reason) : Exception($"{step} failed: {reason}")
{
    public string Step { get; } = step;
}
