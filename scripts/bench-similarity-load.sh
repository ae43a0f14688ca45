#!/usr/bin/env bash
# bench-similarity-load.sh: the similarity service under `synthex load --scenario similarity`
# over io_uring on loopback — the server (`synthex run --app similarity --backend io-uring`,
# a random N x D matrix) on one CPU, one sender thread on the other; queries drawn Zipf(1.0)
# from a set of random ones, so popular queries repeat. A benchmark, not a test: the figures go
# to docs/BENCHMARKS.md ("Similarity under synthex load").
#
#   scripts/bench-similarity-load.sh [-t SECONDS] [-n ROWS] [-d DIM] [-k K] [-q CONCURRENCY]
#
# Printed: answers/s and p50/p99 latency, closed loop at 1 and at CONCURRENCY queries in flight;
# every 50th answer checked against a local f64 brute force (mismatches must be 0).
set -euo pipefail

SECONDS_PER_RUN=10
ROWS=100000
DIM=128
K=10
CONCURRENCY=64
while getopts "t:n:d:k:q:h" opt; do
  case $opt in
    t) SECONDS_PER_RUN=$OPTARG ;;
    n) ROWS=$OPTARG ;;
    d) DIM=$OPTARG ;;
    k) K=$OPTARG ;;
    q) CONCURRENCY=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/load-bench.sh"
load_bench_init bench-similarity-load

random_npy "$WORK/matrix.npy" "$ROWS" "$DIM"

PORT=$(free_port)
taskset -c "$SERVER_CPU" "$SYNTHEX" run --app similarity --matrix "$WORK/matrix.npy" --backend io-uring --listen "127.0.0.1:$PORT" \
  --workers 1 --stats-interval 0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_running "$WORK/server.log" 300

machine_line
echo "server: synthex run --app similarity --backend io-uring on CPU $SERVER_CPU, matrix $ROWS x $DIM (cosine); load: one sender on CPU $CLIENT_CPU, top-$K, Zipf(1.0) over 1,000 random queries, ${SECONDS_PER_RUN} s a case"
printf '%-14s %12s %10s %10s %10s %9s %8s %7s\n' in_flight answers/s p50_us p99_us p999_us mismatch timeouts errors
for c in 1 "$CONCURRENCY"; do
  "$SYNTHEX" load --scenario similarity --to "127.0.0.1:$PORT" --dim "$DIM" --k "$K" --zipf 1.0 --query-count 1000 \
    --matrix "$WORK/matrix.npy" --verify-every 50 --concurrency "$c" --duration "$SECONDS_PER_RUN" --timeout 2 --pin "$CLIENT_CPU" \
    --interval 0 --max-error-rate 1 --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
  printf '%-14s %12s %10s %10s %10s %9s %8s %7s\n' "$c" \
    "$(json "$WORK/r.json" "round(r['rate'])")" "$(json "$WORK/r.json" "round(r['latency_us']['p50'])")" \
    "$(json "$WORK/r.json" "round(r['latency_us']['p99'])")" "$(json "$WORK/r.json" "round(r['latency_us']['p999'])")" \
    "$(json "$WORK/r.json" "r['mismatches']")" "$(json "$WORK/r.json" "r['timeouts']")" "$(json "$WORK/r.json" "r['errors']")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
