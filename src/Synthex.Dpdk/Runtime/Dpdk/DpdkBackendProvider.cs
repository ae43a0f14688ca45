using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Runtime.Dpdk;

/// <summary>
/// Opens the DPDK backend: EAL init from the arguments after <c>--</c> (plus a unique
/// <c>--file-prefix</c>), then port discovery. Refuses, with the reason, when DPDK or the shim
/// is missing, EAL init fails, or EAL finds no port.
/// </summary>
public sealed class DpdkBackendProvider : IBackendProvider
{
    public string Name => "dpdk";
    public BackendLayers Layers => BackendLayers.Frames | BackendLayers.Datagrams; // datagram apps behind the endpoint stage

    public IBackend? TryOpen(RunSettings settings, out string whyNot)
    {
        if (settings.Backend == "auto" && settings.EalArgs.Count == 0)
        {
            // Without EAL arguments there is nothing to say which device to use; an EAL init with
            // every default would grab all cores and hugepages on a host that only wants UDP.
            whyNot = "no EAL arguments after -- (e.g. -- -l 0,1 -a 0000:03:00.0, or --vdev net_null0 for a test)";
            return null;
        }
        EalSession eal;
        try
        {
            eal = EalSession.Init(settings.EalArgs);
        }
        catch (DllNotFoundException e)
        {
            whyNot = $"DPDK or the native shim is not installed ({e.Message}); run scripts/bootstrap.sh";
            return null;
        }
        catch (EnvironmentException e)
        {
            whyNot = e.Message;
            return null;
        }

        var ports = DpdkPort.Enumerate();
        if (ports.Count == 0)
        {
            eal.Dispose();
            whyNot = "EAL found no port: add a virtual device (--vdev net_null0) or bind a NIC to vfio-pci (dpdk-devbind.py) and pass -a PCI_ADDRESS";
            return null;
        }
        if (settings.Ports is { } wanted)
        {
            try
            {
                ports = Select(ports, wanted);
            }
            catch
            {
                foreach (var p in ports) p.Dispose();
                eal.Dispose();
                throw;
            }
        }
        whyNot = "";
        return new DpdkBackend(eal, ports);
    }

    /// <summary>The ports named in <c>--ports</c> (by device name or port id), in that order; the others are closed.</summary>
    private static List<DpdkPort> Select(List<DpdkPort> found, string wanted)
    {
        var chosen = new List<DpdkPort>();
        foreach (var item in RunSettings.ParsePorts(wanted))
        {
            var port = found.Find(p => p.Name == item || p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == item)
                ?? throw new ConfigurationException("ports",
                    $"no port '{item}'; EAL found: {string.Join(", ", found.Select(p => $"{p.Id}={p.Name}"))}");
            if (!chosen.Contains(port)) chosen.Add(port);
        }
        foreach (var p in found.Except(chosen)) p.Dispose();
        return chosen;
    }
}
