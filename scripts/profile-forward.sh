#!/usr/bin/env bash
# profile-forward.sh — where synthex's and dpdk-testpmd's forwarding thread spend their cycles, and
# the throughput ratio that predicts, from cpu-clock samples (no PMU needed).
#
# Why: on a shared VM forwarding rates move ±15% from one round to the next (bench-forward.sh), so a
# 3% change is invisible in rates. A profile is steadier. Both tools run the same PMD code on the
# same devices (net_null's RX allocation and TX free, the mempool cache, ld.so's __tls_get_addr that
# rte_lcore_id() costs from PIC code): if that code costs the same per packet in both, each tool's
# rate is proportional to the share of its samples that fall in it, and
#     synthex ÷ testpmd = synthex's PMD share ÷ testpmd's PMD share.
# "own" is everything else on the forwarding thread: testpmd's loop (with its inlined rx/tx_burst),
# synthex's JIT code and its shim.
#
# Each run: the tool forwards on --vdev net_null0 --vdev net_null1 with one forwarding lcore (-l
# 0,1), burst B, the same pool as bench-forward.sh (8191 mbufs, cache 256); after a 3–4 s warm-up,
# `perf record -e cpu-clock -t <forwarding thread>` for SECONDS. Modes: io, macswap (testpmd's io
# and macswap), io-packets (synthex io --count-bytes false, against testpmd's io: packets counted
# alone on both sides). BEFORE=path runs a second synthex build in the same rounds.
#
# Usage: [SYNTHEX=path] [BEFORE=path] scripts/profile-forward.sh [SECONDS (5)] [BURSTS ("32")] [MODES ("io io-packets macswap")] [ROUNDS (2)]
# Needs: root, perf (apt-get install linux-perf), dpdk-testpmd, a Release build, free hugepages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/forward-bench.sh
source "$root/scripts/lib/forward-bench.sh"
seconds=${1:-5}
bursts=${2:-32}
modes=${3:-io io-packets macswap}
rounds=${4:-2}
synthex=${SYNTHEX:-$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex}
before=${BEFORE:-}
[[ -x $synthex ]] || { echo "profile-forward.sh: build first (scripts/bootstrap.sh)" >&2; exit 3; }
command -v perf >/dev/null || { echo "profile-forward.sh: perf missing (apt-get install linux-perf)" >&2; exit 3; }
command -v dpdk-testpmd >/dev/null || { echo "profile-forward.sh: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eal=(-l 0,1 --no-pci --in-memory --log-level=lib.eal:error --vdev net_null0 --vdev net_null1)
# JIT frames get names in perf's report (a /tmp/perf-PID.map).
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0

# Samples of the forwarding thread of PID (its name matches PATTERN) -> "pmd own" percentages.
record() { # pid pattern
    local tid
    tid=$(ps -L -o tid=,comm= -p "$1" | awk -v p="$2" '$2 ~ p { print $1 }' | head -n 1)
    [[ -n $tid ]] || { echo "profile-forward.sh: no forwarding thread '$2' in pid $1" >&2; return 1; }
    perf record -q -e cpu-clock -t "$tid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
    perf report -i "$work/perf.data" --no-children --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' |
        awk '/librte_net_null|ld-linux/ { pmd += $1; next } /kernel/ { next } { own += $1 } END { printf "%.2f %.2f\n", pmd, own }'
}

testpmd_profile() { # mode burst
    local mode
    mode=$(testpmd_mode "$1")
    dpdk-testpmd "${eal[@]}" --file-prefix "prof-tp-$$" -- --forward-mode="$mode" --burst="$2" \
        --total-num-mbufs=8191 --mbcache=256 --auto-start --stats-period 1 >/dev/null 2>&1 &
    local pid=$!
    sleep 3
    record "$pid" 'rte-worker-1|lcore-worker-1'
    kill -TERM "$pid"; wait "$pid" || true
}

synthex_profile() { # path mode burst
    local sx_mode sx_extra
    synthex_mode "$2"
    "$1" run --app forward --mode "$sx_mode" "${sx_extra[@]}" --burst "$3" --idle busy --stats-interval 0 \
        --duration $((seconds + 6)) -- "${eal[@]}" --file-prefix "prof-sx-$$" >/dev/null 2>&1 &
    local pid=$!
    sleep 4 # past the JIT's tiering and the 1 s warm-up
    if ! kill -0 "$pid" 2>/dev/null; then # e.g. a BEFORE build that predates an option
        echo "profile-forward.sh: $1 exited at once (mode $2)" >&2
        echo "nan nan"
        return
    fi
    record "$pid" 'lcore-1'
    kill -TERM "$pid"; wait "$pid" || true
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; ${seconds}s of samples per run"
printf '%-10s %5s %5s | %-8s %7s %7s | %s\n' mode burst round tool "pmd %" "own %" "predicted synthex ÷ testpmd"
results=$work/results
for ((r = 1; r <= rounds; r++)); do
    for burst in $bursts; do
        for mode in $modes; do
            read -r tp_pmd tp_own < <(testpmd_profile "$mode" "$burst")
            printf '%-10s %5s %5s | %-8s %7.2f %7.2f |\n' "$mode" "$burst" "$r" testpmd "$tp_pmd" "$tp_own"
            tools=(synthex)
            [[ -n $before ]] && tools=(before synthex)
            for tool in "${tools[@]}"; do
                path=$synthex
                [[ $tool == before ]] && path=$before
                read -r sx_pmd sx_own < <(synthex_profile "$path" "$mode" "$burst")
                [[ $sx_pmd == nan ]] && continue
                predicted=$(awk -v s="$sx_pmd" -v t="$tp_pmd" 'BEGIN { printf "%.3f", s / t }')
                printf '%-10s %5s %5s | %-8s %7.2f %7.2f | %s\n' "$mode" "$burst" "$r" "$tool" "$sx_pmd" "$sx_own" "$predicted"
                echo "$mode $burst $tool $predicted $sx_own $tp_own" >>"$results"
            done
        done
    done
done

echo
echo "medians of $rounds rounds:"
printf '%-10s %5s %-8s %9s %9s %s\n' mode burst tool "own %" "tpmd own" "predicted synthex ÷ testpmd"
for burst in $bursts; do
    for mode in $modes; do
        for tool in before synthex; do
            rows=$(awk -v m="$mode" -v b="$burst" -v t="$tool" '$1 == m && $2 == b && $3 == t' "$results")
            [[ -n $rows ]] || continue
            printf '%-10s %5s %-8s %9.2f %9.2f %s\n' "$mode" "$burst" "$tool" \
                "$(awk '{ print $5 }' <<<"$rows" | median)" "$(awk '{ print $6 }' <<<"$rows" | median)" "$(awk '{ print $4 }' <<<"$rows" | median)"
        done
    done
done
