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
    /// <summary>The server asks for the request again, rewritten (consensus: a STALE carrying an
    /// epoch the request was not sent with — the first contact of a keyed job, or a restarted
    /// server): the runner resends it at once as a retransmission, while --retries allows.</summary>
    Resend,
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
    /// bytes) and returns its length. <paramref name="attempt"/> is 0 for a request's first send
    /// and 1, 2, ... for the runner's retransmissions of it after --timeout (same sequence, same
    /// request; a scenario whose protocol counts retransmissions writes the attempt in).
    /// A first send may instead return <see cref="NotNow"/> (nothing may be sent until answers
    /// come: e.g. consensus's admission window) or <see cref="Finished"/> (the scenario has sent
    /// all it will: e.g. --rounds done); the sequence is then not used.</summary>
    int WriteRequest(ulong sequence, int attempt, Span<byte> request);

    /// <summary>Returned by <see cref="WriteRequest"/>: nothing may be sent before answers come.</summary>
    public const int NotNow = 0;

    /// <summary>Returned by <see cref="WriteRequest"/>: this thread has sent all it ever will.</summary>
    public const int Finished = -1;

    /// <summary>Reads which request <paramref name="answer"/> answers; false when it is not an
    /// answer of this scenario at all (counted as unexpected).</summary>
    bool TryReadSequence(ReadOnlySpan<byte> answer, out ulong sequence);

    /// <summary>Checks <paramref name="answer"/> against the request with this
    /// <paramref name="sequence"/> (still in flight: the runner matched it).</summary>
    Verdict Verify(ulong sequence, ReadOnlySpan<byte> answer);

    /// <summary>The request with this <paramref name="sequence"/> left the runner's table:
    /// answered (<paramref name="ok"/> when verified <see cref="Verdict.Ok"/>), timed out or never
    /// sent. Returns how many of the scenario's units (e.g. consensus rounds) this completed
    /// with every request in them ok — 0 for scenarios without units.</summary>
    int Retire(ulong sequence, bool ok);
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

    /// <summary>Hands <paramref name="consumer"/> the scenario's struct type and how to make one
    /// per thread; anything shared by the threads (files) is loaded here, once.</summary>
    public abstract TResult Create<TResult>(IScenarioConsumer<TResult> consumer, IReadOnlyDictionary<string, string> options);

    /// <summary>The scenario's unit of work when it is not one request (consensus: "round"),
    /// reported as completed units and units/s; null when a request is the unit.</summary>
    public virtual string? Unit(IReadOnlyDictionary<string, string> options) => null;

    /// <summary>Retransmissions per request after --timeout when --retries is not given
    /// (consensus: a lost contribution must be resent for its round to complete).</summary>
    public virtual int DefaultRetries => 0;

    /// <summary>Checks the run's shape against the scenario (e.g. enough requests in flight to
    /// complete one of its units); throws <see cref="LoadConfigurationException"/>.</summary>
    public virtual void ValidateShape(LoadOptions options) { }
}
