#!/usr/bin/python3
# Usage: scripts/similarity-load.py PORT OUTSTANDING SECONDS — closed-loop QUERY load (D = 128, k = 10) against 127.0.0.1:PORT.
# Closed-loop load: keep B queries outstanding against the service; QPS and latency percentiles.
import socket, struct, sys, time, numpy as np
port, B, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
D, k = 128, 10
qs = np.random.default_rng(5).standard_normal((4096, D), dtype=np.float32)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
def send(i):
    hdr = struct.pack("<HBBBBHIIQQBBBBIIHHfHHQ", 0x5853, 1, 2, 0, 0, 0, 0, 7, i, 1, 0, 0, 0, 0, D, 0, 0, 0, 0.0, k, 0, 0)
    s.sendto(hdr + qs[i % 4096].tobytes(), ("127.0.0.1", port)); sent[i] = time.perf_counter()
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
print(f"outstanding={B}: {len(lat)/el:.0f} QPS, latency p50 {np.percentile(lat,50):.1f} ms p99 {np.percentile(lat,99):.1f} ms")
