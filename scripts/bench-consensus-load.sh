#!/usr/bin/env bash
# bench-consensus-load.sh: the consensus service under `synthex load --scenario consensus` over
# io_uring on loopback — the server (`synthex run --app consensus --backend io-uring`) on one CPU,
# one sender thread (playing all E experts of a run) on the other. A benchmark, not a test: the
# figures go to docs/BENCHMARKS.md ("Consensus under synthex load").
#
#   scripts/bench-consensus-load.sh [-t SECONDS] [-c CHUNK] [-q CONCURRENCY]
#
# Cases: 8 experts x 1,024 floats and 8 x 65,536 floats, target 8, client-side loss 0% and 1%
# (--loss: datagrams dropped before the socket, resent after --timeout 50 ms; the server's
# de-duplication keeps the sums right). Every RESULT is verified against the client's f64
# reference. Printed per case: rounds/s, contributions answered/s, p50/p99 latency of a
# contribution's RESULT (send -> answer), retransmissions, mismatches, timeouts.
set -euo pipefail

SECONDS_PER_RUN=10
CHUNK=256
CONCURRENCY=64
while getopts "t:c:q:h" opt; do
  case $opt in
    t) SECONDS_PER_RUN=$OPTARG ;;
    c) CHUNK=$OPTARG ;;
    q) CONCURRENCY=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/load-bench.sh"
load_bench_init bench-consensus-load

start_server() {
  PORT=$(free_port)
  taskset -c "$SERVER_CPU" "$SYNTHEX" run --app consensus --backend io-uring --listen "127.0.0.1:$PORT" --workers 1 \
    --stats-interval 0 --round-timeout 10000 >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_running "$WORK/server.log"
}

machine_line
echo "server: synthex run --app consensus --backend io-uring on CPU $SERVER_CPU; load: one sender thread on CPU $CLIENT_CPU, --concurrency $CONCURRENCY, chunk $CHUNK floats, ${SECONDS_PER_RUN} s a case"
printf '%-22s %6s %10s %12s %10s %10s %10s %9s %8s\n' case loss rounds/s answers/s p50_us p99_us retrans mismatch timeouts
for length in 1024 65536; do
  for loss in 0 0.01; do
    start_server
    "$SYNTHEX" load --scenario consensus --to "127.0.0.1:$PORT" --experts 8 --length "$length" --chunk "$CHUNK" \
      --concurrency "$CONCURRENCY" --duration "$SECONDS_PER_RUN" --timeout 0.05 --loss "$loss" --pin "$CLIENT_CPU" \
      --interval 0 --max-error-rate 1 --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
    stop_server
    printf '%-22s %6s %10s %12s %10s %10s %10s %9s %8s\n' "8 x $length" "$loss" \
      "$(json "$WORK/r.json" "round(r['unit_rate'],1)")" "$(json "$WORK/r.json" "round(r['rate'])")" \
      "$(json "$WORK/r.json" "round(r['latency_us']['p50'])")" "$(json "$WORK/r.json" "round(r['latency_us']['p99'])")" \
      "$(json "$WORK/r.json" "r['retransmissions']")" "$(json "$WORK/r.json" "r['mismatches']")" "$(json "$WORK/r.json" "r['timeouts']")"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
