#!/usr/bin/env bash
# bench-auth.sh: the consensus and similarity services with authentication off and on (a key
# file listing the load's job: every request signed and verified, every answer signed and
# verified), side by side, over io_uring on loopback — server on one CPU, `synthex load` on the
# other. A benchmark, not a test: the figures go to docs/BENCHMARKS.md ("Message authentication").
#
#   scripts/bench-auth.sh [-t SECONDS] [-r REPEATS]
#
# Cases: consensus 8 experts x 1,024 floats (chunk 256, the 1 KiB message) and similarity top-10
# over 10,000 x 128 (cosine, result cache on, Zipf(1.0) over 1,000 queries); off and on
# alternate, REPEATS times each; printed: the median answers/s of each, the ratio on/off (goal
# >= 0.9), and the load average before and after (the machine is shared: read them together).
set -euo pipefail

SECONDS_PER_RUN=8
REPEATS=3
while getopts "t:r:h" opt; do
  case $opt in
    t) SECONDS_PER_RUN=$OPTARG ;;
    r) REPEATS=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/load-bench.sh"
load_bench_init bench-auth
median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

KEYS="$WORK/keys"
printf '# bench-auth.sh: job 1\n1 %s\n' "$(/usr/bin/python3 -c 'import os; print(os.urandom(32).hex())')" >"$KEYS"
chmod 600 "$KEYS"

random_npy "$WORK/matrix.npy" 10000 128

# run SERVICE MODE: one server, one load run; prints answers/s.
run() {
  local service=$1 mode=$2 keys=() app=()
  [[ $mode == on ]] && keys=(--keys "$KEYS")
  if [[ $service == consensus ]]; then app=(--app consensus --round-timeout 10000); else app=(--app similarity --matrix "$WORK/matrix.npy"); fi
  PORT=$(free_port)
  taskset -c "$SERVER_CPU" "$SYNTHEX" run "${app[@]}" --backend io-uring --listen "127.0.0.1:$PORT" --workers 1 --stats-interval 0 \
    --stats-json "$WORK/server.json" "${keys[@]}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_running "$WORK/server.log" 300
  if [[ $service == consensus ]]; then
    "$SYNTHEX" load --scenario consensus --to "127.0.0.1:$PORT" --experts 8 --length 1024 --chunk 256 --job 1 "${keys[@]}" \
      --concurrency 64 --duration "$SECONDS_PER_RUN" --timeout 0.05 --pin "$CLIENT_CPU" --interval 0 --max-error-rate 1 \
      --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
  else
    "$SYNTHEX" load --scenario similarity --to "127.0.0.1:$PORT" --dim 128 --k 10 --zipf 1.0 --query-count 1000 --job 1 "${keys[@]}" \
      --concurrency 64 --duration "$SECONDS_PER_RUN" --timeout 2 --pin "$CLIENT_CPU" --interval 0 --max-error-rate 1 \
      --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
  fi
  stop_server
  local mism; mism=$(json "$WORK/r.json" "r['mismatches']")
  [[ $mism == 0 ]] || { echo "$service $mode: $mism mismatches" >&2; exit 1; }
  if [[ $mode == on ]]; then
    # The run must really have been authenticated: every request verified, none forged.
    local authed; authed=$(json "$WORK/server.json" "r['service']['authenticated']")
    [[ $authed -gt 0 ]] || { echo "$service on: the server authenticated nothing" >&2; exit 1; }
  fi
  json "$WORK/r.json" "round(r['rate'])"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: synthex run --backend io-uring --workers 1 on CPU $SERVER_CPU; load: one sender on CPU $CLIENT_CPU, --concurrency 64, ${SECONDS_PER_RUN} s a run, off/on alternating x $REPEATS"
printf '%-44s %12s %12s %7s   %s\n' case off_answers/s on_answers/s on/off runs_off_/_on
for service in consensus similarity; do
  off=() on=()
  for _ in $(seq 1 "$REPEATS"); do
    off+=("$(run "$service" off)")
    on+=("$(run "$service" on)")
  done
  moff=$(echo "${off[*]}" | median); mon=$(echo "${on[*]}" | median)
  label=$([[ $service == consensus ]] && echo "consensus 8 x 1,024 floats, chunk 256" || echo "similarity top-10 of 10,000 x 128, cache on")
  printf '%-44s %12s %12s %7.3f   %s / %s\n' "$label" "$moff" "$mon" "$(/usr/bin/python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$mon" "$moff")" "${off[*]}" "${on[*]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
