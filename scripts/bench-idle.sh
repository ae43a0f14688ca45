#!/usr/bin/env bash
# Idle CPU of a DPDK worker per --idle mode: synthex reflect on a net_tap port that receives
# nothing; the process's CPU time (utime+stime from /proc, all threads) over a window after
# start-up, as a share of one core. Prints one line per mode and the load average.
# Usage: scripts/bench-idle.sh [-w WINDOW_SECONDS] [-m "busy pause sleep"]
set -euo pipefail
cd "$(dirname "$0")/.."
window=5 modes="busy pause sleep"
while getopts "w:m:" o; do case $o in w) window=$OPTARG;; m) modes=$OPTARG;; *) exit 2;; esac; done
bin=src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll
[ -f "$bin" ] || { echo "build first: dotnet build -c Release src/Synthex.Dpdk.Cli" >&2; exit 3; }
hz=$(getconf CLK_TCK)
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); window ${window}s"
for mode in $modes; do
  iface="sxi$RANDOM"
  dotnet "$bin" run --app reflect --address 10.250.$((RANDOM % 250)).1/24 --idle "$mode" --stats-interval 0 \
    --duration $((window + 6)) -- -l 0,1 --no-huge -m 256 --no-shconf --no-pci --file-prefix "idle$RANDOM" \
    --log-level=lib.eal:error --vdev "net_tap0,iface=$iface" > /tmp/bench-idle-$mode.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "synthex: running" /tmp/bench-idle-$mode.log 2>/dev/null && break; sleep 0.1; done
  sleep 2 # let start-up (JIT, link check) settle
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  sleep "$window"
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  wait $pid || true
  awk -v m="$mode" -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$window" \
    'BEGIN { printf "idle %-6s process CPU %.1f%% of one core\n", m, 100 * (b - a) / hz / w }'
done
