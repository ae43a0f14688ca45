using System.Net;
using Synthex.Load.Scenarios;

namespace Synthex.Load;

/// <summary>Which system calls the senders use (<c>--io</c>).</summary>
public enum IoKind
{
    /// <summary>sendmmsg/recvmmsg: one call per batch (the default; it measured faster).</summary>
    Mmsg,
    /// <summary>Socket.Send/Receive: one call per datagram (the baseline).</summary>
    Socket,
}

/// <summary>Everything a load run needs, validated (<see cref="Validate"/>) before it starts.</summary>
public sealed record LoadOptions
{
    public required IPEndPoint Target { get; init; }
    public required ScenarioDescriptor Scenario { get; init; }
    public IReadOnlyDictionary<string, string> ScenarioOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>Closed loop: requests kept in flight over all threads. Null for open loop.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Open loop: the schedule. Null for closed loop.</summary>
    public RateSchedule? Schedule { get; init; }

    public double DurationSeconds { get; init; } = 10;
    public double WarmupSeconds { get; init; }
    public double TimeoutSeconds { get; init; } = 1;
    public int Threads { get; init; } = 1;

    /// <summary>CPUs to pin sender thread i to (CPU[i % n]); empty: not pinned.</summary>
    public IReadOnlyList<int> PinCpus { get; init; } = [];

    /// <summary>Datagrams per system call.</summary>
    public int Batch { get; init; } = 32;

    /// <summary>Open loop: the most requests one thread keeps in flight; when reached, sending
    /// waits (and the wait shows in the corrected latency). Null: rate x timeout, with headroom.</summary>
    public int? MaxOutstanding { get; init; }

    public IoKind Io { get; init; } = IoKind.Mmsg;

    /// <summary>Spin instead of sleeping in ppoll while waiting (lower latency, a whole core).</summary>
    public bool BusyPoll { get; init; }

    /// <summary>Retransmissions of a request unanswered after --timeout (same sequence), before
    /// it counts as a timeout. Null: the scenario's default (consensus 20, others 0).</summary>
    public int? Retries { get; init; }

    /// <summary>Deliberate client-side loss: each datagram (first sends and retransmissions) is
    /// dropped before the socket with this probability, counted as client_dropped, to exercise
    /// retransmission and the server's de-duplication.</summary>
    public double Loss { get; init; }

    internal int RetriesOrDefault => Retries ?? Scenario.DefaultRetries;

    /// <summary>Exit 1 when (mismatches + timeouts + errors) / sent is above this.</summary>
    public double MaxErrorRate { get; init; } = 0.01;

    /// <summary>Seconds between live lines (and timeline points); 0: no live line.</summary>
    public double IntervalSeconds { get; init; } = 1;

    public bool IsOpenLoop => Schedule is not null;

    public void Validate()
    {
        if ((Concurrency is null) == (Schedule is null))
            throw new LoadConfigurationException("give exactly one of --concurrency (closed loop) or --rate/--ramp/--steps (open loop)");
        if (Concurrency is < 1 or > 1 << 20) throw new LoadConfigurationException($"--concurrency: {Concurrency} is not in 1..{1 << 20}");
        if (Threads is < 1 or > 256) throw new LoadConfigurationException($"--threads: {Threads} is not in 1..256");
        if (Concurrency is { } c && c < Threads) throw new LoadConfigurationException($"--concurrency: {c} is less than --threads {Threads} (each thread needs one request in flight)");
        if (!(DurationSeconds > 0) || DurationSeconds > 86400) throw new LoadConfigurationException($"--duration: {DurationSeconds} is not in (0, 86400] seconds");
        if (!(WarmupSeconds >= 0) || WarmupSeconds > 3600) throw new LoadConfigurationException($"--warmup: {WarmupSeconds} is not in [0, 3600] seconds");
        if (!(TimeoutSeconds >= 0.001) || TimeoutSeconds > 60) throw new LoadConfigurationException($"--timeout: {TimeoutSeconds} is not in [0.001, 60] seconds");
        if (Batch is < 1 or > 1024) throw new LoadConfigurationException($"--batch: {Batch} is not in 1..1024");
        if (MaxOutstanding is < 1 or > 1 << 22) throw new LoadConfigurationException($"--max-outstanding: {MaxOutstanding} is not in 1..{1 << 22}");
        if (!(MaxErrorRate >= 0) || MaxErrorRate > 1) throw new LoadConfigurationException($"--max-error-rate: {MaxErrorRate} is not in [0, 1]");
        if (!(IntervalSeconds >= 0) || IntervalSeconds > 3600) throw new LoadConfigurationException($"--interval: {IntervalSeconds} is not in [0, 3600] seconds");
        if (Retries is < 0 or > 255) throw new LoadConfigurationException($"--retries: {Retries} is not in 0..255");
        if (!(Loss >= 0) || Loss >= 1) throw new LoadConfigurationException($"--loss: {Loss} is not in [0, 1)");
        foreach (int cpu in PinCpus)
            if (cpu < 0 || cpu >= Environment.ProcessorCount) throw new LoadConfigurationException($"--pin: cpu {cpu} is not in 0..{Environment.ProcessorCount - 1}");
        Scenario.Validate(ScenarioOptions);
        Scenario.ValidateShape(this);
    }

    /// <summary>Requests one thread may have in flight (the slot table's size is the next power of two).</summary>
    internal int OutstandingPerThread
    {
        get
        {
            if (Concurrency is { } c) return (c + Threads - 1) / Threads;
            if (MaxOutstanding is { } m) return m;
            // Enough for every request of one timeout at the peak rate, twice over, so a healthy
            // server never makes the sender wait for a slot.
            double perThread = Schedule!.PeakRate / Threads * TimeoutSeconds * 2;
            return (int)Math.Clamp(Math.Ceiling(perThread), 64, 1 << 22);
        }
    }

    /// <summary>How the load is shaped, in words (for the reports).</summary>
    public string ShapeDescription => Schedule?.Description ?? $"closed loop, {Concurrency} in flight";
}
