using System.Runtime.InteropServices;

namespace Synthex.Load.Transport;

/// <summary>
/// One sender thread's datagram buffers, allocated once in native memory (they never move, so
/// the kernel can be handed their addresses): <see cref="Capacity"/> send slots and as many
/// receive slots, each with its iovec and mmsghdr already pointing at it. A connected socket
/// needs no addresses, so the headers carry none.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    private readonly byte* _sendData, _receiveData;
    private readonly Interop.IoVec* _sendIov, _receiveIov;
    private readonly int _sendSlot, _receiveSlot;

    public DatagramBatch(int capacity, int maxRequest, int maxAnswer)
    {
        Capacity = capacity;
        _sendSlot = Align(maxRequest);
        // One byte more than the largest valid answer: a longer one shows as truncated.
        _receiveSlot = Align(maxAnswer + 1);
        _sendData = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * _sendSlot), 64);
        _receiveData = (byte*)NativeMemory.AlignedAlloc((nuint)(capacity * _receiveSlot), 64);
        _sendIov = (Interop.IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * 2 * sizeof(Interop.IoVec)));
        _receiveIov = _sendIov + capacity;
        SendHeaders = (Interop.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * 2 * sizeof(Interop.MMsgHdr)));
        ReceiveHeaders = SendHeaders + capacity;
        for (int i = 0; i < capacity; i++)
        {
            _sendIov[i].Base = _sendData + i * _sendSlot;
            _receiveIov[i] = new Interop.IoVec { Base = _receiveData + i * _receiveSlot, Length = (nuint)_receiveSlot };
            SendHeaders[i].Header.Iov = &_sendIov[i];
            SendHeaders[i].Header.IovLength = 1;
            ReceiveHeaders[i].Header.Iov = &_receiveIov[i];
            ReceiveHeaders[i].Header.IovLength = 1;
        }
    }

    public int Capacity { get; }
    public Interop.MMsgHdr* SendHeaders { get; }
    public Interop.MMsgHdr* ReceiveHeaders { get; }

    /// <summary>Where request <paramref name="i"/> of the batch is written.</summary>
    public Span<byte> Request(int i) => new(_sendData + i * _sendSlot, _sendSlot);

    public void SetRequestLength(int i, int length) => _sendIov[i].Length = (nuint)length;

    public int RequestLength(int i) => (int)_sendIov[i].Length;

    /// <summary>The whole receive slot <paramref name="i"/> (a transport that fills it itself).</summary>
    public Span<byte> ReceiveSlot(int i) => new(_receiveData + i * _receiveSlot, _receiveSlot);

    /// <summary>Answer <paramref name="i"/> as recvmmsg left it.</summary>
    public ReadOnlySpan<byte> Answer(int i) => new(_receiveData + i * _receiveSlot, (int)ReceiveHeaders[i].Length);

    /// <summary>Whether answer <paramref name="i"/> was cut short (longer than any valid answer).</summary>
    public bool Truncated(int i)
        => (ReceiveHeaders[i].Header.Flags & Interop.MSG_TRUNC) != 0 || ReceiveHeaders[i].Length >= (uint)_receiveSlot;

    /// <summary>Records an answer received by other means than recvmmsg.</summary>
    public void SetAnswer(int i, int length, bool truncated)
    {
        ReceiveHeaders[i].Length = (uint)length;
        ReceiveHeaders[i].Header.Flags = truncated ? Interop.MSG_TRUNC : 0;
    }

    private static int Align(int n) => (n + 63) & ~63;

    public void Dispose()
    {
        NativeMemory.AlignedFree(_sendData);
        NativeMemory.AlignedFree(_receiveData);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(SendHeaders);
    }
}
