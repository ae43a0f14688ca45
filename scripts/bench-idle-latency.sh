#!/usr/bin/env bash
# What the first packet after an idle spell pays per --idle mode: synthex reflect on a net_tap
# port whose other side sits in a network namespace, measured two ways from that namespace:
#   ping          ping with a gap of 0.5 s between echoes (each one finds the worker idle:
#                 asleep at its longest in sleep mode, in epoll in interrupt mode), then 0.01 s;
#                 ping's rtt min/avg/max/mdev.
#   load          `synthex load --scenario reflect` in open loop at 2 requests/s (a 0.5 s idle
#                 spell before each) and at 100/s (0.01 s), 64-byte datagrams to reflect's
#                 service port; p50 / p99 / max round trip from its --report-json, and the
#                 p99 added against busy's. The round trip from the actual send time
#                 (latency_uncorrected_us): at 2 requests/s the schedule's correction would add
#                 the sender's own wake-up lateness, which is not the server's.
# Modes run one after the other on the same machine; note the load average printed with them.
# Usage: scripts/bench-idle-latency.sh [-c PING_COUNT] [-d LOAD_SECONDS] [-m "busy sleep interrupt"]
set -euo pipefail
cd "$(dirname "$0")/.."
count=20 secs=30 modes="busy sleep interrupt"
while getopts "c:d:m:" o; do case $o in c) count=$OPTARG;; d) secs=$OPTARG;; m) modes=$OPTARG;; *) exit 2;; esac; done
bin=src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll
[ -f "$bin" ] || { echo "build first: dotnet build -c Release src/Synthex.Dpdk.Cli" >&2; exit 3; }
out=$(mktemp -d /tmp/bench-idle-latency.XXXXXX)
source scripts/lib/tap-reflect.sh
trap 'tap_reflect_stop; rm -rf "$out"' EXIT
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); ping: $count echoes per gap; load: ${secs}s per rate"
for mode in $modes; do
  tap_reflect_start "$mode" "10.249.$((RANDOM % 250))" "$out/synthex-$mode.log"
  for gap in 0.5 0.01; do
    line=$(ip netns exec "$ns" ping -q -c "$count" -i "$gap" -W 2 "$server" | tail -1)
    echo "ping idle $mode gap ${gap}s: $line"
  done
  for rate in 2 100; do
    ip netns exec "$ns" dotnet "$bin" load --scenario reflect --to "$server:$port" --size 64 --rate "$rate" \
      --duration "$secs" --warmup 1 --interval 0 --report-json "$out/load-$mode-$rate.json" > "$out/load-$mode-$rate.log" 2>&1 \
      || { echo "load against $mode at $rate/s failed:"; tail -5 "$out/load-$mode-$rate.log"; }
  done
  tap_reflect_stop
done
/usr/bin/python3 - "$out" $modes <<'PY'
import json, os, sys
d, modes = sys.argv[1], sys.argv[2:]
def lat(mode, rate):
    p = os.path.join(d, f"load-{mode}-{rate}.json")
    return json.load(open(p))["latency_uncorrected_us"] if os.path.exists(p) else None
print("| --idle | 0.5 s gaps (2/s): p50 / p99 / max us | p99 added vs busy | 0.01 s gaps (100/s): p50 / p99 / max us | p99 added vs busy |")
print("|---|---|---|---|---|")
for m in modes:
    cells = []
    for rate in (2, 100):
        l, b = lat(m, rate), lat("busy", rate)
        if l is None:
            cells += ["(failed)", ""]
            continue
        cells.append(f"{l['p50']:.0f} / {l['p99']:.0f} / {l['max']:.0f}")
        cells.append(f"{l['p99'] - b['p99']:+.0f}" if b is not None and m != "busy" else "")
    print(f"| {m} | " + " | ".join(cells) + " |")
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
