namespace Synthex.Protocol.Tests;

/// <summary>The codec's hot path allocates nothing: reading a request, writing the answer in
/// place, reading the answer, over many messages (GC.GetAllocatedBytesForCurrentThread).</summary>
public class AllocationTests
{
    [Fact]
    public void Parse_and_write_allocate_nothing()
    {
        var c = Fuzz.Examples.ContributeHeader;
        var q = Fuzz.Examples.QueryHeader;
        var contribution = new byte[Wire.MaxDatagram];
        var query = new byte[Wire.MaxDatagram];
        var answer = new byte[Wire.MaxDatagram];
        int cn = Contribute.Write(contribution, c, [1.5f, -2f]);
        int qn = Query.Write(query, q, [0.5f, 0.5f, 0.5f, 0.5f]);
        Match[] matches = [new(17, 0.98f), new(3, 0.5f)];

        long Loop(int n)
        {
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                var v = Codec.ReadRequest(contribution.AsSpan(0, cn), out var m);
                var h = m.Header;
                // The answer written over the request's own buffer, as a service does.
                m.Values.CopyTo(Result.Values(answer, h));
                int rn = Result.WriteOk(answer, h, 1, 2f, 0b1111);
                sum += Codec.ReadAnswer(answer.AsSpan(0, rn), out var r).IsValid ? r.Values.Length : 0;
                sum += StatusAnswer.Busy(answer, h, 1, 10) + StatusAnswer.Refuse(answer, h, 1, Verdict.Refused(Status.BadRequest, Field.Weight));
                sum += Codec.ReadRequest(query.AsSpan(0, qn), out var qm).IsValid ? 1 : 0;
                sum += Matches.WriteOk(answer, qm.Header, 1, 12, matches);
                sum += Codec.ReadAnswer(answer.AsSpan(0, Matches.Size(2)), out var mm).IsValid ? mm.Matches.Length : 0;
                sum += Codec.ReadRequest(contribution.AsSpan(0, cn - 1), out _).Field == Field.Payload ? 1 : 0;
                sum += v.IsValid ? 1 : 0;
                sum += Codec.Write(answer, m);
            }
            return sum;
        }

        Loop(10_000); // JIT and static constructors first
        long before = GC.GetAllocatedBytesForCurrentThread();
        long work = Loop(200_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(work > 0);
        Assert.Equal(0, allocated);
    }
}
