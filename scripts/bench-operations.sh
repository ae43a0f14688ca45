#!/usr/bin/env bash
# What operations cost at full load: forward/io between two net_null ports (never idle), one
# worker lcore, side by side and interleaved:
#   busy          --idle busy, no metrics (the reference: testpmd's way)
#   busy+scrape   --idle busy, --metrics with a curl scrape of /metrics every second
#   sleep         --idle sleep (the default), no metrics
# Rate = rx_packets / elapsed_seconds from --stats-json; medians over the rounds and the ratios.
# Usage: scripts/bench-operations.sh [-t SECONDS] [-n ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=6 rounds=3
while getopts "t:n:" o; do case $o in t) secs=$OPTARG;; n) rounds=$OPTARG;; *) exit 2;; esac; done
bin=src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll
[ -f "$bin" ] || { echo "build first: dotnet build -c Release src/Synthex.Dpdk.Cli" >&2; exit 3; }
out=$(mktemp -d)
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # name, extra args...
  local name=$1; shift
  local port=$((20000 + RANDOM % 20000))
  local scrape=0
  if [ "$name" = busy+scrape ]; then scrape=1; set -- "$@" --metrics "$port"; fi
  dotnet "$bin" run --app forward --mode io --duration "$secs" --stats-interval 0 --stats-json "$out/r.json" "$@" \
    -- -l 0,1 --no-huge -m 256 --no-shconf --no-pci --file-prefix "ops$RANDOM" --log-level=lib.eal:error \
    --vdev net_null0 --vdev net_null1 > "$out/log" 2>&1 &
  local pid=$!
  if [ $scrape = 1 ]; then
    while kill -0 $pid 2>/dev/null; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true; sleep 1; done
  fi
  wait $pid
  python3 -c "import json;r=json.load(open('$out/r.json'));print(r['totals']['rx_packets']/r['elapsed_seconds'])" >> "$out/$name"
}
for i in $(seq "$rounds"); do
  run busy --idle busy
  run busy+scrape --idle busy
  run sleep --idle sleep
done
python3 - "$out" <<'PY'
import statistics, sys, os
d = sys.argv[1]
med = {n: statistics.median(float(x) for x in open(os.path.join(d, n))) for n in ("busy", "busy+scrape", "sleep")}
for n, v in med.items():
    print(f"{n:12s} {v/1e6:7.2f} Mpps  ({v/med['busy']:.3f}x busy)  rounds: " + ", ".join(f"{float(x)/1e6:.2f}" for x in open(os.path.join(d, n))))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$out"
