#!/usr/bin/env bash
# soak.sh: a long run of both services under load, sampled, failing on drift (issue 15).
#
#   scripts/soak.sh MINUTES [OUT_DIR]
#
# Two synthex instances, each `--app consensus,similarity` (one port, both services):
#   dpdk     — DPDK with a net_tap port whose Linux side is moved into a network namespace of its
#              own; two `synthex load` processes run inside that namespace (a consensus one and a
#              similarity one), so every datagram crosses the real kernel stack and the tap PMD;
#   io-uring — the io_uring backend on 127.0.0.1, with its own two load processes.
# Every SOAK_INTERVAL seconds (default 5) each instance is sampled: RSS (/proc/PID/status), the
# report `synthex status --json` carries (totals, GC, service counters), mbufs in use (the
# report's mbuf gauge where the build has one: DPDK 22.11's telemetry /mempool/info gives no
# count) and open consensus rounds (opened - finished). Written: OUT_DIR/soak.csv and
# OUT_DIR/soak.svg (gnuplot; installed from Debian if missing), OUT_DIR/summary.txt.
#
# Drift — the run fails (exit 1) when any of these holds:
#   identity   at some sample |rx - (replied + absorbed + dropped)| is above what may be between
#              receipt and fate: SOAK_SLACK (default 256, DPDK: bursts) or, on io_uring, the
#              worker's provided-buffer ring (--buffers 2048: a datagram is counted received on
#              arrival and replied when its send completes, its buffer held till then); or the final report of an instance is not "accounted"
#              (exact), or synthex does not exit 0 on SIGTERM;
#   memory     over the second half, RSS's least-squares slope times the half's length is above
#              SOAK_RSS_GROWTH_MB (default 16) — a leak shows as a steady climb, JIT and caches
#              settle in the first half;
#   mbufs      mbufs in use at the last sample above the first half's largest + SOAK_SLACK
#              (buffers lost), or above the pools' size;
#   rounds     open consensus rounds above max-jobs x max-rounds-per-job (state not bounded);
#   progress   an instance answered nothing in the second half, or a load run reported a
#              mismatch (a wrong answer).
# GC collections, bytes allocated and the GC heap's size are sampled, and RSS's parts (RssAnon,
# RssFile, RssShmem), so managed growth can be told from native; the plot shows the bytes (a
# status request itself allocates, so they creep; collections stayed 0 in the runs in
# docs/RELIABILITY.md). DOTNET_GCgen0size (hex bytes) in the environment reaches the servers:
# a small one makes the GC collect, which tells the probes' garbage from a leak.
set -euo pipefail

MINUTES=${1:?usage: scripts/soak.sh MINUTES [OUT_DIR]}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${2:-$ROOT/artifacts/soak}
INTERVAL=${SOAK_INTERVAL:-5}
SLACK=${SOAK_SLACK:-256}
RSS_GROWTH_MB=${SOAK_RSS_GROWTH_MB:-16}
SYNTHEX="$ROOT/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex"
PY=/usr/bin/python3
[[ -x $SYNTHEX ]] || { echo "soak.sh: build first: dotnet build Synthex.Dpdk.sln -c Release" >&2; exit 3; }
[[ $(id -u) -eq 0 ]] || { echo "soak.sh: needs root (net_tap, a network namespace)" >&2; exit 3; }
$PY -c 'import numpy' 2>/dev/null || { echo "soak.sh: needs python3-numpy (scripts/bootstrap.sh installs it)" >&2; exit 3; }
if ! command -v gnuplot >/dev/null; then
  echo "soak.sh: installing gnuplot-nox (for the plot)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 ||
    echo "soak.sh: gnuplot-nox could not be installed: no plot" >&2
