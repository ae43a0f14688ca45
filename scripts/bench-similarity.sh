#!/usr/bin/env bash
# bench-similarity.sh [N] — the similarity scorer against FAISS IndexFlatIP, side by side
# (docs/BENCHMARKS.md, "Similarity"): the same random float32 matrices and queries, k = 10,
# D = 128 and 768, batches 1 and 32, one thread each.
#
# Needs Debian's python3-numpy, python3-faiss and libopenblas0-pthread (FAISS on the reference
# BLAS is ~15x slower at batch 32: not a fair comparison). N defaults to 100000.
# Builds tests/Synthex.Dpdk.Benchmarks (its 'similarity' mode runs TopKScorer, what the
# service's compute thread runs, over the mapped .npy) and prints one line per measurement.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
n=${1:-100000}
k=10
dir=$(mktemp -d /tmp/synthex-bench-sim.XXXXXX)
trap 'rm -rf "$dir"' EXIT

for pkg in python3-numpy python3-faiss libopenblas0-pthread; do
    dpkg -s "$pkg" >/dev/null 2>&1 || { echo "bench-similarity.sh: install $pkg (apt-get install $pkg)" >&2; exit 3; }
done
dotnet build tests/Synthex.Dpdk.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
bench=tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for d in 128 768; do
    /usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng($d)
np.save('$dir/m$d.npy', r.standard_normal(($n, $d), dtype=np.float32))
np.save('$dir/q$d.npy', r.standard_normal((1024, $d), dtype=np.float32))"
    # One thread for FAISS and OpenBLAS; the overrides some images set would skew OpenBLAS's kernel choice.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 -c "
import time, numpy as np, faiss
faiss.omp_set_num_threads(1)
m = np.load('$dir/m$d.npy'); q = np.load('$dir/q$d.npy')
index = faiss.IndexFlatIP($d); index.add(m)
for batch in (1, 32):
    index.search(q[:batch], $k)
    done, i, t0 = 0, 0, time.perf_counter()
    while time.perf_counter() - t0 < 3:
        if i + batch > len(q): i = 0
        index.search(q[i:i + batch], $k); i += batch; done += batch
    s = time.perf_counter() - t0
    print(f'faiss   N=$n D=$d k=$k batch={batch} metric=dot: {done / s:.1f} QPS, {s / (done / batch) * 1000:.2f} ms per batch')
"
    "$bench" similarity "$dir/m$d.npy" "$dir/q$d.npy" $k 1,32 dot
    "$bench" similarity "$dir/m$d.npy" "$dir/q$d.npy" $k 1,32 cosine
done
