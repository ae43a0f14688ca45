using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using HdrHistogram;
using Synthex.Load.Scenarios;
using Synthex.Load.Transport;

namespace Synthex.Load;

/// <summary>What every sender thread shares: the clock marks of the run and the stop flag.</summary>
internal sealed class RunClock
{
    /// <summary>Stopwatch ticks: the run's start, the warm-up's end, the end of sending.</summary>
    public long Start, WarmupEnd, End;

    /// <summary>Set on SIGINT/SIGTERM: stop sending now, then drain as at the end.</summary>
    public volatile bool Stopping;

    /// <summary>When <see cref="Stopping"/> was set (Stopwatch ticks; 0: it was not).</summary>
    public long StoppedAt;

    public void Stop()
    {
        if (Stopping) return;
        StoppedAt = Stopwatch.GetTimestamp();
        Stopping = true;
    }
}

/// <summary>
/// The state of one sender thread that the monitor reads: counters and latency recorders.
/// <see cref="Corrected"/> holds the latency from each request's intended send time (the
/// schedule's, coordinated-omission corrected; equal to the actual send time in closed loop),
/// <see cref="Uncorrected"/> from when it actually left, so the report can show both.
/// </summary>
internal sealed class SenderState
{
    /// <summary>Values in nanoseconds, 1 ns .. 100 s, 3 significant digits.</summary>
    public const long HighestNs = 100_000_000_000;

    public SenderCounters Counters;
    public readonly Recorder Corrected = NewRecorder(), Uncorrected = NewRecorder();
    public string? PinError;
    public Exception? Failure;
    /// <summary>Bytes the sender loop allocated after the warm-up (written once, when it ends).</summary>
    public long LoopAllocatedBytes;
    /// <summary>Stopwatch ticks when the scenario said it had sent all it will (--rounds done)
    /// and its last request left the table; 0 when it ran until the clock's end.</summary>
    public long FinishedAt;

    /// <summary>HdrHistogram initialises statics (about 1 KiB) on the first value a process
    /// records: done here, so it does not fall on a sender's first measured answer.</summary>
    static SenderState() => NewRecorder().RecordValue(1);

