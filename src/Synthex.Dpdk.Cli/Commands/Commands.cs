using System.CommandLine;
using Synthex.Dpdk.Cli.Configuration;
using Synthex.Dpdk.Runtime;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>The command tree: <c>synthex run</c>, <c>synthex info</c>, <c>synthex load</c> and the one-shot <c>synthex consensus</c> and <c>synthex query</c>.</summary>
internal static class Commands
{
    public const string RunExamples = """
        Run an app over DPDK ports (everything after -- goes to rte_eal_init unchanged) or over
        the kernel's UDP stack. Stops after --duration or on Ctrl-C/SIGTERM, then prints a summary
        in which every packet is accounted for (rx = replied + absorbed + dropped,
        tx = replied + originated).

        Examples:
          # forward between two null devices for 5 s, one worker lcore, report to a file
          synthex run --app forward --mode io --duration 5 --stats-json out.json -- -l 0,1 --no-huge --no-pci --vdev net_null0 --vdev net_null1

          # answer every UDP/TCP packet of a capture, writing the replies to another capture
          synthex run --app frame-reflect --duration 2 -- -l 0,1 --in-memory --no-pci --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap

          # l2fwd-style MAC rewrite between two NIC ports, 2 RSS queues per port, 2 workers
          synthex run --app forward --mode l2fwd --rx-queues 2 --peer-macs 0=02:00:00:00:00:10,1=02:00:00:00:00:11 -- -l 0-2 -a 0000:03:00.0 -a 0000:03:00.1

          # a UDP endpoint on a tap: answers ARP, ND and ping for its addresses, reflect on UDP port 9000
          synthex run --app reflect --address 10.0.0.1/24,fd00::1/64 --listen 0.0.0.0:9000 -- -l 0,1 --in-memory --no-pci --vdev net_tap0,iface=sx0

          # UDP reflector on io_uring, no root or hugepages needed
          synthex run --app reflect --backend io-uring --listen 0.0.0.0:9000

          # settings from a file, overridden by environment and options (in that order)
          SYNTHEX_BURST=64 synthex run --config config/synthex.sample.json --duration 10

        Exit codes: 0 done, 1 failed while running, 2 bad option or configuration (the message
        names the key), 3 the host cannot run it (EAL init failed, no port, no hugepages).
        """;

    public static RootCommand Build(string[] ealArgs)
    {
        var root = new RootCommand("synthex: a packet-processing appliance on DPDK, with an io_uring/socket fallback.");

        var config = new Option<string>("--config") { Description = "JSON file with settings (see config/synthex.sample.json)", HelpName = "FILE" };
        var keyed = SettingsBinder.Keys.Select(k => (k, new Option<string>("--" + k.Name) { Description = k.Help, HelpName = k.HelpName })).ToArray();
        var run = new Command("run", RunExamples) { config };
        foreach (var (_, option) in keyed) run.Options.Add(option);
        run.SetAction(parse =>
        {
            var given = new Dictionary<string, string>();
            foreach (var (key, option) in keyed)
                if (parse.GetResult(option) is { Implicit: false } && parse.GetValue(option) is { } value)
                    given[key.Name] = value;
            return RunCommand.Execute(parse.GetValue(config), given, ealArgs, Console.Out, Console.Error);
        });
        root.Subcommands.Add(run);

        var json = new Option<bool>("--json") { Description = "print the report as JSON" };
        var info = new Command("info", """
            Report the environment: DPDK version, hugepages, the ports DPDK can see (with the EAL
            arguments after --, default: no hugepages, no PCI scan), the SIMD instruction set the
            kernels chose, and whether io_uring is usable.

            Examples:
              synthex info
              synthex info --json -- --vdev net_null0
              synthex info -- -a 0000:03:00.0
            """) { json };
        info.SetAction(parse => InfoCommand.Execute(parse.GetValue(json), ealArgs, Console.Out));
        root.Subcommands.Add(info);

        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(ConsensusCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());

        return root;
    }
}
