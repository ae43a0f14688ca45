namespace Synthex.Dpdk.Bindings.Tests;

/// <summary>
/// A fact that needs free hugepages. It is skipped — with the reason — only when /proc/meminfo
/// shows none free; the test command reserves them first (./hugepages-setup.sh).
/// </summary>
public sealed class HugepagesFactAttribute : FactAttribute
{
    public HugepagesFactAttribute()
    {
        if (FreeHugepages() == 0)
            Skip = "no free hugepages (HugePages_Free is 0 in /proc/meminfo): run ./hugepages-setup.sh first";
    }

    public static long FreeHugepages()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("HugePages_Free:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["HugePages_Free:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
