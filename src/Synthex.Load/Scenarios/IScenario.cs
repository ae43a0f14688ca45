namespace Synthex.Load.Scenarios;

/// <summary>What a verified answer turned out to be.</summary>
public enum Verdict : byte
{
    /// <summary>The answer is the right one for its request.</summary>
    Ok,
    /// <summary>It names its request but its content is wrong (a wrong echo, a result off the
    /// client's own reference).</summary>
    Mismatch,
    /// <summary>The server answered with an error status (the protocol said no).</summary>
    ErrorStatus,
}

/// <summary>
/// One scenario as one sender thread runs it: builds requests, tells which request an answer
/// belongs to, and checks the answer. One instance per thread, so it may keep per-request state
/// (a consensus scenario's f64 reference) in arrays indexed by
/// <c>sequence &amp; (<see cref="ScenarioContext.Slots"/> - 1)</c>: the runner never has two
/// requests in flight on one slot. Implemented by structs: the sender loop is generic over the
/// scenario, so the JIT specializes it and no call here is virtual. Must not allocate.
/// </summary>
public interface IScenario
{
    /// <summary>Writes the request with this <paramref name="sequence"/> into
    /// <paramref name="request"/> (at least <see cref="ScenarioDescriptor.MaxRequestLength"/>
    /// bytes) and returns its length.</summary>
    int WriteRequest(ulong sequence, Span<byte> request);

    /// <summary>Reads which request <paramref name="answer"/> answers; false when it is not an
    /// answer of this scenario at all (counted as unexpected).</summary>
    bool TryReadSequence(ReadOnlySpan<byte> answer, out ulong sequence);

    /// <summary>Checks <paramref name="answer"/> against the request with this
    /// <paramref name="sequence"/> (still in flight: the runner matched it).</summary>
    Verdict Verify(ulong sequence, ReadOnlySpan<byte> answer);
}

/// <summary>What a scenario instance is told when it is made for a sender thread.</summary>
/// <param name="Thread">The sender thread's index, 0-based.</param>
/// <param name="Threads">How many sender threads there are.</param>
/// <param name="Slots">Requests this thread can have in flight (a power of two).</param>
/// <param name="Options">The scenario's own options by name (without "--"), as given or defaulted.</param>
public sealed record ScenarioContext(int Thread, int Threads, int Slots, IReadOnlyDictionary<string, string> Options);

/// <summary>An option a scenario adds to <c>synthex load</c> (e.g. <c>--experts</c>).</summary>
public sealed record ScenarioOption(string Name, string Help, string HelpName, string Default);

/// <summary>Receives a scenario's struct type, so the runner is specialized for it.</summary>
public interface IScenarioConsumer<out TResult>
{
    TResult Accept<TScenario>(Func<ScenarioContext, TScenario> create) where TScenario : struct, IScenario;
}

/// <summary>
/// A scenario's registration: its name, options, sizes and how to make an instance per thread.
/// A new scenario is one file holding its <see cref="IScenario"/> struct and its descriptor, and
/// one line in <see cref="ScenarioRegistry"/>.
/// </summary>
public abstract class ScenarioDescriptor
{
    public abstract string Name { get; }
    public abstract string Summary { get; }

    /// <summary>Options this scenario adds to the command line (names unique across scenarios,
    /// or shared with the same meaning).</summary>
    public virtual IReadOnlyList<ScenarioOption> Options => [];

    /// <summary>The largest request and answer (bytes), given the options.</summary>
    public abstract int MaxRequestLength(IReadOnlyDictionary<string, string> options);
    public abstract int MaxAnswerLength(IReadOnlyDictionary<string, string> options);

    /// <summary>Checks the options before anything starts; throws
    /// <see cref="LoadConfigurationException"/> naming the bad one.</summary>
    public virtual void Validate(IReadOnlyDictionary<string, string> options) { }

    /// <summary>A line for the report saying what each request is (e.g. "64-byte sockperf messages").</summary>
    public abstract string Describe(IReadOnlyDictionary<string, string> options);

    public abstract TResult Create<TResult>(IScenarioConsumer<TResult> consumer);
}
