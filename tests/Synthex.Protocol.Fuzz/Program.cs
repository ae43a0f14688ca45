using SharpFuzz;
using Synthex.Protocol;
using Synthex.Protocol.Fuzz;

// synthex-protocol-fuzz                 AFL++ target (run under afl-fuzz after `sharpfuzz` instrumentation)
// synthex-protocol-fuzz replay DIR...   run every file of the directories through the target once
// synthex-protocol-fuzz vectors         print the doc's worked examples (marker + hex block)
// synthex-protocol-fuzz seed DOC DIR    write the doc's golden vectors and malformed variants as a corpus
switch (args.Length > 0 ? args[0] : "")
{
    case "":
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            FuzzTarget.Run(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        });
        return 0;
    case "replay" when args.Length > 1:
        int runs = Replay.Directories(args[1..], Console.Error);
        Console.WriteLine($"replayed {runs} inputs, no failure");
        return 0;
    case "vectors":
        foreach (var e in Examples.All())
            Console.WriteLine(Examples.Markdown(e.Name));
        return 0;
    case "seed" when args.Length == 3:
        Console.WriteLine($"wrote {Replay.Seed(GoldenVectors.Parse(File.ReadAllText(args[1])), args[2])} seeds to {args[2]}");
        return 0;
    default:
        Console.Error.WriteLine("usage: synthex-protocol-fuzz [replay DIR... | vectors | seed PROTOCOL.md DIR]");
        return 2;
}
