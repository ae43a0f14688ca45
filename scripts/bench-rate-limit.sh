#!/usr/bin/env bash
# bench-rate-limit.sh — the per-source rate limiter's cost per datagram (issue 15), two ways:
#  1. BenchmarkDotNet (RateLimitSuite, short run): SourceRateLimiter.Allow for 1, 65,536 and
#     1,048,576 sources at a rate none reaches, against reading the clock alone;
#  2. reflect behind the UDP endpoint on DPDK's net_pcap (as bench-endpoint.sh: one worker lcore,
#     a capture of PAYLOAD-byte datagrams from two sources, replies to /dev/null) without and with
#     --rate-limit 1000000000/1000000 (a rate no source reaches: every datagram is checked and
#     allowed), alternating ROUNDS times; the ratio and the difference of inverse rates (ns per
#     datagram) are the limiter's cost in the real loop.
#
# Usage: scripts/bench-rate-limit.sh [SECONDS (default 4)] [ROUNDS (default 3)] [PAYLOAD (default 64)] [--no-micro]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
micro=1
args=()
for a in "$@"; do [[ $a == --no-micro ]] && micro=0 || args+=("$a"); done
seconds=${args[0]:-4}
rounds=${args[1]:-3}
payload=${args[2]:-64}
synthex=$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex
[[ -x $synthex ]] || { echo "bench-rate-limit.sh: build first (scripts/bootstrap.sh)" >&2; exit 3; }
command -v text2pcap >/dev/null || { echo "bench-rate-limit.sh: text2pcap missing (tshark)" >&2; exit 3; }

if ((micro)); then
    echo "== RateLimitSuite (BenchmarkDotNet), load: $(cut -d' ' -f1-3 /proc/loadavg)"
    dotnet run -c Release --project "$root/tests/Synthex.Dpdk.Benchmarks" -- --filter '*RateLimitSuite*' --artifacts "$root/artifacts/bench/rate-limit" \
        | sed -n '/^| *Method/,/^$/p'
fi

work=$(mktemp -d /tmp/bench-rate-limit.XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c "$payload" /dev/urandom | od -An -v -tx1 -w16 | awk '{ printf "%06x %s\n", (NR-1)*16, $0 }' >"$work/payload.txt"
text2pcap -q -u 40000,9000 -4 10.0.0.1,10.0.0.2 "$work/payload.txt" "$work/a.pcap" >/dev/null 2>&1
text2pcap -q -u 40001,9000 -6 fd00::1,fd00::2 "$work/payload.txt" "$work/b.pcap" >/dev/null 2>&1
mergecap -a -w "$work/in.pcap" "$work/a.pcap" "$work/b.pcap" >/dev/null 2>&1

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 128)); then memory=(--in-memory); else memory=(--no-huge -m 256 --no-shconf); fi

run() { # extra options... -> Mpps
    "$synthex" run --app reflect "$@" --duration "$seconds" --stats-interval 0 --stats-json "$work/r.json" -- \
        -l 0,1 --no-pci "${memory[@]}" --log-level=lib.eal:error \
        --vdev "net_pcap0,rx_pcap=$work/in.pcap,tx_pcap=/dev/null,infinite_rx=1" >/dev/null 2>"$work/err" \
        || { cat "$work/err" >&2; exit 1; }
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["totals"]; assert t["accounted"]; assert t["drops"].get("rate_limited", 0) == 0; print("%.3f" % (t["rx_packets"]/r["elapsed_seconds"]/1e6))' "$work/r.json"
}

echo "== reflect behind the endpoint, net_pcap, payload $payload B, $seconds s per run, $rounds rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %14s %14s %7s %12s\n' round off "rate-limit on" ratio "ns/dgram more"
for ((r = 1; r <= rounds; r++)); do
    off=$(run)
    on=$(run --rate-limit 1000000000/1000000)
    python3 -c 'import sys; r,f,e=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]); print("%-6s %10.3f Mpps %10.3f Mpps %7.3f %12.1f" % (r, f, e, e/f, 1e3/e - 1e3/f))' "$r" "$off" "$on"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
