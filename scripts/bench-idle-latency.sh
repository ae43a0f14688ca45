#!/usr/bin/env bash
# What the first packet after an idle spell pays per --idle mode: synthex reflect on a net_tap
# port whose other side sits in a network namespace; ping with a gap of 0.5 s between echoes
# (each one finds the worker idle: sleeping at its longest in sleep mode), then 0.01 s.
# Prints ping's rtt min/avg/max/mdev per mode and gap, and the load average.
# Usage: scripts/bench-idle-latency.sh [-c COUNT] [-m "busy sleep"]
set -euo pipefail
cd "$(dirname "$0")/.."
count=20 modes="busy sleep"
while getopts "c:m:" o; do case $o in c) count=$OPTARG;; m) modes=$OPTARG;; *) exit 2;; esac; done
bin=src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $modes; do
  id=$RANDOM iface="sxl$RANDOM" ns="sxlat-$RANDOM" net=$((RANDOM % 250))
  dotnet "$bin" run --app reflect --address "10.249.$net.1/24" --idle "$mode" --stats-interval 0 \
    -- -l 0,1 --no-huge -m 256 --no-shconf --no-pci --file-prefix "lat$id" --log-level=lib.eal:error \
    --vdev "net_tap0,iface=$iface" > "/tmp/bench-lat-$mode.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "synthex: running" "/tmp/bench-lat-$mode.log" 2>/dev/null && break; sleep 0.1; done
  ip netns add "$ns"; ip link set "$iface" netns "$ns"
  ip netns exec "$ns" ip addr add "10.249.$net.2/24" dev "$iface"; ip netns exec "$ns" ip link set "$iface" up
  ip netns exec "$ns" ping -c 2 -W 3 "10.249.$net.1" > /dev/null || true # ARP resolved before measuring
  for gap in 0.5 0.01; do
    line=$(ip netns exec "$ns" ping -q -c "$count" -i "$gap" -W 2 "10.249.$net.1" | tail -1)
    echo "idle $mode gap ${gap}s: $line"
  done
  kill -TERM $pid; wait $pid || true
  ip netns del "$ns"
done
