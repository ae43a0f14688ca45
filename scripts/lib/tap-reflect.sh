# scripts/lib/tap-reflect.sh — synthex reflect on a net_tap port whose other side sits in a fresh
# network namespace: what the idle benchmarks (bench-idle-latency.sh, bench-idle-throughput.sh)
# measure against. Sourced, not run. The caller sets `bin` (synthex.dll) and `out` (a work folder)
# and traps tap_reflect_stop on EXIT.
#
#   tap_reflect_start MODE SUBNET LOG   starts `synthex run --app reflect --idle MODE` with address
#                                       SUBNET.1/24 on a new tap, moves the tap into a namespace as
#                                       SUBNET.2, and resolves ARP; sets pid, ns, server (SUBNET.1)
#                                       and port. SUBNET is three octets, e.g. 10.249.7.
#   tap_reflect_stop                    stops synthex (its summary goes to LOG) and deletes the
#                                       namespace; safe to call twice.

pid="" ns=""

tap_reflect_start() {
  local mode=$1 subnet=$2 log=$3 iface="sxt$RANDOM"
  ns="sxtap-$RANDOM" server="$subnet.1" port=$((20000 + RANDOM % 20000))
  dotnet "$bin" run --app reflect --address "$server/24" --listen "0.0.0.0:$port" --idle "$mode" --stats-interval 0 \
    -- -l 0,1 --no-huge -m 256 --no-shconf --no-pci --file-prefix "tap$RANDOM" --log-level=lib.eal:error \
    --vdev "net_tap0,iface=$iface" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -q "synthex: running" "$log" 2>/dev/null && break; sleep 0.1; done
  grep "no RX interrupts" "$log" || true # interrupt mode fell back to sleep: say so
  ip netns add "$ns"; ip link set "$iface" netns "$ns"
  ip netns exec "$ns" ip addr add "$subnet.2/24" dev "$iface"; ip netns exec "$ns" ip link set "$iface" up
  ip netns exec "$ns" ping -c 2 -W 3 "$server" > /dev/null || true # ARP resolved before measuring
}

tap_reflect_stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=""
  if [ -n "$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
  ns=""
}
