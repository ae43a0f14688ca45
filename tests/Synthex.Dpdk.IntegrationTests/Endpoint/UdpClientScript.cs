namespace Synthex.Dpdk.IntegrationTests.Endpoint;

/// <summary>
/// A plain Linux UDP client (Python's socket module, the kernel's stack) for the datagram-app
/// table: <c>reflect</c> must echo each payload from the service address; <c>rendezvous</c> must
/// send each of two sockets the other's payload. Exits non-zero with the reason on any mismatch
/// or a 3 s silence. Usage: <c>python3 -c SCRIPT APP HOST PORT</c>.
/// </summary>
internal static class UdpClientScript
{
    public const string Source = """
        import socket, sys
        app, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        def sock():
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.settimeout(3)
            return s
        def recv(s):
            data, peer = s.recvfrom(65536)
            assert peer[0] == host and peer[1] == port, ("reply from", peer)
            return data
        got = 0
        if app == "reflect":
            s = sock()
            for i in range(50):
                msg = b"endpoint %d " % i + bytes(range(i % 200))
                s.sendto(msg, (host, port))
                assert recv(s) == msg, i
                got += 1
        else:
            a, b = sock(), sock()
            for i in range(10):
                a.sendto(b"from a %d" % i, (host, port))
                import time; time.sleep(0.01)  # a first: the service pairs in arrival order
                b.sendto(b"from b %d" % i, (host, port))
                assert recv(a) == b"from b %d" % i, ("a", i)
                assert recv(b) == b"from a %d" % i, ("b", i)
                got += 2
        print("answers", got)
        """;
}
