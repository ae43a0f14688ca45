#!/usr/bin/env bash
# bench-forward.sh — synthex vs dpdk-testpmd, side by side, on the same virtual devices.
#
# Both run on --vdev net_null0 --vdev net_null1 with one forwarding lcore (-l 0,1: the main lcore
# does control only), the same burst, the same memory (hugepages, --in-memory) and the same mbuf
# pool (8191 mbufs, per-lcore cache 256: testpmd's default pool is 20x larger, and at burst 128
# its cache overflows into the ring and cycles cold mbufs, which cost it 4-5x), one after the
# other, for io and macswap at each burst size, ROUNDS times alternating (the machines are shared
# VMs: a neighbour's build moves absolute rates by 2x between minutes, so only side-by-side
# ratios mean anything). testpmd's rate is the mean of its per-second Rx-pps (summed over both
# ports, first second skipped); synthex's is rx_packets/elapsed_seconds from its --stats-json
# report. Also per CPU-second of each tool's forwarding thread (see testpmd_run). Prints every
# round, then the medians per mode and burst.
# Mode l2fwd is compared with testpmd's mac mode (both write the peer and own MAC). Mode io-packets
# is synthex's io with --count-bytes false (packets counted, no byte count: what testpmd's io mode
# counts) against testpmd's io: like for like, where io compares synthex's default accounting. synthex's wall
# rate is its steady one (report's "steady": after a 1 s warm-up, as testpmd's first second is
# skipped) where the report has it; SYNTHEX=PATH runs another synthex build (a before/after).
#
# Multi-core scaling: WORKERS (default "1") is a list of forwarding lcore counts, e.g. "1 2" here or
# "1 2 4 8" on a larger machine. At W workers both tools get W forwarding lcores and W RX and TX
# queues per port (synthex --rx-queues W; testpmd --nb-cores=W --rxq=W --txq=W), so each lcore
# polls one queue of each port, and the same mbuf pool (synthex's sizing, at least 8191). When the
# machine has fewer CPUs than W + 1 the main lcore (control only, mostly asleep) shares CPU 0 with
# the first worker (--lcores 0@0,1@0,2@1,...); W above the CPU count is skipped. "cpu" rates divide
# by the CPU time of the W busiest threads (the forwarding lcores). After the medians, a scaling
# table: each count's rate against W x the 1-worker rate (the efficiency), for both tools.
#
# BEFORE="command" runs a second synthex in the same rounds, after testpmd and before SYNTHEX, for a
# before/after side by side (e.g. BEFORE="env SYNTHEX_PRELOAD=0 $PWD/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex"
# with SYNTHEX_PRELOAD=1 for the run, or another build's binary): its rows are marked "(before)".
#
# Usage: [SYNTHEX=path/to/synthex] [BEFORE="command"] scripts/bench-forward.sh [SECONDS (default 4)] [BURSTS (default "32 64 128")] [MODES (default "io macswap"; also io-packets, l2fwd)] [ROUNDS (default 3)] [WORKERS (default "1")]
# Needs: a Release build (scripts/bootstrap.sh), dpdk-testpmd (Debian dpdk-dev), root, free hugepages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/forward-bench.sh
source "$root/scripts/lib/forward-bench.sh"
seconds=${1:-4}
bursts=${2:-32 64 128}
modes=${3:-io macswap}
rounds=${4:-3}
worker_counts=${5:-1}
synthex=${SYNTHEX:-$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex}
[[ -x $synthex ]] || { echo "bench-forward.sh: build first (scripts/bootstrap.sh)" >&2; exit 3; }
command -v dpdk-testpmd >/dev/null || { echo "bench-forward.sh: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 3; }

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 256)); then
    memory=(--in-memory)
else
    echo "bench-forward.sh: only $free free hugepages: running on ordinary memory, which TLB misses slow down (run ./hugepages-setup.sh)" >&2
    memory=(--no-huge -m 512 --no-shconf)
fi
eal_common=(--no-pci "${memory[@]}" --log-level=lib.eal:error --vdev net_null0 --vdev net_null1)
cpus=$(nproc)
eal=() workers=1 mbufs=8191
# EAL lcores, queues and pool for W forwarding lcores: sets eal, workers, mbufs.
use_workers() { # W
    workers=$1
    if ((workers + 1 <= cpus)); then
        eal=(-l "0-$workers" "${eal_common[@]}")
    else
        local map="0@0" i
        for ((i = 1; i <= workers; i++)); do map+=",$i@$(((i - 1) % cpus))"; done
        eal=(--lcores "$map" "${eal_common[@]}")
    fi
    # synthex's MbufPools.SizeFor: 2 ports x W queues x (1024 RX + 1024 TX descriptors), a 256-mbuf
    # cache and bursts per lcore, rounded up to 2^k - 1, at least 8191; testpmd gets the same.
    local n=$((2 * workers * 2048 + (workers + 1) * (256 + 4 * 128))) size=1
    while ((size - 1 < n)); do size=$((size * 2)); done
    mbufs=$((size - 1 > 8191 ? size - 1 : 8191))
}
work=$(mktemp -d /tmp/bench-forward.XXXXXX)
# EAL leaves its runtime directories behind: remove this script's with its work directory.
trap 'rm -rf "$work" /var/run/dpdk/bench-tp-$$ /var/run/dpdk/bench-sx-$$ /dev/hugepages/bench-tp-$$* /dev/hugepages/bench-sx-$$*' EXIT

