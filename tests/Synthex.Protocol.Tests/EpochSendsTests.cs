namespace Synthex.Protocol.Tests;

/// <summary><see cref="EpochSends"/>: the client rule for STALE (docs/PROTOCOL.md, "Client rules")
/// on the sequence a keyed job's first contact makes: sent with epoch 0, answered STALE with the
/// server's epoch, resent with it; then a late STALE to the first send, and the STALE that ends
/// the round.</summary>
public class EpochSendsTests
{
    private static Header Stale(uint epoch, byte retransmit) => new() { Status = Status.Stale, Epoch = epoch, Retransmit = retransmit };

    [Fact]
    public void A_stale_of_another_epoch_asks_again_a_late_one_is_ignored_and_one_of_the_sent_epoch_ends_the_round()
    {
        var sends = new EpochSends();
        sends.Sent(epoch: 0, send: 0);
        Assert.Equal(StaleMeaning.SendAgain, sends.Judge(Stale(0x5EED, 0)));   // first contact of a keyed job
        Assert.Equal(StaleMeaning.RoundOver, sends.Judge(Stale(0, 0)));        // epoch 0: nothing to adopt

        sends.Sent(epoch: 0, send: 1);                                          // a retransmission before the answer
        sends.Sent(epoch: 0x5EED, send: 2);                                     // the resend with the adopted epoch
        Assert.Equal(2, sends.FirstSend);
        Assert.Equal(StaleMeaning.LateForEarlierSend, sends.Judge(Stale(0x5EED, 1)));
        Assert.Equal(StaleMeaning.RoundOver, sends.Judge(Stale(0x5EED, 2)));
        Assert.Equal(StaleMeaning.SendAgain, sends.Judge(Stale(0x5EEE, 2)));   // the server restarted meanwhile

        sends.Sent(epoch: 0x5EED, send: 3);                                     // same epoch: the first send that carried it stays 2
        Assert.Equal(2, sends.FirstSend);
        sends.Sent(epoch: 0x5EED, send: 0);                                     // a new request in the slot starts afresh
        Assert.Equal(0, sends.FirstSend);
    }

    [Fact]
    public void Retransmit_counts_past_255_compare_as_the_wire_does()
    {
        var sends = new EpochSends();
        sends.Sent(epoch: 7, send: 300);                                        // the wire's retransmit saturates at 255
        Assert.Equal(StaleMeaning.RoundOver, sends.Judge(Stale(7, 255)));
        Assert.Equal(StaleMeaning.LateForEarlierSend, sends.Judge(Stale(7, 254)));
    }
}
