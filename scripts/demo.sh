#!/usr/bin/env bash
# demo.sh — the README's main job: the appliance on virtual devices with real traffic, no NIC.
#
#   1. builds what is missing (scripts/bootstrap.sh: DPDK, tshark, hugepages, shim, Release build;
#      idempotent, so a second run goes straight to 2);
#   2. writes a capture of real traffic (UDP and TCP over IPv4 and IPv6, 14..1400-byte payloads;
#      text2pcap from tshark's wireshark-common computes the checksums);
#   3. replays it forever through `frame-reflect` on DPDK's net_pcap device for DEMO_SECONDS (5):
#      a live line every second, then the summary in which every packet is accounted for;
#   4. runs the capture once more, writing the replies, and lets tshark, an independent reader,
#      show them with their checksums verified;
#   5. the consensus service (the job the appliance exists for): three experts contribute one
#      round over UDP (scripts/consensus-demo.py), each gets the one weighted answer, checked
#      against an f64 reference; the summary counts the round.
# Environment: DEMO_SECONDS (default 5), DEMO_NO_BUILD=1 to skip step 1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${DEMO_SECONDS:-5}
synthex=$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex

say() { printf '\n== %s\n' "$*"; }

if [[ ${DEMO_NO_BUILD:-0} != 1 ]]; then
    say "setting up (scripts/bootstrap.sh: does nothing when all is in place)"
    scripts/bootstrap.sh
fi
[[ -x $synthex ]] || { echo "demo.sh: $synthex is not built; run scripts/bootstrap.sh" >&2; exit 3; }
command -v text2pcap >/dev/null || { echo "demo.sh: text2pcap (Debian wireshark-common, comes with tshark) is missing; run scripts/bootstrap.sh" >&2; exit 3; }

work=$(mktemp -d /tmp/synthex-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

say "writing a capture of UDP and TCP traffic over IPv4 and IPv6: $work/traffic.pcap"
i=0
for size in 14 64 200 512 1000 1400; do
    # a payload of $size bytes as a text2pcap hex dump
    head -c "$size" /dev/urandom | od -An -v -tx1 -w16 | awk '{ printf "%06x %s\n", (NR-1)*16, $0 }' >"$work/payload.txt"
    text2pcap -q -u $((40000 + size)),9000 -4 10.0.0.1,10.0.0.2 "$work/payload.txt" "$work/p$((i++)).pcap" >/dev/null 2>&1
    text2pcap -q -T $((41000 + size)),80 -4 10.0.0.3,10.0.0.2 "$work/payload.txt" "$work/p$((i++)).pcap" >/dev/null 2>&1
    text2pcap -q -u $((42000 + size)),9000 -6 fd00::1,fd00::2 "$work/payload.txt" "$work/p$((i++)).pcap" >/dev/null 2>&1
    text2pcap -q -T $((43000 + size)),443 -6 fd00::3,fd00::2 "$work/payload.txt" "$work/p$((i++)).pcap" >/dev/null 2>&1
done
mergecap -a -w "$work/traffic.pcap" "$work"/p*.pcap >/dev/null 2>&1
echo "$(ls "$work"/p*.pcap | wc -l) packets"

# Hugepages when there are free ones (--in-memory leaves no file behind), else ordinary memory.
free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 128)); then memory=(--in-memory); else memory=(--no-huge -m 256 --no-shconf); fi
eal=(-l 0,1 --no-pci "${memory[@]}" --log-level=lib.eal:error)

say "frame-reflect: replaying the capture forever on net_pcap for ${seconds}s (live line every second)"
echo "\$ synthex run --app frame-reflect --duration $seconds --stats-json $work/report.json -- ${eal[*]} --vdev net_pcap0,rx_pcap=traffic.pcap,tx_pcap=/dev/null,infinite_rx=1"
"$synthex" run --app frame-reflect --duration "$seconds" --stats-interval 1 --stats-json "$work/report.json" -- \
    "${eal[@]}" --vdev "net_pcap0,rx_pcap=$work/traffic.pcap,tx_pcap=/dev/null,infinite_rx=1"
echo "report: $(tr -d ' \n' <"$work/report.json" | grep -o '"totals":{[^}]*}')"

say "frame-reflect: the capture once, replies written to replies.pcap, checked by tshark"
"$synthex" run --app frame-reflect --duration 1 --stats-interval 0 -- \
    "${eal[@]}" --vdev "net_pcap0,rx_pcap=$work/traffic.pcap,tx_pcap=$work/replies.pcap" 2>/dev/null | tail -n 1
tshark -n -r "$work/replies.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
    -T fields -E separator='|' -e frame.len -e _ws.col.Source -e _ws.col.Destination -e _ws.col.Protocol \
    -e ip.checksum.status -e udp.checksum.status -e tcp.checksum.status 2>/dev/null | head -n 8 |
    awk -F'|' 'BEGIN { printf "%-6s %-10s %-10s %-5s %-5s %-5s %-5s\n", "bytes", "from", "to", "proto", "ip", "udp", "tcp" }
               { for (i = 1; i <= NF; i++) if ($i == "") $i = "-"; printf "%-6s %-10s %-10s %-5s %-5s %-5s %-5s\n", $1, $2, $3, $4, $5, $6, $7 }'
echo "(checksum status 1 = good: the replies' IPv4 header and UDP/TCP checksums are valid)"

say "consensus: three experts, one round, one answer each (checked against an f64 reference)"
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The experts start once the service's port is bound; the service runs in the foreground for 4 s.
( for _ in $(seq 100); do ss -Huln "sport = :$port" | grep -q . && break; sleep 0.1; done
  python3 scripts/consensus-demo.py 127.0.0.1 "$port" ) &
experts=$!
echo "\$ synthex run --app consensus --backend socket --listen 127.0.0.1:$port --workers 1 --duration 4"
"$synthex" run --app consensus --backend socket --listen "127.0.0.1:$port" --workers 1 --duration 4 --stats-interval 0
wait "$experts"
