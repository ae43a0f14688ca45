namespace Synthex.Protocol.Tests;

/// <summary>Findings of the fuzz target, each pinned (their inputs are also in the corpus).</summary>
public class RegressionTests
{
    /// <summary>AFL++ found in 46 s (688 executions): a request of version 0 with operation 0x00
    /// is refused UNSUPPORTED_VERSION (the version is checked first), echoed as operation 0x80 —
    /// which clients dropped as malformed because only UNKNOWN_OPERATION was allowed an
    /// undefined answer operation. corpus/regression-unsupported-version-of-unknown-operation.</summary>
    [Fact]
    public void Unsupported_version_of_an_unknown_operation_is_answered_readably()
    {
        var bytes = new byte[Wire.HeaderSize];
        new Header { Version = 0, Operation = 0, Job = 7 }.TryWrite(bytes);
        var v = Codec.ReadRequest(bytes, out var m);
        Assert.Equal(Verdict.Refused(Status.UnsupportedVersion, Field.Version), v);
        var answer = new byte[Wire.HeaderSize];
        Assert.Equal(Wire.HeaderSize, StatusAnswer.Refuse(answer, m.Header, 1, v));
        Assert.True(Codec.ReadAnswer(answer, out var a).IsValid);
        Assert.Equal((Status.UnsupportedVersion, (Operation)0x80, 7u), (a.Header.Status, a.Header.Operation, a.Header.Job));
        Fuzz.FuzzTarget.Run(bytes);
    }
}
