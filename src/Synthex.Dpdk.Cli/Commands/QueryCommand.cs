using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Synthex.Load;
using Synthex.Load.Scenarios;
using Synthex.Protocol;

namespace Synthex.Dpdk.Cli.Commands;

/// <summary>
/// <c>synthex query</c>: one QUERY to the similarity service, for a person at a shell — prints
/// the top k (rank, row, score) and the matrix version, or the status and the field it names.
/// Resends the query (retransmit + 1) when no answer comes within 0.5 s, until --timeout; a
/// query holds no state at the server, so that is harmless. Exit 0 matches, 1 a refusal or no
/// answer, 2 a bad option (named), 3 the server cannot be reached.
/// </summary>
internal static class QueryCommand
{
    public const string Examples = """
        Ask the similarity service for the k rows most similar to a vector and print them.

        Examples:
          synthex query --to 127.0.0.1:9000 --k 5 --values 0.1,0.2,0.3,0.4
          synthex query --to [::1]:9000 --k 10 --npy queries.npy --row 17

        Exit codes: 0 matches printed, 1 refused (the status and field are printed) or no answer
        within --timeout, 2 bad option, 3 the server cannot be reached from this host.
        """;

    private static readonly TimeSpan Resend = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "the similarity service, ADDR:PORT", HelpName = "ADDR:PORT", Required = true };
        var k = new Option<int>("--k") { Description = "matches to ask for, 1..65535 (the server allows up to its --k-max)", HelpName = "K", DefaultValueFactory = _ => 10 };
        var job = new Option<uint>("--job") { Description = "the job the query carries", HelpName = "J", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the answer (resent every 0.5 s)", HelpName = "S", DefaultValueFactory = _ => 5 };
        var keys = new Option<string?>("--keys") { Description = "the server's key file (lines 'JOB HEXKEY', mode 600): with a key for --job, requests are signed and answers must verify (docs/PROTOCOL.md)", HelpName = "FILE" };
        var vector = new VectorArguments();
        var command = new Command("query", Examples) { to, k, job, timeout, keys };
        vector.AddTo(command);
        command.SetAction(parse =>
        {
            try
            {
                var server = LoadCommand.ParseTarget(parse.GetValue(to)!);
                int kk = parse.GetValue(k);
                double seconds = parse.GetValue(timeout);
                if (kk is < 1 or > ushort.MaxValue) throw new LoadConfigurationException($"--k: {kk} is not in 1..{ushort.MaxValue}");
                if (!(seconds > 0) || seconds > 3600) throw new LoadConfigurationException($"--timeout: {seconds} is not in (0, 3600] seconds");
                float[] query = vector.Read(parse);
                if (query.Length > Wire.MaxChunk) throw new LoadConfigurationException($"--values/--npy: {query.Length} floats is more than the {Wire.MaxChunk} a QUERY carries");
                byte[]? key = ScenarioKeys.Load(ConsensusCommand.KeysOption(parse.GetValue(keys)), parse.GetValue(job));
                return Execute(server, parse.GetValue(job), (ushort)kk, query, TimeSpan.FromSeconds(seconds), key, Console.Out, Console.Error);
            }
            catch (LoadConfigurationException x)
            {
                Console.Error.WriteLine($"synthex query: bad option: {x.Message}");
                return ExitCodes.BadConfiguration;
            }
        });
        return command;
    }

    private static int Execute(IPEndPoint server, uint job, ushort k, float[] query, TimeSpan timeout, byte[]? key, TextWriter output, TextWriter error)
    {
        var c = CultureInfo.InvariantCulture;
        ulong id = (ulong)Random.Shared.NextInt64();
        ulong session = (ulong)Random.Shared.NextInt64() | 1;
        var request = new byte[Wire.HeaderSize + 4 * query.Length + Wire.MacSize];
        var answer = new byte[65536];
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try { socket.Connect(server); }
        catch (SocketException x)
        {
            error.WriteLine($"synthex query: cannot reach {server}: {x.Message}");
            return ExitCodes.BadEnvironment;
        }
        var clock = Stopwatch.StartNew();
        for (int attempt = 0; clock.Elapsed < timeout; attempt++)
        {
            int n = ScenarioKeys.Seal(key, request, Query.Write(request, Query.Header(job, session, id, (uint)query.Length, k, (byte)Math.Min(attempt, 255)), query));
            try { socket.Send(request.AsSpan(0, n)); }
            catch (SocketException x) when (x.SocketErrorCode == SocketError.ConnectionRefused) { }
            var due = clock.Elapsed + Resend;
            while (clock.Elapsed < due && clock.Elapsed < timeout)
            {
                if (!socket.Poll((int)Math.Max(1000, (due - clock.Elapsed).TotalMicroseconds), SelectMode.SelectRead)) continue;
                int got;
                try { got = socket.Receive(answer); }
                catch (SocketException x) when (x.SocketErrorCode == SocketError.ConnectionRefused) { Thread.Sleep(50); continue; }
                // With a key only an answer whose MAC verifies is the server's.
                if (!ScenarioKeys.Authentic(key, answer.AsSpan(0, got))) continue;
                if (!Codec.ReadAnswer(answer.AsSpan(0, got), out Message m).IsValid || m.Header.Round != id || m.Header.Session != session) continue;
                var h = m.Header;
                if (h.Status != Status.Ok)
                {
                    string field = h.Status is Status.BadRequest or Status.TooLarge ? $" naming the field at offset {h.Detail}" : h.Status == Status.Busy ? $", retry after {h.Detail} ms" : "";
                    error.WriteLine($"synthex query: {Statuses.WireName(h.Status)}{field}");
                    return ExitCodes.Failure;
                }
                output.WriteLine(string.Create(c, $"{h.Items} match(es) of {k} asked, matrix version {h.Tag}, {query.Length}-float query"));
                output.WriteLine("rank  row         score");
                var matches = m.Matches;
                for (int i = 0; i < matches.Length; i++)
                    output.WriteLine(string.Create(c, $"{i + 1,4}  {matches[i].Row,-10}  {matches[i].Score,12:G7}"));
                return ExitCodes.Ok;
            }
        }
        error.WriteLine(string.Create(c, $"synthex query: no answer from {server} within {timeout.TotalSeconds:0.###} s"));
        return ExitCodes.Failure;
    }
}
