using BenchmarkDotNet.Attributes;
using Synthex.Dpdk.Apps;
using Synthex.Protocol;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>
/// What a service's whole authentication check costs per message (<see cref="ServiceAuth.Check"/>:
/// key lookup, MAC with the worker's <see cref="MacContext"/>, the epoch rule and the replay rules
/// over the kept sessions) against the MAC verification alone — so the replay rules' share is the
/// difference. A 1 KiB contribution (256 floats, the chunk that fits a 1,500-byte frame) of one
/// session, or of 8 sessions in turn (every kept session of the expert in use: the longest scan).
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class ServiceAuthSuite
{
    private const uint Epoch = 0x5EED;
    [Params(1, ServiceAuth.SessionsPerExpert)] public int Sessions;

    private readonly byte[] _key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private ServiceAuth _auth = null!;
    private MacContext[] _macs = null!;
    private byte[][] _messages = null!;
    private Header[] _headers = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _auth = new ServiceAuth(JobKeys.Of((7, _key)));
        _macs = _auth.CreateContexts();
        _messages = new byte[Sessions][];
        _headers = new Header[Sessions];
        float[] values = Enumerable.Range(0, 256).Select(i => i * 0.5f).ToArray();
        for (int s = 0; s < Sessions; s++)
        {
            var buffer = new byte[Wire.MaxDatagram];
            var h = Contribute.Header(7, 1000 + (ulong)s, 5, 3, 4, 256, 0, 256, 1f, epoch: Epoch);
            int n = MessageAuth.Sign(buffer, Contribute.Write(buffer, h, values), _key);
            _messages[s] = buffer[..n];
            Codec.ReadRequest(_messages[s], out Message m);
            _headers[s] = m.Header;
        }
    }

    [Benchmark(Baseline = true)]
    public bool MacVerifyAlone()
    {
        int s = _next = (_next + 1) % Sessions;
        return _macs[0].Verify(_messages[s]);
    }

    [Benchmark]
    public AuthOutcome WholeCheck()
    {
        int s = _next = (_next + 1) % Sessions;
        return _auth.Check(_messages[s], _headers[s], out _, _macs, Epoch);
    }
}
