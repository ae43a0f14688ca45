#!/usr/bin/env bash
# bench-histograms.sh BASE_BENCH [ROUNDS (default 5)] — what the services' latency histograms cost:
# the consensus benchmark (Synthex.Dpdk.Benchmarks consensus: the real FrameWorker loop over the
# in-memory port, bursts of 32, 64 floats, target 1 = a round per contribution, target 4 = a round
# per 4) with this tree's build against BASE_BENCH, the same benchmark built from a commit without
# the histograms, e.g.:
#   git archive 4b8abba | tar -x -C /tmp/base && dotnet build /tmp/base/tests/Synthex.Dpdk.Benchmarks -c Release
#   scripts/bench-histograms.sh /tmp/base/tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks
# The two run alternately, ROUNDS times each; per target the best ns/contribution of each side and
# the ratio base/this (>= 1: no cost). The load average is printed with every round (shared VM).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${1:?usage: bench-histograms.sh BASE_BENCH [ROUNDS]}
rounds=${2:-5}
this="$root/tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks"
[[ -x $this ]] || { echo "build first: dotnet build -c Release tests/Synthex.Dpdk.Benchmarks" >&2; exit 3; }
out=$(mktemp -d)
for ((r = 1; r <= rounds; r++)); do
    echo "round $r: load $(cut -d' ' -f1-3 /proc/loadavg)"
    for side in base this; do
        bin=$base; [[ $side == this ]] && bin=$this
        # the table rows: floats bytes target feed reflect-Mpps ns consensus-Mpps ns ...
        "$bin" consensus --floats 64 --targets 1,4 | awk -v s="$side" '$1 == 64 && $2 ~ /^[0-9]+$/ && NF == 11 { print s, $3, $8 }' >> "$out/rows"
    done
done
python3 - "$out/rows" <<'PY'
import sys, collections
best = collections.defaultdict(lambda: float("inf"))
for line in open(sys.argv[1]):
    side, target, ns = line.split()
    best[(side, target)] = min(best[(side, target)], float(ns))
for target in sorted({t for _, t in best}):
    b, t = best[("base", target)], best[("this", target)]
    print(f"target {target}: base {b:.1f} ns/contribution, with histograms {t:.1f} ns, ratio base/this {b / t:.3f}")
PY