    public static Recorder NewRecorder() => new(1, HighestNs, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
    public static HistogramBase NewHistogram() => new LongHistogram(1, HighestNs, 3);
}

/// <summary>
/// One sender thread's loop over its own connected socket: build due requests (closed loop: up to
/// the thread's share of --concurrency in flight; open loop: every request whose intended time
/// has come, while a slot is free), send them in one batch, receive a batch of answers, match
/// and verify each, expire requests past --timeout (retransmitting them, same sequence, while
/// --retries allows), and wait briefly when there is nothing to do. --loss drops datagrams on
/// purpose before the socket (counted), so retransmission is exercised on a lossless path.
/// Generic over the scenario and the transport (structs), so the JIT compiles one straight loop
/// per pair; nothing in the loop allocates.
/// </summary>
internal sealed class SenderThread<TScenario, TTransport>
    where TScenario : struct, IScenario
    where TTransport : struct, IDatagramTransport
{
    private const byte Free = 0, Built = 1, InFlight = 2, Resend = 3;

    /// <summary>A request's record, found from its sequence number: slot = sequence &amp; mask.</summary>
    private struct Slot
    {
        public ulong Sequence;
        public long Intended, SentAt;
        public byte State;
        /// <summary>Sends so far beyond the first (the retransmit count).</summary>
        public byte Attempts;
        public bool Measured;
    }

    private readonly SenderState _state;
    private readonly RunClock _clock;
    private readonly LoadOptions _options;
    private readonly int _thread;
    private TScenario _scenario;
    private TTransport _io;
    private readonly DatagramBatch _batch;
    private readonly Slot[] _slots;
    private readonly int[] _freeSlots, _batchSlots;
    /// <summary>Slots waiting to be sent again, with the sequence they had when queued (an entry
    /// whose slot was answered meanwhile no longer matches and is skipped).</summary>
    private readonly int[] _resendSlots;
    private readonly ulong[] _resendSequences;
    private int _resendHead, _resendCount;
    private readonly int _slotBits, _limit, _retries;
    private readonly ulong _mask, _lossThreshold;
    private ulong _random;
    private int _freeCount, _inFlight;
    private ulong _generation = 1;
    private long _allocatedAtWarmupEnd;
    private bool _finished;
    private long _finishedAt;

    public SenderThread(SenderState state, RunClock clock, LoadOptions options, int thread, Func<ScenarioContext, TScenario> create, TTransport io)
    {
        _state = state;
        _clock = clock;
        _options = options;
        _thread = thread;
        _io = io;
        _limit = options.OutstandingPerThread;
        if (options.Concurrency is { } c) _limit = c / options.Threads + (thread < c % options.Threads ? 1 : 0);
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(_limit, 2));
        _slotBits = BitOperations.Log2((uint)slots);
        _mask = (ulong)slots - 1;
        _slots = new Slot[slots];
        _freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) _freeSlots[i] = slots - 1 - i;
        _freeCount = slots;
        _resendSlots = new int[2 * slots];
        _resendSequences = new ulong[2 * slots];
        _retries = options.RetriesOrDefault;
        _lossThreshold = options.Loss <= 0 ? 0 : (ulong)(options.Loss * 18446744073709551615.0);
        _random = 0x9E3779B97F4A7C15UL * (ulong)(thread + 1) ^ (ulong)Environment.TickCount64;
        _batchSlots = new int[options.Batch];
        _scenario = create(new ScenarioContext(thread, options.Threads, slots, options.ScenarioOptions));
        _batch = new DatagramBatch(options.Batch, options.Scenario.MaxRequestLength(options.ScenarioOptions),
                                   options.Scenario.MaxAnswerLength(options.ScenarioOptions));
    }

    public void Run()
    {
        try
        {
            if (_options.PinCpus.Count > 0)
                _state.PinError = ThreadAffinity.PinCurrentThread(_options.PinCpus[_thread % _options.PinCpus.Count]);
            Loop();
            // The loop's own allocations from the end of the warm-up on (taken by this thread:
            // see Loop), so one-time lazy initialisation in the runtime and the libraries does
            // not count: the proof, in every report, that the steady state allocates nothing.
            _state.LoopAllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - _allocatedAtWarmupEnd;
            if (_finished) _state.FinishedAt = Stopwatch.GetTimestamp();
        }
        catch (Exception e)
        {
            _state.Failure = e;
        }
        finally
        {
            _io.Dispose();
            _batch.Dispose();
        }
    }

    // Fully optimised from the first call: a tiered loop is swapped for its optimised version
    // by on-stack replacement at whatever moment it gets hot, and that compilation on this
    // thread showed as ~1 KiB allocated after the warm-up on a loaded machine.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop()
    {
        ref var counters = ref _state.Counters;
        var clock = _clock;
        long timeoutTicks = (long)(_options.TimeoutSeconds * Stopwatch.Frequency);
        // Expiry is checked a few times per timeout, not per request: a request is given up
        // between 1x and 1.25x --timeout after it left, at the cost of one pass over the slots.
        long scanTicks = Math.Max(timeoutTicks / 4, Stopwatch.Frequency / 1000);
        // After the end, what is in flight gets every retransmission it still has.
        long drainTicks = (_retries + 1) * (timeoutTicks + scanTicks);
        long spinTicks = Stopwatch.Frequency / 50_000; // 20 µs: shorter waits spin, longer sleep in ppoll
        bool open = _options.IsOpenLoop;
        var schedule = _options.Schedule;
        double ticksPerSecond = Stopwatch.Frequency;
        int threads = _options.Threads;
        // Open loop: this thread's requests are every threads-th of the schedule, offset by its
        // index, so the threads together send at the asked rate and evenly interleaved.
        double nextIntended = clock.Start;
        if (open) nextIntended += ticksPerSecond / schedule!.RateAt(0) * _thread;

        while (Stopwatch.GetTimestamp() < clock.Start) Thread.SpinWait(20);
        long lastScan = clock.Start;
        int pendingStart = 0, pendingCount = 0;
        bool pendingFresh = false, blocked = false;

        bool warm = false;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (!warm && now >= clock.WarmupEnd)
            {
                warm = true;
                _allocatedAtWarmupEnd = GC.GetAllocatedBytesForCurrentThread();
            }
            bool sending = now < clock.End && !clock.Stopping;
            bool sendingNew = sending && !_finished;
            bool worked = false;

            // 1. Build what is due, once the previous batch has all left: retransmissions first
            //    (also after the end: their units wait for them), then new requests.
            if (pendingCount == 0)
            {
                int n = 0;
                blocked = false;
                while (n < _batchSlots.Length && _resendCount > 0) n += BuildResend(ref counters, n, now);
                if (n > 0) worked = true;
                pendingFresh = false;
                if (sendingNew)
                {
                    if (!open)
                    {
                        while (n < _batchSlots.Length && _inFlight < _limit)
                        {
                            int built = Build(ref counters, n, now, now, now >= clock.WarmupEnd);
                            if (built < 0) { blocked = true; break; }
                            n += built;
                            pendingFresh = true;
                        }
                    }
                    else
                    {
                        while (n < _batchSlots.Length && nextIntended <= now && nextIntended < clock.End && _inFlight < _limit)
                        {
                            long intended = (long)nextIntended;
                            int built = Build(ref counters, n, intended, now, intended >= clock.WarmupEnd);
                            if (built < 0) { blocked = true; break; }
                            n += built;
                            pendingFresh = true;
                            double t = (nextIntended - clock.WarmupEnd) / ticksPerSecond;
                            nextIntended += ticksPerSecond * threads / schedule!.RateAt(t);
                        }
                    }
                    if (_finished) _finishedAt = now;
                }
                pendingStart = 0;
                pendingCount = n;
            }
            else if (!sending && pendingFresh)
            {
                // The run ended with requests built but not yet taken by the socket.
                AbandonPending(ref counters, pendingStart, pendingCount);
                pendingCount = 0;
                pendingFresh = false;
            }

            // 2. Send the batch (what the socket does not take now goes on the next turn).
            if (pendingCount > 0)
            {
                int sent = _io.Send(_batch, pendingStart, pendingCount);
                if (sent > 0)
                {
                    long at = Stopwatch.GetTimestamp();
                    for (int i = pendingStart; i < pendingStart + sent; i++)
                    {
                        ref var slot = ref _slots[_batchSlots[i]];
                        slot.SentAt = at;
                        slot.State = InFlight;
                        CountSend(ref counters, ref slot);
                    }
                    pendingStart += sent;
                    pendingCount -= sent;
                    worked = true;
                }
                else if (sent < 0)
                {
                    counters.TransportErrors++;
                    counters.LastErrno = -sent;
                    // ECONNREFUSED reports an earlier datagram's ICMP error and is consumed by
                    // being read: retry this one. Anything else would fail again: drop it, counted.
                    if (-sent != Interop.ECONNREFUSED)
                    {
                        int index = _batchSlots[pendingStart];
                        if (_slots[index].Attempts == 0) counters.Unsent++;
                        else if (_slots[index].Measured) counters.Timeouts++;
                        else counters.WarmupTimeouts++;
                        Release(ref counters, index, ok: false);
                        pendingStart++;
                        pendingCount--;
                    }
                }
            }

            // 3. Receive and verify a batch of answers.
            int received = _io.Receive(_batch);
            if (received > 0)
            {
                long at = Stopwatch.GetTimestamp();
                for (int i = 0; i < received; i++) Answer(ref counters, i, at);
                worked = true;
            }
            else if (received < 0)
            {
                counters.TransportErrors++;
                counters.LastErrno = -received;
            }

            // 4. Give up on (or retransmit) requests past their timeout.
            if (now - lastScan >= scanTicks)
            {
                Expire(ref counters, now - timeoutTicks, final: false);
                lastScan = now;
            }

            if (!sendingNew)
            {
                if (_inFlight == 0 && pendingCount == 0) break;
                // Drained long enough: whatever is still out has had its full timeouts.
                long stoppedAt = clock.StoppedAt;
                long ended = _finished && _finishedAt < clock.End ? _finishedAt
                           : stoppedAt != 0 && stoppedAt < clock.End ? stoppedAt : clock.End;
                if (now - ended > drainTicks + scanTicks)
                {
                    AbandonPending(ref counters, pendingStart, pendingCount);
                    pendingCount = 0;
                    Expire(ref counters, long.MaxValue, final: true);
                    break;
                }
            }
            if (worked) continue;

            // 5. Nothing moved: wait for an answer, or until the next request is due.
            long wait = open && sendingNew && !blocked && _inFlight < _limit ? (long)nextIntended - now : scanTicks;
            if (wait <= 0) continue;
            if (_options.BusyPoll || wait < spinTicks) Thread.SpinWait(10);
            else _io.WaitReadable(Nanoseconds(Math.Min(wait, scanTicks)));
        }
    }

    /// <summary>Takes a slot and has the scenario write a new request into batch entry
    /// <paramref name="n"/>. Returns 1 when it is in the batch, 0 when --loss dropped it (it is in
    /// flight all the same, waiting for its timeout), -1 when the scenario has nothing to send
    /// now or ever (<see cref="IScenario.NotNow"/>, <see cref="IScenario.Finished"/>).</summary>
    private int Build(ref SenderCounters counters, int n, long intended, long now, bool measured)
    {
        int index = _freeSlots[--_freeCount];
        ulong sequence = (_generation++ << _slotBits) | (uint)index;
        int length = _scenario.WriteRequest(sequence, 0, _batch.Request(n));
        if (length <= 0)
        {
            // The scenario took nothing for this sequence: the slot goes back unused.
            _freeSlots[_freeCount++] = index;
            if (length == IScenario.Finished) _finished = true;
            return -1;
        }
        ref var slot = ref _slots[index];
        slot.Sequence = sequence;
        slot.Intended = intended;
        slot.Attempts = 0;
        slot.Measured = measured;
        _inFlight++;
        return Place(ref counters, ref slot, index, n, length, now);
    }

    /// <summary>Writes the next queued retransmission into batch entry <paramref name="n"/>;
    /// returns 1 when it is in the batch, else 0 (dropped by --loss, or a stale queue entry).</summary>
    private int BuildResend(ref SenderCounters counters, int n, long now)
    {
        int index = _resendSlots[_resendHead];
        ulong sequence = _resendSequences[_resendHead];
        _resendHead = (_resendHead + 1) % _resendSlots.Length;
        _resendCount--;
        ref var slot = ref _slots[index];
        if (slot.State != Resend || slot.Sequence != sequence) return 0;
        slot.Attempts++;
        int length = _scenario.WriteRequest(sequence, slot.Attempts, _batch.Request(n));
        return Place(ref counters, ref slot, index, n, length, now);
    }

    /// <summary>Puts a written request in the batch, unless --loss drops it: then it counts as
    /// sent at once and waits for its timeout like a datagram lost on the way.</summary>
    private int Place(ref SenderCounters counters, ref Slot slot, int index, int n, int length, long now)
    {
        if (_lossThreshold != 0 && NextRandom() < _lossThreshold)
        {
            slot.State = InFlight;
            slot.SentAt = now;
            CountSend(ref counters, ref slot);
            if (slot.Measured) counters.ClientDropped++;
            return 0;
        }
        slot.State = Built;
        _batchSlots[n] = index;
        _batch.SetRequestLength(n, length);
        return 1;
    }

    private static void CountSend(ref SenderCounters counters, ref Slot slot)
    {
        if (slot.Attempts > 0)
        {
            if (slot.Measured) counters.Retransmissions++;
        }
        else if (slot.Measured) counters.Sent++;
        else counters.WarmupSent++;
    }

    /// <summary>xorshift64*: the --loss coin, cheap and without allocation.</summary>
    private ulong NextRandom()
    {
        ulong x = _random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _random = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    /// <summary>
    /// Retires the requests built but not taken by the socket when the run ends: a first send
    /// that never went out is <c>unsent</c> (neither sent nor timed out); a retransmission among
    /// them did go out before, so its request times out.
    /// </summary>
    private void AbandonPending(ref SenderCounters counters, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            int index = _batchSlots[i];
            if (_slots[index].Attempts == 0) counters.Unsent++;
            else if (_slots[index].Measured) counters.Timeouts++;
            else counters.WarmupTimeouts++;
            Release(ref counters, index, ok: false);
        }
    }

    private void Release(ref SenderCounters counters, int index, bool ok)
    {
        ref var slot = ref _slots[index];
        int units = _scenario.Retire(slot.Sequence, ok);
        if (slot.Measured) counters.Units += units;
        slot.State = Free;
        _freeSlots[_freeCount++] = index;
        _inFlight--;
    }

    private void Answer(ref SenderCounters counters, int i, long at)
    {
        var answer = _batch.Answer(i);
        if (_batch.Truncated(i) || !_scenario.TryReadSequence(answer, out ulong sequence)) { counters.Unexpected++; return; }
        int index = (int)(sequence & _mask);
        ref var slot = ref _slots[index];
        // A slot queued for retransmission still takes its answer (it was late, not lost).
        if ((slot.State != InFlight && slot.State != Resend) || slot.Sequence != sequence) { counters.Unexpected++; return; }

        var verdict = _scenario.Verify(sequence, answer);
        if (verdict == Verdict.Resend)
        {
            // Not an answer to count: the request goes out again (WriteRequest rewrites it, e.g.
            // with the epoch just learnt). No retry left or no room to queue it: an error status.
            if (TryQueueResend(index)) return;
            verdict = Verdict.ErrorStatus;
        }
        if (slot.Measured)
        {
            counters.Answered++;
            if (verdict == Verdict.Mismatch) counters.Mismatches++;
            else if (verdict == Verdict.ErrorStatus) counters.ErrorStatuses++;
            _state.Corrected.RecordValue(Nanoseconds(at - slot.Intended));
            _state.Uncorrected.RecordValue(Nanoseconds(at - slot.SentAt));
        }
        else counters.WarmupAnswered++;
        Release(ref counters, index, verdict == Verdict.Ok);
    }

    /// <summary>Requests sent before <paramref name="sentBefore"/> without an answer: queued for
    /// retransmission while --retries allows, else timed out. <paramref name="final"/>: the drain
    /// is over, everything still out (or queued) times out.</summary>
    private void Expire(ref SenderCounters counters, long sentBefore, bool final)
    {
        if (_inFlight == 0) return;
        for (int i = 0; i < _slots.Length; i++)
        {
            ref var slot = ref _slots[i];
            bool due = slot.State == InFlight && slot.SentAt < sentBefore;
            if (!due && !(final && slot.State == Resend)) continue;
            if (!final && TryQueueResend(i)) continue;
            if (slot.Measured) counters.Timeouts++;
            else counters.WarmupTimeouts++;
            Release(ref counters, i, ok: false);
        }
    }

    /// <summary>Queues slot <paramref name="index"/> for retransmission while --retries allows and
    /// the queue has room; false (nothing changed) otherwise.</summary>
    private bool TryQueueResend(int index)
    {
        ref var slot = ref _slots[index];
        if (slot.Attempts >= _retries || _resendCount >= _resendSlots.Length) return false;
        slot.State = Resend;
        int tail = (_resendHead + _resendCount) % _resendSlots.Length;
        _resendSlots[tail] = index;
        _resendSequences[tail] = slot.Sequence;
        _resendCount++;
        return true;
    }

    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private static long Nanoseconds(long ticks) => Math.Clamp((long)(ticks * NanosecondsPerTick), 1, SenderState.HighestNs);
}