fi
mkdir -p "$OUT"
SECONDS_TOTAL=$((MINUTES * 60))
ID=$(printf '%04x%04x' $RANDOM $RANDOM)
NS="sxsoak-$ID" IFACE="sxs$ID" NAME_DPDK="soak-dpdk-$ID" NAME_URING="soak-uring-$ID"
A=$((RANDOM % 250)) B=$((RANDOM % 256))
SERVER_V4="10.$A.$B.1" CLIENT_V4="10.$A.$B.2"
PORT_DPDK=$((20000 + RANDOM % 20000)) PORT_URING=$((40000 + RANDOM % 20000))
MAX_JOBS=4 MAX_ROUNDS=8 DIM=64 URING_BUFFERS=2048
WORK=$(mktemp -d /tmp/soak.XXXXXX)
RUN_DIR="$WORK/run"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

$PY - "$WORK/m.npy" "$DIM" <<'EOF'
import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(15).standard_normal((5000, int(sys.argv[2]))).astype('<f4'))
EOF

common=(--app consensus,similarity --matrix "$WORK/m.npy" --metric cosine --k-max 16 --max-jobs $MAX_JOBS
  --max-rounds-per-job $MAX_ROUNDS --round-timeout 500 --stats-interval 0 --run-dir "$RUN_DIR")
"$SYNTHEX" run "${common[@]}" --name "$NAME_DPDK" --address "$SERVER_V4/24" --listen "0.0.0.0:$PORT_DPDK" \
  --stats-json "$OUT/report-dpdk.json" -- -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$NAME_DPDK" \
  --log-level=lib.eal:error --vdev "net_tap0,iface=$IFACE" >"$OUT/server-dpdk.log" 2>&1 &
DPDK_PID=$!; PIDS+=("$DPDK_PID")
"$SYNTHEX" run "${common[@]}" --name "$NAME_URING" --backend io-uring --workers 1 --buffers $URING_BUFFERS --listen "127.0.0.1:$PORT_URING" \
  --stats-json "$OUT/report-uring.json" >"$OUT/server-uring.log" 2>&1 &
URING_PID=$!; PIDS+=("$URING_PID")
for log in server-dpdk server-uring; do
  for _ in $(seq 1 600); do grep -q "synthex: running" "$OUT/$log.log" && break; sleep 0.1; done
  grep -q "synthex: running" "$OUT/$log.log" || { echo "soak.sh: $log did not start:" >&2; cat "$OUT/$log.log" >&2; exit 1; }
done
ip netns add "$NS"
ip link set "$IFACE" netns "$NS"
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add "$CLIENT_V4/24" dev "$IFACE"
ip netns exec "$NS" ip link set "$IFACE" up

# Open loop at modest rates: a soak looks for drift, not the ceiling (that is bench-*-load.sh's).
load() { # NAME TARGET [ip netns exec NS]
  local name=$1 to=$2 scenario=${1%%-*}; shift 2
  local args=(--scenario "$scenario" --to "$to" --duration "$SECONDS_TOTAL" --interval 0 --max-error-rate 1
    --report-json "$OUT/load-$name.json")
  if [[ $scenario == consensus ]]; then
    args+=(--rate "${SOAK_CONSENSUS_RATE:-400}" --experts 4 --length 1024 --chunk 256 --window $MAX_ROUNDS --timeout 0.1)
  else
    args+=(--rate "${SOAK_SIMILARITY_RATE:-200}" --dim $DIM --k 10 --matrix "$WORK/m.npy" --metric cosine --verify-every 20 --timeout 0.5)
  fi
  "$@" "$SYNTHEX" load "${args[@]}" >"$OUT/load-$name.log" 2>&1 &
  PIDS+=($!)
}
load consensus-dpdk "$SERVER_V4:$PORT_DPDK" ip netns exec "$NS"
load similarity-dpdk "$SERVER_V4:$PORT_DPDK" ip netns exec "$NS"
load consensus-uring "127.0.0.1:$PORT_URING"
load similarity-uring "127.0.0.1:$PORT_URING"
LOAD_PIDS=("${PIDS[@]:2}")

