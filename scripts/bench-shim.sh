#!/usr/bin/env bash
# The cost of one shim call per burst: DPDK's C calling the static-inline rte_eth_rx_burst
# directly (native/bench/rx_bench.c) against C# calling sx_eth_rx_burst through the shim
# (tests/Synthex.Dpdk.Smoke --bench). Same vdev (net_null0), same burst (32), same pool, same
# loop (rx_burst + rte_pktmbuf_free_bulk), same EAL line, one lcore; rounds alternate C and C#
# so both see the same machine noise. Prints every round, then for each side the median and the
# minimum (the least-disturbed round: on a shared machine, noise only ever adds time) and ratios.
#
#   scripts/bench-shim.sh [BURSTS_PER_ROUND=2000000] [ROUNDS=5] [--no-huge]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bursts="${1:-2000000}"
rounds="${2:-5}"
mode=(--huge)
if [[ "${3:-}" == "--no-huge" ]] || ! awk '/^HugePages_Free:/ { exit !($2 > 0) }' /proc/meminfo; then
    mode=()
fi

make -C native --no-print-directory all bench >/dev/null
dotnet build tests/Synthex.Dpdk.Smoke -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
smoke=tests/Synthex.Dpdk.Smoke/bin/Release/net10.0/Synthex.Dpdk.Smoke.dll

run() { # impl prefix -> ns_per_burst
    local out
    if [[ "$1" == c ]]; then
        out=$(./native/build/rx_bench "$bursts" "${mode[@]}" --file-prefix "$2" 2>/dev/null)
    else
        out=$(dotnet "$smoke" --bench "$bursts" "${mode[@]}" --file-prefix "$2" 2>/dev/null)
    fi
    rm -rf "/var/run/dpdk/$2"
    grep -o 'ns_per_empty_shim_call=[0-9.]*' <<<"$out" | cut -d= -f2 >>"$calls_file" || true
    grep -o 'ns_per_transitioning_shim_call=[0-9.]*' <<<"$out" | cut -d= -f2 >>"$transitions_file" || true
    grep -o 'ns_per_burst=[0-9.]*' <<<"$out" | cut -d= -f2
}

calls_file=$(mktemp)
transitions_file=$(mktemp)
trap 'rm -f "$calls_file" "$transitions_file"' EXIT
c=() cs=()
for ((i = 1; i <= rounds; i++)); do
    c+=("$(run c "sx-bench-c-$$-$i")")
    cs+=("$(run cs "sx-bench-cs-$$-$i")")
    printf 'round %d: c-inline %s ns/burst, csharp-shim %s ns/burst\n' "$i" "${c[-1]}" "${cs[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mc=$(median "${c[@]}")
mcs=$(median "${cs[@]}")
minc=$(printf '%s\n' "${c[@]}" | sort -g | head -1)
mincs=$(printf '%s\n' "${cs[@]}" | sort -g | head -1)
echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cpus; hugepages: ${mode[*]:-no (--no-huge)}"
echo "burst 32, $bursts bursts x $rounds rounds, net_null0, rx_burst + rte_pktmbuf_free_bulk"
awk -v c="$mc" -v cs="$mcs" 'BEGIN {
    printf "median: c-inline %.1f ns/burst, csharp-shim %.1f ns/burst, ratio %.3f, shim call cost %.1f ns/burst (%.2f ns/packet)\n",
           c, cs, cs / c, cs - c, (cs - c) / 32 }'
awk -v c="$minc" -v cs="$mincs" 'BEGIN {
    printf "minimum: c-inline %.1f ns/burst, csharp-shim %.1f ns/burst, ratio %.3f, shim call cost %.1f ns/burst (%.2f ns/packet)\n",
           c, cs, cs / c, cs - c, (cs - c) / 32 }'
echo "median empty shim call (sx_lcore_id): $(median $(cat "$calls_file")) ns with [SuppressGCTransition]," \
     "$(median $(cat "$transitions_file")) ns without"
