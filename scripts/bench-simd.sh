#!/usr/bin/env bash
# bench-simd.sh [--quick] [--only KERNEL] — the SIMD kernel benchmarks (docs/BENCHMARKS.md, "SIMD kernels").
#
# Builds tests/Synthex.Dpdk.Benchmarks in Release (and the DPDK shim if it is missing: the
# checksum, Toeplitz and CRC references are DPDK's own C), then measures every kernel on every
# SIMD path this CPU runs against its reference in the same process, prints a table and the
# targets, and writes artifacts/bench/simd.json: one entry per (kernel, size, path) with gbps,
# baseline, baseline_gbps and ratio.
#
#   --quick        2 ms samples, best of 41, kernel and baseline alternating (about 1.5 minutes; < 3 min)
#   (default)      the same harness with 20 ms samples, then the BenchmarkDotNet suites
#                  (several minutes per suite; results under BenchmarkDotNet.Artifacts/)
#   --only KERNEL  checksum | toeplitz | crc | dot | sum | cosine | norm | consensus | gemm | similarity
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

quick=0
only=()
while (($#)); do
    case $1 in
        --quick) quick=1 ;;
        --only) only=(--only "$2"); shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench-simd.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done

shim=native/build/libsynthex_shim.so
if [[ ! -f $shim ]]; then
    echo "bench-simd.sh: building the DPDK shim ($shim): make -C native"
    make -C native >/dev/null || { echo "bench-simd.sh: the shim did not build; run scripts/bootstrap.sh first (DPDK 22.11 dev packages)" >&2; exit 3; }
fi

dotnet build tests/Synthex.Dpdk.Benchmarks -c Release -nologo -v quiet -clp:ErrorsOnly
bench=tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks
mkdir -p artifacts/bench

echo "== SIMD kernels: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
if ((quick)); then
    "$bench" quick --json artifacts/bench/simd.json "${only[@]}"
else
    "$bench" quick --json artifacts/bench/simd.json --sample-ms 20 "${only[@]}"
    # The BenchmarkDotNet suites: every kernel × path × size with BDN's statistics.
    (cd artifacts/bench && "$root/$bench" --filter '*Synthex.Dpdk.Benchmarks.Suites*' --join)
fi
