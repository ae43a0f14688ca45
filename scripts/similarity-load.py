#!/usr/bin/python3
# Usage: scripts/similarity-load.py PORT OUTSTANDING SECONDS [ZIPF_S UNIVERSE TRACE_FILE]
# Closed-loop QUERY load (D = 128, k = 10) against 127.0.0.1:PORT: keep B queries outstanding;
# QPS and latency percentiles. Default: 4,096 queries in turn. With ZIPF_S: each query drawn from
# UNIVERSE distinct ones with Zipf(s) popularity (the result cache's workload), the sequence of
# query ids written to TRACE_FILE (one per line) so `Synthex.Dpdk.Benchmarks cache-trace` can
# replay it and compare with the service's cache counters.
import socket, struct, sys, time, numpy as np
port, B, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
D, k = 128, 10
zipf = len(sys.argv) > 4
U = int(sys.argv[5]) if zipf else 4096
qs = np.random.default_rng(5).standard_normal((U, D), dtype=np.float32)
if zipf:
    w = 1.0 / np.arange(1, U + 1) ** float(sys.argv[4]); cdf = np.cumsum(w) / w.sum()
    perm = np.random.default_rng(6).permutation(U)
    draws = perm[np.minimum(np.searchsorted(cdf, np.random.default_rng(7).random(2_000_000)), U - 1)]
    trace = open(sys.argv[6], "w")
def pick(i):
    if not zipf: return i % 4096
    q = int(draws[i]); trace.write(f"{q}\n"); return q
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
def send(i):
    hdr = struct.pack("<HBBBBHIIQQBBBBIIHHfHHQ", 0x5853, 1, 2, 0, 0, 0, 0, 7, i, 1, 0, 0, 0, 0, D, 0, 0, 0, 0.0, k, 0, 0)
    s.sendto(hdr + qs[pick(i)].tobytes(), ("127.0.0.1", port)); sent[i] = time.perf_counter()
sent, lat, i = {}, [], 0
for _ in range(B): send(i); i += 1
t0 = time.perf_counter()
while time.perf_counter() - t0 < secs:
    a = s.recv(65536)
    rid = struct.unpack_from("<Q", a, 16)[0]; lat.append(time.perf_counter() - sent.pop(rid))
    assert a[5] == 0, f"status {a[5]}"
    send(i); i += 1
el = time.perf_counter() - t0
lat = np.array(lat) * 1000
if zipf: trace.close()
print(f"queries={i} outstanding={B}: {len(lat)/el:.0f} QPS, latency p50 {np.percentile(lat,50):.1f} ms p99 {np.percentile(lat,99):.1f} ms")
