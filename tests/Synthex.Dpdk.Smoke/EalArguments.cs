namespace Synthex.Dpdk.Smoke;

/// <summary>The smoke run's EAL arguments (argv[0] is added by <see cref="Runtime.Dpdk.EalSession"/>).</summary>
internal static class EalArguments
{
    /// <summary>
    /// The test-mode EAL line: one lcore, no PCI scan, no files left behind, one net_null port,
    /// and a file prefix of our own so concurrent DPDK processes do not collide.
    /// </summary>
    /// <remarks>
    /// DPDK 22.11 rejects <c>--no-huge --in-memory</c> ("Option --legacy-mem is not compatible with
    /// --in-memory": --no-huge implies legacy memory). Without hugepages there are no hugepage
    /// files to leave behind anyway, so --no-shconf (the other half of --in-memory) is enough.
    /// </remarks>
    public static IReadOnlyList<string> ForNullPort(bool hugepages, string filePrefix, string? extra = null)
    {
        var args = new List<string> { "-l", "0", "--no-pci" };
        args.AddRange(hugepages ? ["--in-memory"] : ["--no-huge", "--no-shconf"]);
        args.AddRange(["--vdev", "net_null0", "--file-prefix", filePrefix]);
        if (extra is not null)
            args.Add(extra);
        return args;
    }
}