echo "soak.sh: $MINUTES min, sampling every ${INTERVAL}s into $OUT/soak.csv; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "t,instance,rss_kb,rx,replied,absorbed,dropped,tx,originated,residual,gc_collections,gc_allocated_bytes,mbufs_in_use,mbufs_size,open_rounds,answered,gc_heap_bytes,rss_anon_kb,rss_file_kb,rss_shmem_kb" >"$OUT/soak.csv"
sample() { # INSTANCE NAME PID T
  local status
  status=$("$SYNTHEX" status --name "$2" --run-dir "$RUN_DIR" --json 2>/dev/null) || return 0
  STATUS="$status" $PY - "$1" "$3" "$4" >>"$OUT/soak.csv" <<'EOF' || echo "soak.sh: a $1 sample failed" >&2
import json, os, sys
inst, pid, t = sys.argv[1], sys.argv[2], sys.argv[3]
proc = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith(("VmRSS:", "RssAnon:", "RssFile:", "RssShmem:"))}
rss = proc["VmRSS"]
r = json.loads(os.environ["STATUS"])
r = (r[0] if isinstance(r, list) else r)["report"]
s, tot, gc = r.get("service", {}), r["totals"], r.get("gc", {})
# mbufs in use: DPDK 22.11's telemetry gives a pool's size, not its count, so this reads the
# report's own mbuf gauge where the build has one (any number under a key naming mbufs and use).
def find(node, path, want):
    if isinstance(node, dict):
        for k, v in node.items():
            got = find(v, path + "." + k.lower(), want)
            if got is not None: return got
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and "mbuf" in path and all(w in path.rsplit(".", 1)[-1] or w in path for w in want):
        return int(node)
    return None
pools = r.get("mbuf_pools") if inst == "dpdk" else None
if pools:   # the report's gauge per pool: summed
    in_use, size = sum(p["in_use"] for p in pools), sum(p["capacity"] for p in pools)
else:
    in_use = find(r, "", ["use"]) if inst == "dpdk" else None
    size = (find(r, "", ["capacity"]) or find(r, "", ["size"])) if in_use is not None else None
opened = s.get("consensus.rounds_opened", 0)
open_rounds = opened - s.get("consensus.rounds_finished", 0)
residual = tot["rx_packets"] - tot["replied"] - tot["absorbed"] - tot["dropped"]
answered = tot["replied"] + tot["originated"]
print(f'{t},{inst},{rss},{tot["rx_packets"]},{tot["replied"]},{tot["absorbed"]},{tot["dropped"]},{tot["tx_packets"]},{tot["originated"]},'
      f'{residual},{gc.get("collections", "")},{gc.get("allocated_bytes", "")},{"" if in_use is None else in_use},{"" if size is None else size},{open_rounds},{answered},'
      f'{gc.get("heap_bytes", "")},{proc.get("RssAnon", "")},{proc.get("RssFile", "")},{proc.get("RssShmem", "")}')
EOF
}
START=$(date +%s)
while :; do
  now=$(($(date +%s) - START))
  ((now <= SECONDS_TOTAL)) || break
  sample dpdk "$NAME_DPDK" "$DPDK_PID" "$now"
  sample io-uring "$NAME_URING" "$URING_PID" "$now"
  kill -0 "$DPDK_PID" 2>/dev/null && kill -0 "$URING_PID" 2>/dev/null || { echo "soak.sh: a server died" >&2; break; }
  sleep "$INTERVAL"
done
for p in "${LOAD_PIDS[@]}"; do wait "$p" || true; done
EXITS=""
for pair in "dpdk:$DPDK_PID" "io-uring:$URING_PID"; do
  kill -TERM "${pair#*:}" 2>/dev/null || true
  code=0; wait "${pair#*:}" || code=$?
  EXITS+="${pair%%:*}=$code "
done
PIDS=()
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

set +e
$PY - "$OUT" "$SLACK" "$RSS_GROWTH_MB" "$((MAX_JOBS * MAX_ROUNDS))" "$EXITS" "$URING_BUFFERS" <<'EOF' | tee "$OUT/summary.txt"
import csv, json, os, sys
out, dpdk_slack, growth_mb, max_open, exits = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
slacks = {"dpdk": dpdk_slack, "io-uring": max(dpdk_slack, int(sys.argv[6]))}
rows = list(csv.DictReader(open(os.path.join(out, "soak.csv"))))
failures = []
for code in exits.split():
    inst, c = code.split("=")
    if c != "0": failures.append(f"{inst}: synthex exited {c} on SIGTERM")
