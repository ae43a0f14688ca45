#!/usr/bin/env bash
# bench-auth.sh: the consensus and similarity services with authentication off and on (a key
# file listing the load's job: every request signed and verified, every answer signed and
# verified), side by side, over io_uring on loopback — server on one CPU, `synthex load` on the
# other. A benchmark, not a test: the figures go to docs/BENCHMARKS.md ("Message authentication").
#
#   scripts/bench-auth.sh [-t SECONDS] [-r REPEATS] [-m "off on on-incremental"]
#
# Cases: consensus 8 experts x 1,024 floats (chunk 256, the 1 KiB message) and similarity top-10
# over 10,000 x 128 (cosine, result cache on, Zipf(1.0) over 1,000 queries). Modes (-m, default
# all three): off; on (the MAC engine synthex picks, the direct OpenSSL SHA-256 here); and
# on-incremental (SYNTHEX_MAC=incremental on server and load tool: .NET's IncrementalHash, the
# engine before it). The modes alternate, REPEATS rounds; printed per case and mode: the median
# answers/s and its ratio to off (goal >= 0.9), and the load average before and after (the
# machine is shared: read them together).
# The load tool signs and verifies too, and may be what limits the answers/s: so each run also
# reads the server's CPU time (/proc/PID/stat) and requests received (`synthex status`) from
# min(2 s, half the run) into the load to its end — its CPU per request (us) in steady state,
# whose off/mode ratio is what the server alone could do — and the
# load tool's CPU use (% of its one CPU, from bash's `time`; near 100 = the load tool is the limit).
set -euo pipefail

SECONDS_PER_RUN=8
REPEATS=3
MODES="off on on-incremental"
while getopts "t:r:m:h" opt; do
  case $opt in
    t) SECONDS_PER_RUN=$OPTARG ;;
    r) REPEATS=$OPTARG ;;
    m) MODES=$OPTARG ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/load-bench.sh"
load_bench_init bench-auth
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

KEYS="$WORK/keys"
printf '# bench-auth.sh: job 1\n1 %s\n' "$(/usr/bin/python3 -c 'import os; print(os.urandom(32).hex())')" >"$KEYS"
chmod 600 "$KEYS"

random_npy "$WORK/matrix.npy" 10000 128

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS_PER_S=$(getconf CLK_TCK)
# status_rx NAME: the running server's rx_packets now, from its control socket.
status_rx() { "$SYNTHEX" status --name "$1" --run-dir "$WORK/run" --json | /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); r=(r[0] if isinstance(r, list) else r)['report']; print(r['totals']['rx_packets'])"; }
STEADY_DELAY=$(/usr/bin/python3 -c "print(min(2.0, $SECONDS_PER_RUN / 2))")

