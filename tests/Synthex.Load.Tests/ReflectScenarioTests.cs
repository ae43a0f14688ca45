using Synthex.Load.Scenarios;

namespace Synthex.Load.Tests;

/// <summary>The reflect scenario's messages and its check of answers.</summary>
public class ReflectScenarioTests
{
    public static TheoryData<int> Sizes => [14, 15, 22, 64, 1001, 9000];

    [Theory, MemberData(nameof(Sizes))]
    public void A_correct_echo_verifies_and_names_its_request(int size)
    {
        var scenario = new ReflectScenario(size);
        var message = new byte[size];
        Assert.Equal(size, scenario.WriteRequest(0x1234_5678_9ABCUL, 0, message));
        Assert.True(SockperfMessage.TryReadHeader(message, out ulong seq, out ushort flags));
        Assert.Equal(0x1234_5678_9ABCUL, seq);
        Assert.Equal(ReflectScenario.RequestFlags, flags);

        message[9] &= 0xFE; // what a server does: clear the client flag
        Assert.True(scenario.TryReadSequence(message, out seq));
        Assert.Equal(0x1234_5678_9ABCUL, seq);
        Assert.Equal(Verdict.Ok, scenario.Verify(seq, message));
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Every_changed_byte_is_a_mismatch(int size)
    {
        var scenario = new ReflectScenario(size);
        var answer = new byte[size];
        scenario.WriteRequest(77, 0, answer);
        answer[9] &= 0xFE;
        // Byte by byte (the length field's changes make it unreadable: also not Ok).
        for (int i = 0; i < size; i++)
        {
            answer[i] ^= 0x01;
            Assert.NotEqual(Verdict.Ok, scenario.Verify(77, answer));
            answer[i] ^= 0x01;
        }
        Assert.Equal(Verdict.Ok, scenario.Verify(77, answer));
    }

    [Fact]
    public void An_answer_with_the_client_flag_still_set_or_another_sequence_is_a_mismatch()
    {
        var scenario = new ReflectScenario(64);
        var message = new byte[64];
        scenario.WriteRequest(5, 0, message);
        Assert.Equal(Verdict.Mismatch, scenario.Verify(5, message)); // not answered: flag still set
        message[9] &= 0xFE;
        Assert.Equal(Verdict.Mismatch, scenario.Verify(6, message));
        Assert.Equal(Verdict.Mismatch, scenario.Verify(5, message.AsSpan(0, 63)));
    }

    [Fact]
    public void Payloads_differ_between_requests()
    {
        var scenario = new ReflectScenario(64);
        byte[] a = new byte[64], b = new byte[64];
        scenario.WriteRequest(1, 0, a);
        scenario.WriteRequest(2, 0, b);
        Assert.False(a.AsSpan(14).SequenceEqual(b.AsSpan(14)));
    }
}
