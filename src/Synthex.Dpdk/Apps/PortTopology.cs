namespace Synthex.Dpdk.Apps;

/// <summary>How <c>forward</c> maps input ports to output ports.</summary>
public enum PortTopology
{
    /// <summary>One port: loop; an even number: paired. Anything else is a configuration error.</summary>
    Auto,
    /// <summary>0↔1, 2↔3, ... (DPDK l2fwd's default).</summary>
    Paired,
    /// <summary>Every port sends back out of itself.</summary>
    Loop,
    /// <summary>The explicit <see cref="AppOptions.PortMap"/>.</summary>
    Map,
}
