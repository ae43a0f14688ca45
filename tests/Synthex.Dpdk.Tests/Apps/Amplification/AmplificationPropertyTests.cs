using System.Buffers.Binary;
using Synthex.Dpdk.Fuzz;
using Synthex.Protocol;
using Xunit.Abstractions;

namespace Synthex.Dpdk.Tests.Apps.Amplification;

/// <summary>
/// The amplification rule (docs/PROTOCOL.md) as a property of the real services: generated
/// requests — every operation (CONTRIBUTE, QUERY, PROJECT, unknown ones), valid and with fields
/// broken one at a time, from sixteen unauthenticated sources over IPv4 and IPv6 — go through
/// <c>consensus,similarity</c> behind the endpoint on the in-memory port (<see cref="ServiceRig"/>);
/// every answer, status answers and results to other contributors included, must be no longer
/// than the request it echoes (<see cref="AmplificationLedger"/>). The run must also reach every
/// status the protocol has, so the rule is seen to hold for each.
/// </summary>
public class AmplificationPropertyTests(ITestOutputHelper output)
{
    private const int Cases = 4000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void No_answer_to_an_unauthenticated_source_is_larger_than_its_request(int seed)
    {
        var random = new Random(seed);
        var ledger = new AmplificationLedger();
        var statuses = new long[10];
        using var rig = new ServiceRig(s => s with { RoundTimeout = 5 });

        void Check(List<(int Source, byte[] Payload)> sent)
        {
            foreach (var (to, answer) in sent)
            {
                ledger.Answer(to, answer);
                if (answer[5] < statuses.Length) statuses[answer[5]]++;
            }
        }

        for (int i = 0; i < Cases; i++)
        {
            int source = random.Next(16);
            bool ipv6 = random.Next(2) == 0;
            byte[] request = Generate(random);
            ledger.Request(source, request);
            Check(rig.Send(source, ipv6, request));
            if (i % 500 == 499) { Thread.Sleep(10); Check(rig.PollSent()); } // let rounds time out: PARTIAL
        }
        // Stop: what the compute thread still owes.
        Thread.Sleep(10);
        Check(rig.PollSent());
        rig.Stop.Request("test");
        rig.Worker.Run();
        Check(rig.TakeSent());

        // Stop with rounds open: ABORTED to their contributors. A rig of its own whose rounds
        // cannot time out first: with the 5 ms above, a slow moment between the contribution and
        // the stop (a loaded CI machine) turned them into PARTIAL and left ABORTED unexercised.
        using var closing = new ServiceRig(s => s with { RoundTimeout = ushort.MaxValue });
        for (int i = 0; i < 3; i++)
        {
            int source = random.Next(16);
            var open = Contribution(random, job: 100 + (uint)i, target: 4);
            ledger.Request(source, open);
            Check(closing.Send(source, false, open));
        }
        Assert.True(closing.OpenRounds > 0, "none of the closing contributions opened a round");
        closing.Stop.Request("test");
        closing.Worker.Run();
        Check(closing.TakeSent());
        Assert.True(closing.Snapshot().Accounted);

        var s = rig.Snapshot();
        output.WriteLine($"seed {seed}: {Cases} requests, {ledger.Checked} answers checked; statuses seen: " +
                         string.Join(", ", statuses.Select((n, st) => $"{(Status)st} {n}")));
        Assert.True(s.Accounted);
        Assert.Equal(0, ledger.Unmatched);
        for (int st = 0; st < statuses.Length; st++)
            Assert.True(statuses[st] > 0, $"no {(Status)st} answer was produced: the property was not exercised for it");
    }

    /// <summary>One request: a valid one of a random operation, then maybe one field broken.</summary>
    internal static byte[] Generate(Random r)
    {
        byte[] m = r.Next(10) switch
        {
            < 5 => Contribution(r, job: (uint)r.Next(1, 7), target: (byte)r.Next(1, 5)),
            < 7 => Query(r),
            < 8 => Project(r),
            _ => Unknown(r),
        };
        switch (r.Next(12))
        {
            case 0: m[2] = (byte)r.Next(2, 256); break;                                 // version
            case 1: m[4] |= 1; Array.Resize(ref m, m.Length + 16); break;              // a MAC trailer, no key: UNAUTHENTICATED
            case 2: m[r.Next(4, 64)] = (byte)r.Next(256); break;                        // any header byte
            case 3: Array.Resize(ref m, Math.Max(0, m.Length + r.Next(-6, 7))); break;  // truncated or padded
            case 4 when m.Length > 64: BinaryPrimitives.WriteSingleLittleEndian(m.AsSpan(64), float.NaN); break;
            case 5: BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), (uint)r.Next(1, int.MaxValue)); break; // another epoch: STALE
        }
        return m;
    }

    internal static byte[] Contribution(Random r, uint job, byte target)
    {
        int length = r.Next(1, 200);
        int chunk = r.Next(1, length + 1);
        int chunks = (length + chunk - 1) / chunk;
        int offset = r.Next(chunks) * chunk;
        int floats = Math.Min(chunk, length - offset);
        var m = Header(Operation.Contribute, floats);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(12), job);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)r.Next(0, 24));   // round: past the window of 8 → BUSY, below → STALE
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(24), (ulong)r.Next(0, 2));    // session
        m[32] = (byte)r.Next(target);
        m[33] = target;
        m[34] = (byte)r.Next(3);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(36), (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(40), (uint)offset);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(44), (ushort)chunk);
        BinaryPrimitives.WriteSingleLittleEndian(m.AsSpan(48), r.Next(8) == 0 ? 0f : 0.5f);
        Floats(r, m);
        return m;
    }

    private static byte[] Query(Random r)
    {
        int d = r.Next(6) == 0 ? r.Next(1, 9) : ServiceRig.Columns;
        var m = Header(Operation.Query, d);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)r.Next());
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(36), (uint)d);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(52), (ushort)(r.Next(4) == 0 ? r.Next(0, 300) : r.Next(1, 3)));
        Floats(r, m);
        return m;
    }

    private static byte[] Project(Random r)
    {
        int d = r.Next(4) == 0 ? r.Next(1, 9) : ServiceRig.Columns;
        var m = Header(Operation.Project, d);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)r.Next());
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(36), (uint)d);
        Floats(r, m);
        return m;
    }

    private static byte[] Unknown(Random r)
    {
        var m = Header((Operation)r.Next(4, 0x80), r.Next(0, 8));
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)r.Next());
        return m;
    }

    private static byte[] Header(Operation op, int floats)
    {
        var m = new byte[Wire.HeaderSize + 4 * floats];
        BinaryPrimitives.WriteUInt16LittleEndian(m, 0x5853);
        m[2] = 1;
        m[3] = (byte)op;
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(12), 7);
        return m;
    }

    private static void Floats(Random r, byte[] m)
    {
        for (int o = Wire.HeaderSize; o + 4 <= m.Length; o += 4)
            BinaryPrimitives.WriteSingleLittleEndian(m.AsSpan(o), (float)(r.NextDouble() * 2 - 1));
    }
}
