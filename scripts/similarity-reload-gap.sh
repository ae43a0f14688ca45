#!/usr/bin/env bash
# Usage: scripts/similarity-reload-gap.sh [BACKEND] [N] — the longest gap between answers while the
# matrix is reloaded under load: synthex run --app similarity (N x 128, cosine) on 127.0.0.1, 32
# queries kept outstanding for 12 s; no reloads for the first 4 s, then a new file is moved over the
# matrix and SIGHUP sent every 0.5 s. Prints the longest gap in each phase and the reload counters.
set -euo pipefail
backend=${1:-io-uring}; n=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d); pid=; trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
/usr/bin/python3 -c "
import numpy as np, sys
for v in (1, 2):
    np.save('$dir/m%d.npy' % v, np.random.default_rng(v).standard_normal(($n, 128), dtype=np.float32))"
cp "$dir/m1.npy" "$dir/m.npy"
port=$((20000 + RANDOM % 20000))
"$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex" run --app similarity --matrix "$dir/m.npy" --k-max 10 \
    --backend "$backend" --workers 1 --listen 127.0.0.1:$port --stats-interval 0 --stats-json "$dir/report.json" > "$dir/log" 2>&1 &
pid=$!
until grep -q "synthex: running" "$dir/log"; do sleep 0.2; done
(sleep 4; for i in $(seq 1 16); do cp "$dir/m$(( (i % 2) + 1 )).npy" "$dir/next.npy"; mv "$dir/next.npy" "$dir/m.npy"; kill -HUP $pid; sleep 0.5; done) &
/usr/bin/python3 - "$port" <<'PY'
import socket, struct, sys, time, numpy as np
port, B, D, k = int(sys.argv[1]), 32, 128, 10
qs = np.random.default_rng(5).standard_normal((1024, D), dtype=np.float32)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
def send(i):
    hdr = struct.pack("<HBBBBHIIQQBBBBIIHHfHHQ", 0x5853, 1, 2, 0, 0, 0, 0, 7, i, 1, 0, 0, 0, 0, D, 0, 0, 0, 0.0, k, 0, 0)
    s.sendto(hdr + qs[i % 1024].tobytes(), ("127.0.0.1", port))
for i in range(B): send(i)
t0 = last = time.perf_counter(); i = B; gaps = {0: 0.0, 1: 0.0}; count = {0: 0, 1: 0}; versions = set()
while (now := time.perf_counter()) - t0 < 12:
    a = s.recv(65536)
    assert a[3] == 0x82 and a[5] == 0, (a[3], a[5])
    versions.add(struct.unpack_from("<Q", a, 56)[0])
    now = time.perf_counter(); phase = 0 if now - t0 < 4 else 1
    gaps[phase] = max(gaps[phase], now - last); count[phase] += 1; last = now
    send(i); i += 1
print(f"no reloads (4 s): {count[0]} answers, longest gap {gaps[0]*1e3:.1f} ms; "
      f"reloading every 0.5 s (8 s): {count[1]} answers, longest gap {gaps[1]*1e3:.1f} ms; versions seen {sorted(versions)}")
PY
sleep 1
kill -TERM $pid; while kill -0 $pid 2>/dev/null; do sleep 0.2; done
grep -o '"reloads": [0-9]*\|"reload_failed": [0-9]*\|"last_reload_wait_us": [0-9]*\|"batches": [0-9]*' "$dir/report.json" | tr '\n' ' '; echo
grep -c "serving" "$dir/log" | sed 's/^/reload log lines: /'
uptime
