using SharpFuzz;
using Synthex.Dpdk.Fuzz;

// synthex-dpdk-fuzz TARGET                AFL++ target (run under afl-fuzz after `sharpfuzz` instrumentation)
// synthex-dpdk-fuzz replay TARGET DIR     run every file of DIR through the target once
// Targets: frame, matrix, config (FuzzTargets.Names).
switch (args)
{
    case [var name] when FuzzTargets.Names.Contains(name):
        var run = FuzzTargets.Find(name);
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            run(ms.ToArray());
        });
        return 0;
    case ["replay", var name, var dir] when FuzzTargets.Names.Contains(name):
        Console.WriteLine($"replayed {FuzzTargets.Replay(name, dir)} inputs through {name}, no failure");
        return 0;
    default:
        Console.Error.WriteLine($"usage: synthex-dpdk-fuzz TARGET | replay TARGET DIR  (targets: {string.Join(", ", FuzzTargets.Names)})");
        return 2;
}
