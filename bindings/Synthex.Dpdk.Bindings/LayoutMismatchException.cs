namespace Synthex.Dpdk.Interop;

/// <summary>
/// The C# bindings and the DPDK library this process loaded disagree on a record layout: reading
/// an mbuf through them would read the wrong bytes. Raised by <see cref="LayoutCheck.Verify"/>.
/// </summary>
public sealed class LayoutMismatchException(string message) : Exception(message);
