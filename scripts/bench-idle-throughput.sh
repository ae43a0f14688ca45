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
ns="" pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${secs}s per run, offered $rate/s, $rounds rounds"
run() { # mode
  local mode=$1 id=$RANDOM iface="sxt$RANDOM" net=$((RANDOM % 250)) port=$((20000 + RANDOM % 20000))
  ns="sxtp-$RANDOM"
  dotnet "$bin" run --app reflect --address "10.248.$net.1/24" --listen "0.0.0.0:$port" --idle "$mode" --stats-interval 0 \
    -- -l 0,1 --no-huge -m 256 --no-shconf --no-pci --file-prefix "tp$id" --log-level=lib.eal:error \
    --vdev "net_tap0,iface=$iface" > "$out/synthex.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "synthex: running" "$out/synthex.log" 2>/dev/null && break; sleep 0.1; done
  grep "no RX interrupts" "$out/synthex.log" || true
  ip netns add "$ns"; ip link set "$iface" netns "$ns"
  ip netns exec "$ns" ip addr add "10.248.$net.2/24" dev "$iface"; ip netns exec "$ns" ip link set "$iface" up
  ip netns exec "$ns" ping -c 2 -W 3 "10.248.$net.1" > /dev/null || true
  ip netns exec "$ns" dotnet "$bin" load --scenario reflect --to "10.248.$net.1:$port" --size 64 --rate "$rate" \
    --duration "$secs" --interval 0 --timeout 0.2 --max-error-rate 1 --report-json "$out/r.json" > "$out/load.log" 2>&1 || true
  /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['answered'] / r['duration_seconds'])" "$out/r.json" >> "$out/$mode" \
    || { echo "no report for $mode:"; tail -5 "$out/load.log"; }
  kill -TERM $pid; wait $pid || true; pid=""
  ip netns del "$ns"; ns=""
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
