#!/usr/bin/env bash
# bench-cache.sh [ACCESSES] [UNIVERSE] — the similarity service's result cache (W-TinyLFU,
# src/Synthex.Dpdk/Apps/Similarity/ResultCache.cs) replayed over synthetic query traces, side by
# side with LRU, a static cache of the C most frequent keys of the whole trace and Belady's
# offline optimum (docs/BENCHMARKS.md, "Similarity result cache"): Zipf s = 0.8, 1.0, 1.2 and a
# scan-polluted mix, C = 1% and 5% of the distinct keys. Then the latency of a hit against a miss
# through SimilarityService itself (N = 100k, D = 128, k = 10). Hit ratios are deterministic
# (seeded traces); latencies depend on the machine and its load (printed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dotnet build tests/Synthex.Dpdk.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks cache-study "${1:-1000000}" "${2:-100000}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
