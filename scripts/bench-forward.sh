#!/usr/bin/env bash
# bench-forward.sh — synthex vs dpdk-testpmd, side by side, on the same virtual devices.
#
# Both run on --vdev net_null0 --vdev net_null1 with one forwarding lcore (-l 0,1: the main lcore
# does control only), the same burst and the same memory (hugepages, --in-memory), one after the
# other, for io and macswap at each burst size, ROUNDS times alternating (the machines are shared
# VMs: a neighbour's build moves absolute rates by 2x between minutes, so only side-by-side
# ratios mean anything). testpmd's rate is the mean of its per-second Rx-pps (summed over both
# ports, first second skipped); synthex's is rx_packets/elapsed_seconds from its --stats-json
# report. Prints every round, then the medians of Mpps and of the ratio.
#
# Usage: scripts/bench-forward.sh [SECONDS (default 4)] [BURSTS (default "32 64 128")] [MODES (default "io macswap")] [ROUNDS (default 3)]
# Needs: a Release build (scripts/bootstrap.sh), dpdk-testpmd (Debian dpdk-dev), root, free hugepages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-4}
bursts=${2:-32 64 128}
modes=${3:-io macswap}
rounds=${4:-3}
synthex=$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex
[[ -x $synthex ]] || { echo "bench-forward.sh: build first (scripts/bootstrap.sh)" >&2; exit 3; }
command -v dpdk-testpmd >/dev/null || { echo "bench-forward.sh: dpdk-testpmd missing (apt-get install dpdk-dev)" >&2; exit 3; }

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 256)); then
    memory=(--in-memory)
else
    echo "bench-forward.sh: only $free free hugepages: running on ordinary memory, which TLB misses slow down (run ./hugepages-setup.sh)" >&2
    memory=(--no-huge -m 512 --no-shconf)
fi
eal=(-l 0,1 --no-pci "${memory[@]}" --log-level=lib.eal:error --vdev net_null0 --vdev net_null1)
work=$(mktemp -d /tmp/bench-forward.XXXXXX)
# EAL leaves its runtime directories behind: remove this script's with its work directory.
trap 'rm -rf "$work" /var/run/dpdk/bench-tp-$$ /var/run/dpdk/bench-sx-$$ /dev/hugepages/bench-tp-$$* /dev/hugepages/bench-sx-$$*' EXIT

testpmd_mpps() { # mode burst
    timeout -s INT $((seconds + 2)) dpdk-testpmd "${eal[@]}" --file-prefix "bench-tp-$$" -- \
        --forward-mode="$1" --burst="$2" --stats-period 1 --auto-start >"$work/testpmd.out" 2>&1 || true
    # One block per second, two ports per block: sum the pair, skip the first block, average.
    awk '/Rx-pps:/ { sum += $2; if (++n % 2 == 0) { blocks[n / 2] = sum; sum = 0 } }
         END { t = 0; c = 0; for (b = 2; b <= n / 2; b++) { t += blocks[b]; c++ }
               if (c == 0) { print "nan"; exit } printf "%.2f", t / c / 1e6 }' "$work/testpmd.out"
}

synthex_mpps() { # mode burst
    "$synthex" run --app forward --mode "$1" --burst "$2" --duration "$seconds" --stats-interval 0 \
        --stats-json "$work/synthex.json" -- "${eal[@]}" --file-prefix "bench-sx-$$" >"$work/synthex.out" 2>&1
    local rx elapsed
    rx=$(grep -o '"rx_packets": [0-9]*' "$work/synthex.json" | head -n 1 | grep -o '[0-9]*$')
    elapsed=$(grep -o '"elapsed_seconds": [0-9.]*' "$work/synthex.json" | grep -o '[0-9.]*$')
    awk -v rx="$rx" -v t="$elapsed" 'BEGIN { printf "%.2f", rx / t / 1e6 }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; DPDK $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'); memory: ${memory[*]}; ${seconds}s per run"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-8s %5s %12s %12s %7s\n' mode burst testpmd_Mpps synthex_Mpps ratio
summary=()
for mode in $modes; do
    for burst in $bursts; do
        ts=() ss=() rs=()
        for ((round = 1; round <= rounds; round++)); do
            t=$(testpmd_mpps "$mode" "$burst")
            s=$(synthex_mpps "$mode" "$burst")
            r=$(awk -v s="$s" -v t="$t" 'BEGIN { if (t > 0) printf "%.3f", s / t; else print "nan" }')
            printf '%-8s %5s %12s %12s %7s   (round %d)\n' "$mode" "$burst" "$t" "$s" "$r" "$round"
            ts+=("$t") ss+=("$s") rs+=("$r")
        done
        summary+=("$(printf '%-8s %5s %12s %12s %7s' "$mode" "$burst" \
            "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${ss[@]}" | median)" "$(printf '%s\n' "${rs[@]}" | median)")")
    done
done
echo
echo "medians of $rounds rounds:"
printf '%-8s %5s %12s %12s %7s\n' mode burst testpmd_Mpps synthex_Mpps ratio
printf '%s\n' "${summary[@]}"
