#!/usr/bin/env python3
"""consensus-demo.py HOST PORT — three experts contribute one round to `synthex run --app consensus`
and check the one answer each of them gets against the weighted mean computed here (f64).

The message layout is docs/PROTOCOL.md's 64-byte header (little-endian), written with struct so
this demo depends on nothing but Python; the .NET client is src/Synthex.Client.
"""
import random, select, socket, struct, sys

HEADER = struct.Struct("<HBBBBHIIQQBBBBIIHHfHHQ")   # 64 bytes: docs/PROTOCOL.md, "Header"
assert HEADER.size == 64
CONTRIBUTE, RESULT, OK = 0x01, 0x81, 0
STATUS = ["OK", "PARTIAL", "BUSY", "STALE", "ABORTED", "BAD_REQUEST", "TOO_LARGE", "UNSUPPORTED_VERSION", "UNKNOWN_OPERATION", "UNAUTHENTICATED"]

host, port = sys.argv[1], int(sys.argv[2])
job, session, rnd, target, length = 7, random.getrandbits(64), 1, 3, 6
experts = {0: (0.5, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
           1: (1.0, [2.0, 2.0, 2.0, -2.0, -2.0, -2.0]),
           2: (2.5, [0.0, 1.0, 0.0, 1.0, 0.0, 1.0])}

def contribution(expert, weight, values, retransmit):
    h = HEADER.pack(0x5853, 1, CONTRIBUTE, 0, 0, 0, 0, job, rnd, session, expert, target, retransmit, 0,
                    length, 0, length, 0, weight, 0, 0, 0)
    return h + struct.pack(f"<{len(values)}f", *values)

socks = {e: socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for e in experts}
for e, (w, v) in experts.items():
    print(f"expert {e}: weight {w:<4} contributes {v}")
# Each expert sends its contribution and, like any client, resends it (retransmit + 1) until its
# answer comes: the service answers a retransmission to a completed chunk from its cache.
answers = {}
for attempt in range(50):
    for e, (w, v) in experts.items():
        if e not in answers:
            socks[e].sendto(contribution(e, w, v, attempt), (host, port))
    deadline = 0.2
    while len(answers) < len(experts):
        ready, _, _ = select.select([socks[e] for e in experts if e not in answers], [], [], deadline)
        if not ready:
            break
        for e, sk in socks.items():
            if sk in ready:
                answers[e] = sk.recv(65536)
    if len(answers) == len(experts):
        break
if len(answers) < len(experts):
    sys.exit(f"no answer for experts {sorted(set(experts) - set(answers))} after 10 s")

sw = sum(w for w, _ in experts.values())
reference = [sum(w * v[i] for w, v in experts.values()) / sw for i in range(length)]
ok = True
for e in sorted(answers):
    data = answers[e]
    (magic, version, op, flags, status, detail, epoch, rjob, rround, rsession, rexpert, rtarget, _rt,
     count, rlength, offset, chunk, timeout, weight, k, items, tag) = HEADER.unpack_from(data)
    values = list(struct.unpack_from(f"<{(len(data) - 64) // 4}f", data, 64))
    good = (op == RESULT and status == OK and rexpert == e and count == 3 and tag == 0b111
            and abs(weight - sw) < 1e-6 and len(values) == length
            and all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(values, reference)))
    ok &= good
    print(f"expert {e} got {STATUS[status]} from epoch {epoch:#010x}: count {count}, experts {tag:#05b}, "
          f"sum of weights {weight}: {[round(x, 6) for x in values]} {'= the reference' if good else '!= the reference ' + str(reference)}")
print("consensus checked: every expert got the weighted mean of all three" if ok else "consensus MISMATCH")
sys.exit(0 if ok else 1)
