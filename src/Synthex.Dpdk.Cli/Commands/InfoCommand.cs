using System.Text.Json;
using System.Text.Json.Nodes;
using Synthex.Dpdk.Fallback.IoUring;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Runtime;
using Synthex.Dpdk.Runtime.Dpdk;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary><c>synthex info</c>: what this host offers the appliance.</summary>
internal static class InfoCommand
{
    public static int Execute(bool json, IReadOnlyList<string> ealArgs, TextWriter output)
    {
        var hugepages = Hugepages.Read();
        var dpdk = DpdkEnvironment.Describe(ealArgs);
        var ioUring = IoUringSupport.Probe();

        if (json)
        {
            var node = new JsonObject
            {
                ["dpdk"] = new JsonObject
                {
                    ["version"] = dpdk.Version,
                    ["usable"] = dpdk.Error is null,
                    ["error"] = dpdk.Error,
                    ["ports"] = new JsonArray(dpdk.Ports.Select(p => (JsonNode)new JsonObject
                    {
                        ["id"] = p.Id, ["name"] = p.Name, ["mac"] = new Packets.MacAddress(p.Mac).ToString(), ["socket"] = p.Socket,
                    }).ToArray()),
                },
                ["hugepages"] = new JsonArray(hugepages.Select(h => (JsonNode)new JsonObject
                {
                    ["size_kb"] = h.SizeKb, ["total"] = h.Total, ["free"] = h.Free,
                }).ToArray()),
                ["simd"] = new JsonObject { ["selected"] = SimdInfo.Name(SimdInfo.Selected), ["describe"] = SimdInfo.Describe() },
                ["io_uring"] = new JsonObject { ["usable"] = ioUring.Usable, ["reason"] = ioUring.Reason },
                ["mac"] = new JsonObject
                {
                    ["engine"] = Synthex.Protocol.MacImplementation.Name(Synthex.Protocol.MacImplementation.Selected),
                    ["reason"] = Synthex.Protocol.MacImplementation.Reason,
                },
            };
            output.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }

        output.WriteLine($"DPDK:       {dpdk.Version ?? "not found"}{(dpdk.Error is null ? "" : $" ({dpdk.Error})")}");
        output.WriteLine($"hugepages:  {(hugepages.Count == 0 ? "none configured (run ./hugepages-setup.sh)" : string.Join(", ", hugepages.Select(h => $"{h.Free}/{h.Total} free of {h.SizeKb / 1024} MiB")))}");
        output.WriteLine($"ports:      {(dpdk.Ports.Count == 0 ? "none (give --vdev or -a after --)" : string.Join(", ", dpdk.Ports.Select(p => $"{p.Id}:{p.Name} {new Packets.MacAddress(p.Mac)}")))}");
        output.WriteLine($"SIMD:       {SimdInfo.Describe()}");
        output.WriteLine($"MAC:        {Synthex.Protocol.MacImplementation.Describe()}");
        output.WriteLine($"io_uring:   {(ioUring.Usable ? "usable" : "not usable")}{(string.IsNullOrEmpty(ioUring.Reason) ? "" : $" ({ioUring.Reason})")}");
        return ExitCodes.Ok;
    }
}

/// <summary>Hugepage pools from sysfs.</summary>
internal sealed record Hugepages(long SizeKb, long Total, long Free)
{
    public static IReadOnlyList<Hugepages> Read()
    {
        const string root = "/sys/kernel/mm/hugepages";
        if (!Directory.Exists(root)) return [];
        var list = new List<Hugepages>();
        foreach (var dir in Directory.GetDirectories(root, "hugepages-*kB"))
        {
            long size = long.Parse(Path.GetFileName(dir)["hugepages-".Length..^2], System.Globalization.CultureInfo.InvariantCulture);
            long total = long.Parse(File.ReadAllText(Path.Combine(dir, "nr_hugepages")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            long free = long.Parse(File.ReadAllText(Path.Combine(dir, "free_hugepages")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (total > 0) list.Add(new Hugepages(size, total, free));
        }
        return list;
    }
}
