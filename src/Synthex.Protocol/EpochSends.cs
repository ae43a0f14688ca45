namespace Synthex.Protocol;

/// <summary>What a <see cref="Status.Stale"/> answer to a CONTRIBUTE means (<see cref="EpochSends.Judge"/>).</summary>
public enum StaleMeaning : byte
{
    /// <summary>The round is over for this chunk (a STALE of the epoch the request carried, or of epoch 0).</summary>
    RoundOver,
    /// <summary>The request carried another epoch than the answer's (0 at the start: a keyed job's first contact; or an earlier server instance's): send it again, with the answer's epoch.</summary>
    SendAgain,
    /// <summary>A late answer to an earlier send that still carried the old epoch (the answer echoes its retransmit count): a send with this epoch is out already.</summary>
    LateForEarlierSend,
}

/// <summary>
/// The epoch a request's sends carried, and the first send that carried it: what a client keeps
/// per request to read a STALE by the client rules of docs/PROTOCOL.md ("A STALE whose epoch is
/// not the one the request carried is not the end of the round"). One rule for the .NET client and
/// the load tool's consensus scenario.
/// </summary>
public struct EpochSends
{
    /// <summary>The epoch of the latest send.</summary>
    public uint Epoch { get; private set; }

    /// <summary>The send (its retransmit count) that first carried <see cref="Epoch"/>.</summary>
    public int FirstSend { get; private set; }

    /// <summary>Records send number <paramref name="send"/> (0 for the first) of the request, written with <paramref name="epoch"/>.</summary>
    public void Sent(uint epoch, int send)
    {
        if (send == 0 || epoch != Epoch) FirstSend = send;
        Epoch = epoch;
    }

    /// <summary>What <paramref name="stale"/>, a STALE answer to this request, means.</summary>
    public readonly StaleMeaning Judge(in Header stale) =>
        stale.Epoch == 0 ? StaleMeaning.RoundOver
        : stale.Epoch != Epoch ? StaleMeaning.SendAgain
        : stale.Retransmit < Math.Min(FirstSend, 255) ? StaleMeaning.LateForEarlierSend
        : StaleMeaning.RoundOver;
}