# CPU seconds of a process's $workers busiest threads: its forwarding lcores, which poll at 100%.
busiest_thread_cpu() { # pid
    local t
    for stat in /proc/"$1"/task/*/stat; do
        t=$(sed 's/.*) //' "$stat" 2>/dev/null | awk '{ print $12 + $13 }') || continue
        echo "$t"
    done | sort -gr | head -n "$workers" | awk -v hz="$(getconf CLK_TCK)" '{ t += $1 } END { printf "%.3f", t / hz }'
}

# Both tools run in the background for $seconds, their forwarding thread's CPU time is read, then
# SIGTERM stops them (each prints/writes its totals). Two rates per run:
#   wall: packets per second of wall time (what an operator sees),
#   cpu:  packets per CPU-second of the forwarding thread, which discounts the time a loaded
#         shared host takes the core away (the rates below are per forwarding core).
testpmd_run() { # mode burst -> "wall cpu"
    local mode
    mode=$(testpmd_mode "$1")
    dpdk-testpmd "${eal[@]}" --file-prefix "bench-tp-$$" -- \
        --forward-mode="$mode" --burst="$2" --total-num-mbufs="$mbufs" --mbcache=256 --stats-period 1 --auto-start \
        --nb-cores="$workers" --rxq="$workers" --txq="$workers" \
        >"$work/testpmd.out" 2>&1 &
    local pid=$!
    sleep "$seconds"
    local cpu
    cpu=$(busiest_thread_cpu "$pid")
    kill -TERM "$pid"
    wait "$pid" || true
    local packets
    packets=$(grep -A1 'Accumulated forward statistics' "$work/testpmd.out" | grep -o 'RX-packets: *[0-9]*' | grep -o '[0-9]*$')
    # Wall: one stats block per second, two ports per block: sum the pair, skip the first block, average.
    awk -v packets="${packets:-0}" -v cpu="$cpu" '/Rx-pps:/ { sum += $2; if (++n % 2 == 0) { blocks[n / 2] = sum; sum = 0 } }
         END { t = 0; c = 0; for (b = 2; b <= n / 2; b++) { t += blocks[b]; c++ }
               printf "%.2f %.2f\n", (c ? t / c / 1e6 : 0), (cpu > 0 ? packets / cpu / 1e6 : 0) }' "$work/testpmd.out"
}

synthex_run() { # mode burst [command...] -> "wall cpu"
    local burst=$2 sx_mode sx_extra
    synthex_mode "$1"
    shift 2
    (($#)) || set -- "$synthex"
    rm -f "$work/synthex.json"
    "$@" run --app forward --mode "$sx_mode" "${sx_extra[@]}" --burst "$burst" --idle busy --stats-interval 0 --rx-queues "$workers" \
        --stats-json "$work/synthex.json" -- "${eal[@]}" --file-prefix "bench-sx-$$" >"$work/synthex.out" 2>&1 &
    local pid=$!
    sleep "$seconds"
    local cpu
    cpu=$(busiest_thread_cpu "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || true
    if [[ ! -s $work/synthex.json ]]; then # e.g. a BEFORE build that predates an option: say why, count 0
        echo "bench-forward.sh: $* made no report: $(tail -n 2 "$work/synthex.out" | tr '\n' ' ')" >&2
        echo "0 0"
        return
    fi
    local rx elapsed
    rx=$(grep -o '"rx_packets": [0-9]*' "$work/synthex.json" | head -n 1 | grep -o '[0-9]*$')
    elapsed=$(grep -o '"elapsed_seconds": [0-9.]*' "$work/synthex.json" | grep -o '[0-9.]*$')
    # The steady rate (after the warm-up) where this build reports it, else the whole run's.
    local steady
    steady=$(grep -A12 '"steady": {' "$work/synthex.json" | grep -o '"rx_pps": [0-9.]*' | head -n 1 | grep -o '[0-9.]*$' || true)
    awk -v rx="$rx" -v t="$elapsed" -v steady="${steady:-0}" -v cpu="$cpu" 'BEGIN { printf "%.2f %.2f\n", (steady > 0 ? steady / 1e6 : rx / t / 1e6), (cpu > 0 ? rx / cpu / 1e6 : 0) }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'); memory: ${memory[*]}; ${seconds}s per run"
ratio() { awk -v s="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.3f", s / t; else print "nan" }'; }

read -r -a before <<<"${BEFORE:-}"
((${#before[@]})) && echo "before: ${before[*]}"
header() { printf '%-8s %5s %2s | %9s %9s %6s | %9s %9s %6s\n' mode burst W tpmd_wall sx_wall ratio tpmd_cpu sx_cpu ratio; }
header
summary=()
declare -A med_tw med_sw # "mode burst W" -> median wall Mpps, for the scaling table
for w in $worker_counts; do
    if ((w > cpus)); then
        echo "bench-forward.sh: $w workers need $w CPUs; this machine has $cpus: skipped" >&2
        continue
    fi
    use_workers "$w"
    for mode in $modes; do
        for burst in $bursts; do
            wr=() cr=() tw=() sw=() tc=() sc=() bw=() bc=() bwr=() bcr=()
            for ((round = 1; round <= rounds; round++)); do
                read -r t_wall t_cpu < <(testpmd_run "$mode" "$burst")
                if ((${#before[@]})); then
                    read -r b_wall b_cpu < <(synthex_run "$mode" "$burst" "${before[@]}")
                    printf '%-8s %5s %2s | %9s %9s %6s | %9s %9s %6s   (round %d, before)\n' "$mode" "$burst" "$w" \
                        "$t_wall" "$b_wall" "$(ratio "$b_wall" "$t_wall")" "$t_cpu" "$b_cpu" "$(ratio "$b_cpu" "$t_cpu")" "$round"
                    bw+=("$b_wall") bc+=("$b_cpu") bwr+=("$(ratio "$b_wall" "$t_wall")") bcr+=("$(ratio "$b_cpu" "$t_cpu")")
                fi
                read -r s_wall s_cpu < <(synthex_run "$mode" "$burst")
                printf '%-8s %5s %2s | %9s %9s %6s | %9s %9s %6s   (round %d)\n' "$mode" "$burst" "$w" \
                    "$t_wall" "$s_wall" "$(ratio "$s_wall" "$t_wall")" "$t_cpu" "$s_cpu" "$(ratio "$s_cpu" "$t_cpu")" "$round"
                tw+=("$t_wall") sw+=("$s_wall") tc+=("$t_cpu") sc+=("$s_cpu")
                wr+=("$(ratio "$s_wall" "$t_wall")") cr+=("$(ratio "$s_cpu" "$t_cpu")")
            done
            m() { printf '%s\n' "$@" | median; }
            med_tw["$mode $burst $w"]=$(m "${tw[@]}") med_sw["$mode $burst $w"]=$(m "${sw[@]}")
            if ((${#before[@]})); then
                summary+=("$(printf '%-8s %5s %2s | %9s %9s %6s | %9s %9s %6s   (before)' "$mode" "$burst" "$w" \
                    "$(m "${tw[@]}")" "$(m "${bw[@]}")" "$(m "${bwr[@]}")" "$(m "${tc[@]}")" "$(m "${bc[@]}")" "$(m "${bcr[@]}")")")
            fi
            summary+=("$(printf '%-8s %5s %2s | %9s %9s %6s | %9s %9s %6s' "$mode" "$burst" "$w" \
                "$(m "${tw[@]}")" "$(m "${sw[@]}")" "$(m "${wr[@]}")" "$(m "${tc[@]}")" "$(m "${sc[@]}")" "$(m "${cr[@]}")")")
        done
    done
done
echo
echo "medians of $rounds rounds (Mpps; wall: all forwarding lcores together, cpu: per CPU-second of the forwarding lcores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)):"
header
printf '%s\n' "${summary[@]}"

# Scaling: the W-worker wall rate against W times the 1-worker one (1.0: linear).
first=${worker_counts%% *}
if [[ $worker_counts == *" "* && $first == 1 ]]; then
    echo
    echo "scaling (wall Mpps at W workers / (W x wall Mpps at 1 worker); medians):"
    printf '%-8s %5s %2s | %9s %6s | %9s %6s\n' mode burst W tpmd_wall tpmd_eff sx_wall sx_eff
    for mode in $modes; do
        for burst in $bursts; do
            for w in $worker_counts; do
                [[ -n ${med_tw["$mode $burst $w"]:-} ]] || continue
                t1=${med_tw["$mode $burst 1"]} s1=${med_sw["$mode $burst 1"]}
                tw_=${med_tw["$mode $burst $w"]} sw_=${med_sw["$mode $burst $w"]}
                printf '%-8s %5s %2s | %9s %6s | %9s %6s\n' "$mode" "$burst" "$w" \
                    "$tw_" "$(awk -v a="$tw_" -v b="$t1" -v w="$w" 'BEGIN { printf "%.3f", (b > 0 ? a / (w * b) : 0) }')" \
                    "$sw_" "$(awk -v a="$sw_" -v b="$s1" -v w="$w" 'BEGIN { printf "%.3f", (b > 0 ? a / (w * b) : 0) }')"
            done
        done
    done
fi
