using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Smoke;

/// <summary>
/// A native argv for rte_eal_init. EAL keeps pointers into it (and may permute it), so it lives
/// until the process ends.
/// </summary>
internal sealed unsafe class EalArguments
{
    public IReadOnlyList<string> Values { get; }
    public sbyte** Argv { get; }
    public int Argc => Values.Count;

    public EalArguments(IReadOnlyList<string> values)
    {
        Values = values;
        Argv = (sbyte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(sbyte*));
        for (var i = 0; i < values.Count; i++)
            Argv[i] = (sbyte*)Marshal.StringToCoTaskMemUTF8(values[i]);
    }

    /// <summary>
    /// The test-mode EAL line: one lcore, no PCI scan, no files left behind, one net_null port,
    /// and a file prefix of our own so concurrent DPDK processes do not collide.
    /// </summary>
    /// <remarks>
    /// DPDK 22.11 rejects <c>--no-huge --in-memory</c> ("Option --legacy-mem is not compatible with
    /// --in-memory": --no-huge implies legacy memory). Without hugepages there are no hugepage
    /// files to leave behind anyway, so --no-shconf (the other half of --in-memory) is enough.
    /// </remarks>
    public static EalArguments ForNullPort(bool hugepages, string filePrefix, string? extra = null)
    {
        var args = new List<string> { "synthex-smoke", "-l", "0", "--no-pci" };
        args.AddRange(hugepages ? ["--in-memory"] : ["--no-huge", "--no-shconf"]);
        args.AddRange(["--vdev", "net_null0", "--file-prefix", filePrefix]);
        if (extra is not null)
            args.Add(extra);
        return new EalArguments(args);
    }
}
