#!/usr/bin/env bash
# Full-load throughput of --idle interrupt (and sleep) against busy on a port that really has RX
# interrupts: synthex reflect on net_tap, flooded from a network namespace by `synthex load
# --scenario reflect` in open loop far above what the tap path carries, so the worker never
# idles. (On net_null, bench-operations.sh's port, interrupt mode falls back to sleep: it would
# measure sleep again.) The figure is the answers per second the load tool received (its
# --report-json), interleaved rounds, medians and the ratio to busy.
# The tap path is the kernel's (a copy each way and a syscall per burst), so rates are far below
# net_null's; what matters is the ratio, and at full load the three modes run the same loop.
# Usage: scripts/bench-idle-throughput.sh [-t SECONDS] [-n ROUNDS] [-r RATE] [-m "busy sleep interrupt"]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=5 rounds=3 rate=500000 modes="busy sleep interrupt"
while getopts "t:n:r:m:" o; do case $o in t) secs=$OPTARG;; n) rounds=$OPTARG;; r) rate=$OPTARG;; m) modes=$OPTARG;; *) exit 2;; esac; done
bin=src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll
[ -f "$bin" ] || { echo "build first: dotnet build -c Release src/Synthex.Dpdk.Cli" >&2; exit 3; }
out=$(mktemp -d /tmp/bench-idle-throughput.XXXXXX)
source scripts/lib/tap-reflect.sh
trap 'tap_reflect_stop; rm -rf "$out"' EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${secs}s per run, offered $rate/s, $rounds rounds"
run() { # mode
  local mode=$1
  tap_reflect_start "$mode" "10.248.$((RANDOM % 250))" "$out/synthex.log"
  ip netns exec "$ns" dotnet "$bin" load --scenario reflect --to "$server:$port" --size 64 --rate "$rate" \
    --duration "$secs" --interval 0 --timeout 0.2 --max-error-rate 1 --report-json "$out/r.json" > "$out/load.log" 2>&1 || true
  /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['answered'] / r['duration_seconds'])" "$out/r.json" >> "$out/$mode" \
    || { echo "no report for $mode:"; tail -5 "$out/load.log"; }
  tap_reflect_stop
}
for i in $(seq "$rounds"); do for m in $modes; do run "$m"; done; done
/usr/bin/python3 - "$out" $modes <<'PY'
import statistics, sys, os
d, modes = sys.argv[1], sys.argv[2:]
vals = {m: [float(x) for x in open(os.path.join(d, m))] for m in modes if os.path.exists(os.path.join(d, m))}
med = {m: statistics.median(v) for m, v in vals.items()}
print("| --idle | answers/s (median) | x busy | rounds |")
print("|---|---|---|---|")
for m, v in med.items():
    ratio = f"{v / med['busy']:.3f}" if "busy" in med else ""
    print(f"| {m} | {v/1e3:,.1f} k | {ratio} | " + ", ".join(f"{x/1e3:,.1f} k" for x in vals[m]) + " |")
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
