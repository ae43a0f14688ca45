#!/usr/bin/env bash
# bench-endpoint.sh — reflect behind the UDP endpoint vs the frame-level mirror, side by side.
#
# Both replay the same capture forever on DPDK's net_pcap (infinite_rx, replies to /dev/null)
# with one worker lcore (-l 0,1), one after the other, ROUNDS times alternating (shared VMs:
# only side-by-side ratios mean anything). The capture: UDP datagrams of PAYLOAD bytes to port
# 9000 over IPv4 and IPv6 (text2pcap). `frame-reflect` swaps MACs, addresses and ports in place;
# `reflect` goes through the endpoint stage (parse, service-port check, the datagram app, lengths
# rewritten, IPv4 header and UDP checksums recomputed by the SIMD kernels; no --address: any
# destination). The worker polls at 100%, so rx_packets / elapsed_seconds is the rate per
# worker CPU-second; the difference of the inverse rates is the endpoint's cost per packet on
# top of the mirror (net_pcap's own per-packet cost is in both).
#
# Usage: scripts/bench-endpoint.sh [SECONDS (default 4)] [ROUNDS (default 3)] [PAYLOAD (default 64)]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-4}
rounds=${2:-3}
payload=${3:-64}
synthex=$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex
[[ -x $synthex ]] || { echo "bench-endpoint.sh: build first (scripts/bootstrap.sh)" >&2; exit 3; }
command -v text2pcap >/dev/null || { echo "bench-endpoint.sh: text2pcap missing (tshark)" >&2; exit 3; }

work=$(mktemp -d /tmp/bench-endpoint.XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c "$payload" /dev/urandom | od -An -v -tx1 -w16 | awk '{ printf "%06x %s\n", (NR-1)*16, $0 }' >"$work/payload.txt"
text2pcap -q -u 40000,9000 -4 10.0.0.1,10.0.0.2 "$work/payload.txt" "$work/a.pcap" >/dev/null 2>&1
text2pcap -q -u 40001,9000 -6 fd00::1,fd00::2 "$work/payload.txt" "$work/b.pcap" >/dev/null 2>&1
mergecap -a -w "$work/in.pcap" "$work/a.pcap" "$work/b.pcap" >/dev/null 2>&1

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 128)); then memory=(--in-memory); else memory=(--no-huge -m 256 --no-shconf); fi

run() { # app -> Mpps
    "$synthex" run --app "$1" --duration "$seconds" --stats-interval 0 --stats-json "$work/r.json" -- \
        -l 0,1 --no-pci "${memory[@]}" --log-level=lib.eal:error \
        --vdev "net_pcap0,rx_pcap=$work/in.pcap,tx_pcap=/dev/null,infinite_rx=1" >/dev/null 2>"$work/err" \
        || { cat "$work/err" >&2; exit 1; }
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["totals"]; assert t["accounted"]; print("%.3f" % (t["rx_packets"]/r["elapsed_seconds"]/1e6))' "$work/r.json"
}

echo "payload $payload B, $seconds s per run, $rounds rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %14s %14s %7s %12s\n' round frame-reflect reflect ratio "ns/pkt more"
for ((r = 1; r <= rounds; r++)); do
    f=$(run frame-reflect)
    e=$(run reflect)
    python3 -c 'import sys; r,f,e=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]); print("%-6s %10.3f Mpps %10.3f Mpps %7.3f %12.1f" % (r, f, e, e/f, 1e3/e - 1e3/f))' "$r" "$f" "$e"
done
