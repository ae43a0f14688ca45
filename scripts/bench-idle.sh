#!/usr/bin/env bash
# Idle CPU of a DPDK worker per --idle mode: synthex reflect on a net_tap port that receives
# nothing; the process's CPU time (utime+stime from /proc, all threads) and the worker lcore
# thread's alone over a window after start-up, as a share of one core, and the worker's
# voluntary context switches per second (its wake-ups). Prints one line per mode and the load
# average. (net_tap has RX interrupts, so interrupt mode really sleeps in epoll here.)
# Usage: scripts/bench-idle.sh [-w WINDOW_SECONDS] [-m "busy pause sleep interrupt"]
set -euo pipefail
cd "$(dirname "$0")/.."
window=5 modes="busy pause sleep interrupt"
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
  worker=$(grep -l '^lcore-' /proc/$pid/task/*/comm | head -1 | xargs dirname)
  t0=$(awk '{print $14+$15}' /proc/$pid/stat); w0=$(awk '{print $14+$15}' "$worker/stat")
  v0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$worker/status")
  sleep "$window"
  t1=$(awk '{print $14+$15}' /proc/$pid/stat); w1=$(awk '{print $14+$15}' "$worker/stat")
  v1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "$worker/status")
  wait $pid || true
  grep "no RX interrupts" /tmp/bench-idle-$mode.log || true # interrupt mode fell back to sleep: say so
  awk -v m="$mode" -v a="$t0" -v b="$t1" -v wa="$w0" -v wb="$w1" -v va="$v0" -v vb="$v1" -v hz="$hz" -v w="$window" \
    'BEGIN { printf "idle %-9s process CPU %5.1f%%, worker thread %5.1f%% of one core, worker wake-ups %6.0f/s\n", m, 100 * (b - a) / hz / w, 100 * (wb - wa) / hz / w, (vb - va) / w }'
done
