#!/usr/bin/env bash
# bench-startup.sh — start-up time of synthex builds, side by side: process start → backend open
# (EAL up) → ports up → first packet, from the report's "startup" object (ms), plus the wall time
# of the whole command (a 1 s forward run between two null devices: start, run, stop, report).
#
# Each COMMAND (default: the Release JIT build, with and without the preload re-exec) runs once
# per round, alternating, ROUNDS times; prints every run, then the medians. The machine is shared:
# note the load average printed at the end with any figure.
#
# Usage: scripts/bench-startup.sh [ROUNDS (default 5)] [COMMAND...]   (a COMMAND is one quoted string)
# e.g.   scripts/bench-startup.sh 5 "src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex" "/tmp/aot/synthex"
# Needs: a Release build (scripts/bootstrap.sh), root, free hugepages (else ordinary memory).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-5}
shift || true
jit=$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex
if (($#)); then commands=("$@"); else commands=("env SYNTHEX_PRELOAD=0 $jit" "env SYNTHEX_PRELOAD=1 $jit"); fi

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 256)); then memory=(--in-memory); else memory=(--no-huge -m 512 --no-shconf); fi
work=$(mktemp -d /tmp/bench-startup.XXXXXX)
trap 'rm -rf "$work" /var/run/dpdk/bench-st-$$*' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

label() { local c=${commands[$1]//$root/.}; printf '%s' "${c:0:60}"; }
declare -A results
printf '%-3s %-60s | %9s %9s %9s %9s\n' n command eal_up ports_up first_pkt wall_ms
for ((round = 1; round <= rounds; round++)); do
    for i in "${!commands[@]}"; do
        read -r -a cmd <<<"${commands[$i]}"
        t0=$(date +%s%N)
        "${cmd[@]}" run --app forward --mode io --duration 1 --stats-interval 0 --stats-json "$work/r.json" -- \
            -l 0,1 --no-pci "${memory[@]}" --log-level=lib.eal:error --file-prefix "bench-st-$$-$i" \
            --vdev net_null0 --vdev net_null1 >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
        wall=$(( ($(date +%s%N) - t0) / 1000000 ))
        line=$(/usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["startup"]; print(s["backend_open_ms"], s["ports_up_ms"], s["first_packet_ms"])' "$work/r.json")
        printf '%-3s %-60s | %9s %9s %9s %9s\n' "$i" "$(label "$i")" $line "$wall"
        results[$i]+="$line $wall"$'\n'
    done
done
echo
echo "medians of $rounds rounds (ms; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-3s %-60s | %9s %9s %9s %9s\n' n command eal_up ports_up first_pkt wall_ms
for i in "${!commands[@]}"; do
    m=()
    for col in 1 2 3 4; do m+=("$(printf '%s' "${results[$i]}" | awk -v c=$col 'NF { print $c }' | median)"); done
    printf '%-3s %-60s | %9s %9s %9s %9s\n' "$i" "$(label "$i")" "${m[@]}"
done
