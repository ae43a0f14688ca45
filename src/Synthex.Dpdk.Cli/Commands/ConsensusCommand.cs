using System.CommandLine;
using System.Globalization;
using Synthex.Client;
using Synthex.Load;
using Synthex.Load.Scenarios;
using Synthex.Protocol;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>
/// <c>synthex consensus</c>: one expert's contribution to one round, for a person at a shell —
/// sends the vector through <see cref="ConsensusClient"/> (chunks, retransmission, BUSY and
/// restarts handled there) and prints the consensus: status, experts counted, the first elements
/// and the norm. Exit 0 with a consensus (OK, or PARTIAL: said so), 1 without one (refused,
/// stale, aborted, no answer), 2 a bad option (named), 3 the server cannot be reached.
/// </summary>
internal static class ConsensusCommand
{
    public const string Examples = """
        Contribute one expert's vector to a consensus round and print the consensus.

        Examples:
          # a round of one expert: the answer is the vector itself
          synthex consensus --to 127.0.0.1:9000 --round 1 --target 1 --values 1,2,3

          # two experts of a run (same --session), each from its own shell; both print the weighted mean
          synthex consensus --to 10.0.0.1:9000 --job 7 --session 42 --round 1 --target 2 --expert 0 --weight 1 --values 1,2
          synthex consensus --to 10.0.0.1:9000 --job 7 --session 42 --round 1 --target 2 --expert 1 --weight 3 --values 5,6

          # row 3 of an .npy file
          synthex consensus --to 127.0.0.1:9000 --round 9 --target 1 --npy vectors.npy --row 3

        Exit codes: 0 a consensus (OK or PARTIAL), 1 none (refused, stale, aborted, no answer in
        --timeout), 2 bad option, 3 the server cannot be reached from this host.
        """;

    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "the consensus service, ADDR:PORT", HelpName = "ADDR:PORT", Required = true };
        var job = new Option<uint>("--job") { Description = "the job (tenant)", HelpName = "J", DefaultValueFactory = _ => 1 };
        var session = new Option<ulong?>("--session") { Description = "the run's session nonce, shared by its experts (default: a new one from the clock and random bits; for a keyed job a later run must use a higher session)", HelpName = "S" };
        var round = new Option<ulong>("--round") { Description = "the round id (increasing per job and session)", HelpName = "R", Required = true };
        var target = new Option<int>("--target") { Description = "experts that complete the round, 1..64", HelpName = "T", DefaultValueFactory = _ => 1 };
        var expert = new Option<int>("--expert") { Description = "this expert's id, 0..63", HelpName = "E" };
        var weight = new Option<float>("--weight") { Description = "this expert's weight, finite and >= 0", HelpName = "W", DefaultValueFactory = _ => 1 };
        var chunk = new Option<int>("--chunk") { Description = "floats per datagram, 1..16356", HelpName = "N", DefaultValueFactory = _ => 256 };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the consensus", HelpName = "S", DefaultValueFactory = _ => 10 };
        var show = new Option<int>("--show") { Description = "elements of the consensus to print", HelpName = "N", DefaultValueFactory = _ => 8 };
        var keys = new Option<string?>("--keys") { Description = "the server's key file (lines 'JOB HEXKEY', mode 600): with a key for --job, requests are signed and answers must verify (docs/PROTOCOL.md)", HelpName = "FILE" };
        var vector = new VectorArguments();
        var command = new Command("consensus", Examples) { to, job, session, round, target, expert, weight, chunk, timeout, show, keys };
        vector.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                var server = LoadCommand.ParseTarget(parse.GetValue(to)!);
                int t = parse.GetValue(target), e = parse.GetValue(expert), c = parse.GetValue(chunk);
                float w = parse.GetValue(weight);
                double seconds = parse.GetValue(timeout);
                if (t is < 1 or > Wire.MaxExperts) throw new LoadConfigurationException($"--target: {t} is not in 1..{Wire.MaxExperts}");
                if (e is < 0 or >= Wire.MaxExperts) throw new LoadConfigurationException($"--expert: {e} is not in 0..{Wire.MaxExperts - 1}");
                if (c is < 1 or > Wire.MaxChunk) throw new LoadConfigurationException($"--chunk: {c} is not in 1..{Wire.MaxChunk}");
                if (!float.IsFinite(w) || w < 0) throw new LoadConfigurationException($"--weight: {w} is not finite and >= 0");
                if (!(seconds > 0) || seconds > 3600) throw new LoadConfigurationException($"--timeout: {seconds} is not in (0, 3600] seconds");
                float[] values = vector.Read(parse);
                var options = new ConsensusClientOptions
                {
                    Job = parse.GetValue(job), Expert = (byte)e, Chunk = (ushort)c,
                    Session = parse.GetValue(session) ?? Sessions.New(),
                    Key = ScenarioKeys.Load(KeysOption(parse.GetValue(keys)), parse.GetValue(job)),
                };
                return Execute(server, options, parse.GetValue(round), (byte)t, values, w, TimeSpan.FromSeconds(seconds), parse.GetValue(show), Console.Out, Console.Error);
            }
            catch (LoadConfigurationException x)
            {
                Console.Error.WriteLine($"synthex consensus: bad option: {x.Message}");
                return ExitCodes.BadConfiguration;
            }
        });
        return command;
    }

    /// <summary><c>--keys</c> as the load tool's scenario option (one loader, one message).</summary>
    internal static IReadOnlyDictionary<string, string> KeysOption(string? path) =>
        path is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["keys"] = path };

    private static int Execute(System.Net.IPEndPoint server, ConsensusClientOptions options, ulong round, byte target, float[] values, float weight,
                               TimeSpan timeout, int show, TextWriter output, TextWriter error)
    {
        var c = CultureInfo.InvariantCulture;
        ConsensusResult result;
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            var client = new ConsensusClient(server, options);
            try { result = client.ContributeAsync(round, target, values, weight, cancel.Token).GetAwaiter().GetResult(); }
            finally { client.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        }
        catch (System.Net.Sockets.SocketException x)
        {
            error.WriteLine($"synthex consensus: cannot reach {server}: {x.Message}");
            return ExitCodes.BadEnvironment;
        }
        catch (ConsensusException x)
        {
            error.WriteLine($"synthex consensus: refused: {Statuses.WireName(x.Status)} naming {x.Field}: {x.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception x) when (x is OperationCanceledException or TimeoutException)
        {
            error.WriteLine(string.Create(c, $"synthex consensus: no consensus for round {round} within {timeout.TotalSeconds:0.###} s (fewer than {target} experts contributed, or no answer)"));
            return ExitCodes.Failure;
        }
        string outcome = result.Complete ? "OK" : result.HasValues ? "PARTIAL" : "no consensus";
        output.WriteLine(string.Create(c, $"round {round} (job {options.Job}, session {options.Session}, expert {options.Expert}): {outcome}"));
        foreach (var g in result.Chunks.GroupBy(k => (k.Status, k.Count, k.Experts, k.WeightSum)))
            output.WriteLine(string.Create(c, $"  {g.Count()} chunk(s): {Statuses.WireName(g.Key.Status)}, {g.Key.Count} expert(s) counted (bitmap 0x{g.Key.Experts:x}), weight sum {g.Key.WeightSum:G7}"));
        if (result.HasValues) output.WriteLine("consensus: " + VectorArguments.Describe(result.Values, show));
        return result.HasValues ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