for inst, report in (("dpdk", "report-dpdk.json"), ("io-uring", "report-uring.json")):
    p = os.path.join(out, report)
    if not os.path.exists(p): failures.append(f"{inst}: no final report"); continue
    r = json.load(open(p))
    t = r["totals"]
    print(f"{inst} final: rx {t['rx_packets']:,} replied {t['replied']:,} absorbed {t['absorbed']:,} dropped {t['dropped']:,} "
          f"originated {t['originated']:,} accounted {t['accounted']}; drops " + ", ".join(f"{k} {v}" for k, v in t["drops"].items() if v))
    if not t["accounted"]: failures.append(f"{inst}: the final report is not accounted")
for inst in ("dpdk", "io-uring"):
    rs = [r for r in rows if r["instance"] == inst]
    if len(rs) < 4: failures.append(f"{inst}: only {len(rs)} samples"); continue
    t_end = float(rs[-1]["t"]); half = [r for r in rs if float(r["t"]) >= t_end / 2]
    slack = slacks[inst]
    worst = max(abs(int(r["residual"])) for r in rs)
    if worst > slack: failures.append(f"{inst}: identity off by {worst} packets at a sample (slack {slack})")
    xs = [float(r["t"]) for r in half]; ys = [int(r["rss_kb"]) / 1024 for r in half]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0
    grown = slope * (xs[-1] - xs[0])
    rss = [int(r["rss_kb"]) / 1024 for r in rs]
    print(f"{inst}: {len(rs)} samples over {t_end:.0f} s; RSS {rss[0]:.1f} -> {rss[-1]:.1f} MiB (max {max(rss):.1f}), second half slope "
          f"{slope * 60:+.3f} MiB/min = {grown:+.2f} MiB over it (bound {growth_mb}); identity residual max {worst} (slack {slack})")
    if grown > growth_mb: failures.append(f"{inst}: RSS grew {grown:.1f} MiB over the second half (bound {growth_mb})")
    gcs = [r["gc_collections"] for r in rs if r["gc_collections"]]
    if gcs: print(f"{inst}: GC collections {gcs[0]} -> {gcs[-1]}; allocated {int(rs[0]['gc_allocated_bytes'] or 0):,} -> {int(rs[-1]['gc_allocated_bytes'] or 0):,} bytes")
    # Managed against native: the GC heap (garbage included) beside RSS and its parts, first and last sample.
    def mib(row, key, scale): return f"{int(row[key]) / scale:.1f}" if row.get(key) else "-"
    print(f"{inst}: GC heap {mib(rs[0], 'gc_heap_bytes', 1048576)} -> {mib(rs[-1], 'gc_heap_bytes', 1048576)} MiB; RSS anon "
          f"{mib(rs[0], 'rss_anon_kb', 1024)} -> {mib(rs[-1], 'rss_anon_kb', 1024)}, file {mib(rs[0], 'rss_file_kb', 1024)} -> {mib(rs[-1], 'rss_file_kb', 1024)}, "
          f"shmem {mib(rs[0], 'rss_shmem_kb', 1024)} -> {mib(rs[-1], 'rss_shmem_kb', 1024)} MiB")
    opens = [int(r["open_rounds"]) for r in rs]
    print(f"{inst}: open rounds max {max(opens)} (bound {max_open})")
    if max(opens) > max_open: failures.append(f"{inst}: {max(opens)} open rounds, above {max_open}")
    mb = [(int(r["mbufs_in_use"]), int(r["mbufs_size"] or 0)) for r in rs if r["mbufs_in_use"]]
    if mb:
        first = max(u for u, _ in mb[: max(1, len(mb) // 2)])
        print(f"{inst}: mbufs in use {mb[0][0]} -> {mb[-1][0]} of {mb[-1][1]} (first half max {first})")
        if mb[-1][0] > first + dpdk_slack: failures.append(f"{inst}: mbufs in use grew to {mb[-1][0]} (first half max {first})")
        if mb[-1][1] and max(u for u, _ in mb) > mb[-1][1]: failures.append(f"{inst}: mbufs in use above the pools' size")
    elif inst == "dpdk":
        print("dpdk: mbufs in use: not sampled (no mbuf gauge in this build's report); the exit line 'mbufs: all N back' is checked instead")
        log = open(os.path.join(out, "server-dpdk.log")).read()
        if "back in their pool" not in log: failures.append("dpdk: mbufs not all back in their pool at exit")
    if int(half[-1]["answered"]) <= int(half[0]["answered"]): failures.append(f"{inst}: answered nothing in the second half")
for name in ("consensus-dpdk", "similarity-dpdk", "consensus-uring", "similarity-uring"):
    p = os.path.join(out, f"load-{name}.json")
    if not os.path.exists(p): failures.append(f"load {name}: no report"); continue
    r = json.load(open(p))
    print(f"load {name}: sent {r.get('sent', 0):,} answered {r.get('answered', r.get('received', 0)):,} timeouts {r.get('timeouts', 0):,} "
          f"mismatches {r.get('mismatches', 0)} retransmissions {r.get('retransmissions', 0):,}")
    if r.get("mismatches", 0): failures.append(f"load {name}: {r['mismatches']} mismatches")
print("RESULT: " + ("FAIL\n  " + "\n  ".join(failures) if failures else "PASS (no drift)"))
sys.exit(1 if failures else 0)
EOF
verdict=${PIPESTATUS[0]}
set -e

if command -v gnuplot >/dev/null; then
  grep '^t\|,dpdk,' "$OUT/soak.csv" >"$WORK/dpdk.csv"
  grep '^t\|,io-uring,' "$OUT/soak.csv" >"$WORK/uring.csv"
  # The mbuf gauge only where the report has one (column 13 filled).
  mbufs_plot=""
  if awk -F, 'NR > 1 && $13 != "" { found = 1 } END { exit !found }' "$WORK/dpdk.csv"; then
    mbufs_plot=", \"$WORK/dpdk.csv\" using 1:13 with lines title \"dpdk mbufs in use\""
  fi
  gnuplot <<EOF || echo "soak.sh: gnuplot failed: no plot" >&2
set terminal svg size 900,900 dynamic font "sans,11" noenhanced
set output "$OUT/soak.svg"
set datafile separator ","
set key left top
set multiplot layout 4,1 title "synthex soak, $MINUTES min: consensus + similarity, DPDK (net_tap) and io_uring"
set xlabel "seconds"
set ylabel "RSS (MiB)"
plot "$WORK/dpdk.csv" using 1:(\$3/1024) with lines title "dpdk", "$WORK/uring.csv" using 1:(\$3/1024) with lines title "io-uring"
set ylabel "rx - replied - absorbed - dropped"
set yrange [0:*]
plot "$WORK/dpdk.csv" using 1:10 with lines title "dpdk", "$WORK/uring.csv" using 1:10 with lines title "io-uring"
set ylabel "open rounds"
set yrange [0:$((MAX_JOBS * MAX_ROUNDS))]
plot "$WORK/dpdk.csv" using 1:15 with steps title "dpdk", "$WORK/uring.csv" using 1:15 with steps title "io-uring"$mbufs_plot
set ylabel "GC: MiB allocated / heap"
set yrange [0:*]
plot "$WORK/dpdk.csv" using 1:(\$12/1048576) with lines title "dpdk allocated", "$WORK/uring.csv" using 1:(\$12/1048576) with lines title "io-uring allocated", \
     "$WORK/dpdk.csv" using 1:(\$17/1048576) with lines title "dpdk heap", "$WORK/uring.csv" using 1:(\$17/1048576) with lines title "io-uring heap"
unset multiplot
EOF
fi
exit "$verdict"
