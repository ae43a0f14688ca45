namespace Synthex.Load.Transport;

/// <summary>
/// How a sender thread moves a batch of datagrams through its connected UDP socket. Implemented
/// by structs so the sender loop, generic over it, is specialized once per transport by the JIT
/// (no virtual call per batch or per datagram).
/// </summary>
internal interface IDatagramTransport : IDisposable
{
    /// <summary>Sends requests [<paramref name="start"/>, start + count) of the batch without
    /// blocking. Returns how many went (0 when the socket buffer is full), or -errno.</summary>
    int Send(DatagramBatch batch, int start, int count);

    /// <summary>Receives up to a batch of answers without blocking: the count (0 when none
    /// waits), or -errno.</summary>
    int Receive(DatagramBatch batch);

    /// <summary>Waits until an answer is readable or <paramref name="timeoutNs"/> passes.</summary>
    void WaitReadable(long timeoutNs);
}
