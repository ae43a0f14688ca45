#!/usr/bin/env bash
# bench-load.sh: is `synthex load` ever what limits a measurement? Side by side with sockperf's
# own client, against the same `sockperf server`: the server on one CPU, one sender thread on
# the other (taskset / --pin), 64-byte messages on 127.0.0.1. A benchmark, not a test: the
# figures go to docs/BENCHMARKS.md ("Load generator").
#
#   scripts/bench-load.sh [-t SECONDS] [-n ROUNDS] [-m MSG_SIZE]
#
# Per round, each against a fresh sockperf server:
#   max send      sockperf throughput --mps max (fire and forget; the server answers nothing)
#                 vs synthex load --rate far above reach (every message asks for an answer,
#                 which synthex load also receives and verifies: more work than sockperf's);
#                 with --io mmsg (sendmmsg/recvmmsg) and --io socket (one call per datagram).
#   ping-pong     sockperf ping-pong --full-rtt (one message in flight) vs synthex load
#                 --concurrency 1, p50 round trip; synthex with its default wait (ppoll) and with
#                 --busy-poll. (Without --full-rtt sockperf reports half the round trip.)
# Rounds interleave the tools so each sees the same machine; the table is the median per row.
set -euo pipefail

SECONDS_PER_RUN=5
ROUNDS=3
MSG=64
while getopts "t:n:m:h" opt; do
  case $opt in
    t) SECONDS_PER_RUN=$OPTARG ;;
    n) ROUNDS=$OPTARG ;;
    m) MSG=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/load-bench.sh"
command -v sockperf >/dev/null || { echo "sockperf not installed (apt-get install sockperf)" >&2; exit 3; }
load_bench_init bench-load

start_server() {
  PORT=$(free_port)
  taskset -c "$SERVER_CPU" sockperf server -i 127.0.0.1 -p "$PORT" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  sleep 0.5
}

declare -A RESULTS
add() { RESULTS[$1]+="$2 "; }

for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round/$ROUNDS (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2

  start_server
  out=$(taskset -c "$CLIENT_CPU" sockperf throughput -i 127.0.0.1 -p "$PORT" -t "$SECONDS_PER_RUN" -m "$MSG" --mps max 2>&1)
  add sockperf_tp "$(sed -n 's/.*Message Rate is \([0-9]*\).*/\1/p' <<<"$out")"
  stop_server

  for io in mmsg socket; do
    start_server
    "$SYNTHEX" load --scenario reflect --to "127.0.0.1:$PORT" --size "$MSG" --rate 5000000 --timeout 0.1 \
      --duration "$SECONDS_PER_RUN" --pin "$CLIENT_CPU" --io "$io" --interval 0 --max-error-rate 1 \
      --report-json "$WORK/tp-$io.json" >/dev/null
    add "synthex_tp_$io" "$(json "$WORK/tp-$io.json" "round(r['sent_rate'])")"
    add "synthex_ans_$io" "$(json "$WORK/tp-$io.json" "round(r['rate'])")"
    stop_server
  done

  start_server
  out=$(taskset -c "$CLIENT_CPU" sockperf ping-pong -i 127.0.0.1 -p "$PORT" -t "$SECONDS_PER_RUN" -m "$MSG" --full-rtt 2>&1)
  add sockperf_p50 "$(sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' <<<"$out")"
  stop_server

  for mode in wait busy; do
    start_server
    extra=(); [[ $mode == busy ]] && extra=(--busy-poll)
    "$SYNTHEX" load --scenario reflect --to "127.0.0.1:$PORT" --size "$MSG" --concurrency 1 \
      --duration "$SECONDS_PER_RUN" --pin "$CLIENT_CPU" --interval 0 "${extra[@]}" --report-json "$WORK/pp-$mode.json" >/dev/null
    add "synthex_p50_$mode" "$(json "$WORK/pp-$mode.json" "r['latency_us']['p50']")"
    stop_server
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

tp=$(median "${RESULTS[sockperf_tp]}")
p50=$(median "${RESULTS[sockperf_p50]}")
echo
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds of $SECONDS_PER_RUN s, $MSG-byte messages, median"
echo
echo "| measurement | sockperf | synthex load | ratio (synthex / sockperf) |"
echo "|---|---:|---:|---:|"
for io in mmsg socket; do
  s=$(median "${RESULTS[synthex_tp_$io]}")
  a=$(median "${RESULTS[synthex_ans_$io]}")
  echo "| max send rate, msg/s (--io $io; answers verified/s: $a) | $tp | $s | $(ratio "$s" "$tp") |"
done
for mode in wait busy; do
  s=$(median "${RESULTS[synthex_p50_$mode]}")
  label="ppoll wait"; [[ $mode == busy ]] && label="--busy-poll"
  echo "| ping-pong p50, µs ($label) | $p50 | $s | $(ratio "$s" "$p50") |"
done
