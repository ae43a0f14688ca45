using System.Text.Json.Serialization;

namespace Synthex.Dpdk.Benchmarks;

/// <summary>The speed targets, each checked on the worst ratio among the rows it covers.</summary>
internal sealed record Target(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("worst_ratio")] double Worst,
    [property: JsonPropertyName("met")] bool Met,
    [property: JsonPropertyName("where")] string Where)
{
    public static List<Target> Evaluate(IReadOnlyList<Result> r)
    {
        string best = Synthex.Dpdk.Kernels.SimdInfo.Name(Synthex.Dpdk.Kernels.SimdInfo.Selected);
        var list = new List<Target>();
        void Check(string name, double threshold, IEnumerable<Result> rows)
        {
            var rs = rows.ToList();
            if (rs.Count == 0) return;
            var worst = rs.MinBy(x => x.Ratio)!;
            list.Add(new Target(name, threshold, Math.Round(worst.Ratio, 3), worst.Ratio >= threshold, $"{worst.Kernel} {worst.Size} {worst.SizeUnit} {worst.Path}"));
        }
        Check("checksum >= 2x rte_raw_cksum at >= 512 B (selected path)", 2.0, r.Where(x => x.Kernel == "checksum" && x.Size >= 512 && x.Path == best));
        Check("checksum >= 1x rte_raw_cksum at 64 B (selected path)", 1.0, r.Where(x => x.Kernel == "checksum" && x.Size == 64 && x.Path == best));
        Check("Toeplitz >= 1x rte_softrss (selected path)", 1.0, r.Where(x => x.Kernel.StartsWith("toeplitz") && x.Path == best));
        Check("Toeplitz >= 1x rte_softrss (scalar tables)", 1.0, r.Where(x => x.Kernel.StartsWith("toeplitz") && x.Path == "scalar"));
        foreach (string k in new[] { "dot", "cosine", "sum" })
            Check($"{k} >= 1x TensorPrimitives at every length (selected path)", 1.0, r.Where(x => x.Kernel == k && x.Path == best));
        Check("consensus aggregation > L2 >= 70% of streaming copy", 0.70, r.Where(x => x.Kernel == "consensus-aggregate" && x.Size * 4 > (1 << 20) && x.Path == best));
        Check("GEMM 512^3 one core >= 50% of f32 FMA peak", 0.50, r.Where(x => x.Kernel == "gemm-512" && x.Path == best));
        Check("batched similarity >= 2x loop of single dots", 2.0, r.Where(x => x.Kernel.StartsWith("similarity") && x.Path == best));
        return list;
    }
}