# run SERVICE MODE: one server, one load run; prints "answers/s server_us_per_request load_cpu_%".
run() {
  local service=$1 mode=$2 keys=() app=()
  [[ $mode == on* ]] && keys=(--keys "$KEYS")
  if [[ $mode == on-incremental ]]; then export SYNTHEX_MAC=incremental; else unset SYNTHEX_MAC; fi
  if [[ $service == consensus ]]; then app=(--app consensus --round-timeout 10000); else app=(--app similarity --matrix "$WORK/matrix.npy"); fi
  PORT=$(free_port)
  local name="bench-auth-$$-$service-$mode"
  taskset -c "$SERVER_CPU" "$SYNTHEX" run "${app[@]}" --backend io-uring --listen "127.0.0.1:$PORT" --workers 1 --stats-interval 0 \
    --stats-json "$WORK/server.json" --name "$name" --run-dir "$WORK/run" "${keys[@]}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_running "$WORK/server.log" 300
  local TIMEFORMAT='%3U %3S %3R'
  { time {
  if [[ $service == consensus ]]; then
    "$SYNTHEX" load --scenario consensus --to "127.0.0.1:$PORT" --experts 8 --length 1024 --chunk 256 --job 1 "${keys[@]}" \
      --concurrency 64 --duration "$SECONDS_PER_RUN" --timeout 0.05 --pin "$CLIENT_CPU" --interval 0 --max-error-rate 1 \
      --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
  else
    "$SYNTHEX" load --scenario similarity --to "127.0.0.1:$PORT" --dim 128 --k 10 --zipf 1.0 --query-count 1000 --job 1 "${keys[@]}" \
      --concurrency 64 --duration "$SECONDS_PER_RUN" --timeout 2 --pin "$CLIENT_CPU" --interval 0 --max-error-rate 1 \
      --report-json "$WORK/r.json" >"$WORK/load.log" 2>&1 || { cat "$WORK/load.log" >&2; exit 1; }
  fi
  } ; } 2>"$WORK/time" &
  local load_pid=$!
  # The server's CPU and requests over a steady window: from DELAY into the load (JIT tier-up and,
  # for similarity, the cold cache's misses are behind) to the load's end, read from
  # /proc/PID/stat and `synthex status` (one probe at each end).
  sleep "$STEADY_DELAY"
  local t0 rx0; t0=$(cpu_ticks "$SERVER_PID"); rx0=$(status_rx "$name")
  wait "$load_pid" || exit 1
  local t1 rx1; t1=$(cpu_ticks "$SERVER_PID"); rx1=$(status_rx "$name")
  stop_server
  local mism; mism=$(json "$WORK/r.json" "r['mismatches']")
  [[ $mism == 0 ]] || { echo "$service $mode: $mism mismatches" >&2; exit 1; }
  if [[ $mode == on* ]]; then
    # The run must really have been authenticated: every request verified, none forged.
    local authed; authed=$(json "$WORK/server.json" "r['service']['authenticated']")
    [[ $authed -gt 0 ]] || { echo "$service $mode: the server authenticated nothing" >&2; exit 1; }
    local engine; engine=$([[ $mode == on-incremental ]] && echo incremental || echo openssl)
    grep -q "message authentication: $engine " "$WORK/server.log" || { echo "$service $mode: the server did not use the $engine MAC engine:" >&2; cat "$WORK/server.log" >&2; exit 1; }
  fi
  read -r lu ls lr <"$WORK/time"
  echo "$(json "$WORK/r.json" "round(r['rate'])")" \
       "$(/usr/bin/python3 -c "import sys; print(round((int(sys.argv[2]) - int(sys.argv[1])) / $TICKS_PER_S * 1e6 / max(1, int(sys.argv[4]) - int(sys.argv[3])), 2))" "$t0" "$t1" "$rx0" "$rx1")" \
       "$(/usr/bin/python3 -c "import sys; print(round(100 * (float(sys.argv[1]) + float(sys.argv[2])) / float(sys.argv[3])))" "$lu" "$ls" "$lr")"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: synthex run --backend io-uring --workers 1 on CPU $SERVER_CPU; load: one sender on CPU $CLIENT_CPU, --concurrency 64, ${SECONDS_PER_RUN} s a run, modes ($MODES) alternating x $REPEATS"
echo "per case and mode, medians: answers/s (x off); server_us/req: the server's CPU per request received (us, /proc/PID/stat and synthex status from ${STEADY_DELAY} s into the load to its end), and off's / this mode's = the server-alone ratio; load_cpu%: the load tool's CPU use (100 = its one CPU)"
printf '%-44s %-15s %12s %7s  %13s %7s  %9s   %s\n' case mode answers/s x_off server_us/req alone load_cpu% runs
ratio() { /usr/bin/python3 -c "import sys; print(float(sys.argv[1]) / float(sys.argv[2]))" "$1" "$2"; }
for service in consensus similarity; do
  declare -A rate=() cpu=() lcpu=()
  for _ in $(seq 1 "$REPEATS"); do
    for mode in $MODES; do
      read -r a c l < <(run "$service" "$mode")
      rate[$mode]+="$a "; cpu[$mode]+="$c "; lcpu[$mode]+="$l "
    done
  done
  label=$([[ $service == consensus ]] && echo "consensus 8 x 1,024 floats, chunk 256" || echo "similarity top-10 of 10,000 x 128, cache on")
  first=${MODES%% *}
  base_rate=$(echo "${rate[$first]}" | median); base_cpu=$(echo "${cpu[$first]}" | median)
  for mode in $MODES; do
    r=$(echo "${rate[$mode]}" | median); c=$(echo "${cpu[$mode]}" | median); l=$(echo "${lcpu[$mode]}" | median)
    printf '%-44s %-15s %12s %7.3f  %13s %7.3f  %9s   %s\n' "$label" "$mode" "$r" "$(ratio "$r" "$base_rate")" "$c" "$(ratio "$base_cpu" "$c")" "$l" "${rate[$mode]% }"
  done
  unset rate cpu lcpu
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
