namespace Synthex.Dpdk.Pipeline;

/// <summary>One worker's loop, behind an interface called once per run (not per packet).</summary>
public interface IWorker : IDisposable
{
    /// <summary>Polls until the stop flag is set, then drains TX.</summary>
    void Run();

    /// <summary>One pass over the worker's RX queues; returns the packets received. For tests.</summary>
    int PollOnce();

    /// <summary>Sends what waits in partly filled TX buffers.</summary>
    void Drain();
}
