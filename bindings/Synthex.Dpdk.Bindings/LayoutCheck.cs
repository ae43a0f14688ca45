using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Interop;

/// <summary>
/// Compares the C# view of every generated record (<see cref="LayoutView"/>) with the C compiler's
/// view that the shim was built with (<c>sx_layout_probe</c>). DPDK's layouts depend on its build
/// options (<c>rte_mbuf</c> changes with RTE_IOVA_AS_PA, for one), so the bindings are checked
/// against the library actually loaded, once, before the first packet.
/// </summary>
public static unsafe class LayoutCheck
{
    private static Dictionary<(string Record, string Field), LayoutEntry>? _native;

    /// <summary>Throws <see cref="LayoutMismatchException"/> naming the first record or field that differs.</summary>
    public static void Verify()
    {
        foreach (var record in LayoutView.Records)
        {
            var mismatches = Mismatches(record);
            if (mismatches.Count > 0)
                throw new LayoutMismatchException(
                    $"DPDK layout mismatch: {mismatches[0]}" + (mismatches.Count > 1 ? $" (and {mismatches.Count - 1} more in {record})" : "") +
                    ". The C# bindings do not match the DPDK build the shim was compiled against: " +
                    "run scripts/generate-bindings.sh and rebuild.");
        }
    }

    /// <summary>Every difference between C and C# for one record, as readable sentences; empty when they agree.</summary>
    public static List<string> Mismatches(string record)
    {
        var native = Native();
        var problems = new List<string>();
        var managed = LayoutView.For(record);
        foreach (var m in managed)
        {
            var what = m.Field.Length == 0 ? record : $"{record}.{m.Field}";
            if (!native.TryGetValue((m.Record, m.Field), out var c))
            {
                problems.Add($"{what}: the C# bindings have it, the shim's layout probe does not");
                continue;
            }
            if (m.Offset != c.Offset || m.Size != c.Size)
                problems.Add(Describe(m, c));
        }
        var expected = native.Keys.Count(k => k.Record == record);
        if (expected != managed.Length)
            problems.Add($"{record}: the shim's layout probe has {expected} rows, the C# bindings {managed.Length}");
        return problems;
    }

    /// <summary>One disagreement in words: "rte_mbuf.data_len: C offset 40, C# offset 42".</summary>
    public static string Describe(LayoutEntry managed, LayoutEntry native)
    {
        var what = managed.Field.Length == 0 ? managed.Record : $"{managed.Record}.{managed.Field}";
        var parts = new List<string>();
        if (managed.Offset != native.Offset)
            parts.Add($"C offset {native.Offset}, C# offset {managed.Offset}");
        if (managed.Size != native.Size)
            parts.Add($"C size {native.Size}, C# size {managed.Size}");
        return $"{what}: {string.Join("; ", parts)}";
    }

    /// <summary>The C compiler's rows, read once from libsynthex_shim.so.</summary>
    public static IReadOnlyDictionary<(string Record, string Field), LayoutEntry> Native()
    {
        if (_native is not null)
            return _native;
        uint count;
        var rows = Shim.sx_layout_probe(&count);
        var table = new Dictionary<(string, string), LayoutEntry>((int)count);
        for (var i = 0; i < count; i++)
        {
            var r = rows[i];
            var entry = new LayoutEntry(Marshal.PtrToStringUTF8((nint)r.record)!, Marshal.PtrToStringUTF8((nint)r.field)!,
                (long)r.offset, (long)r.size);
            table[(entry.Record, entry.Field)] = entry;
        }
        return _native = table;
    }
}
