#!/usr/bin/env bash
# bench-fallback.sh: the same sockperf client load against three UDP servers, one after the
# other: `sockperf server` (the C++ reference), synthex reflect on io_uring, synthex reflect on
# sockets. Prints replies/s, latency percentiles, server CPU-seconds per million datagrams, and
# ratios against sockperf. A benchmark, not a test: see docs/BENCHMARKS.md "OS fallback".
#
#   scripts/bench-fallback.sh [-t SECONDS] [-n ROUNDS] [-m MSG_SIZE] [-r RATE] [-o results.md] [-l "LOADS"] [-b]
#   scripts/bench-fallback.sh -z     # SENDMSG vs SENDMSG_ZC: server CPU per datagram by size
#   -l  the loads to run, of "ping-pong under-load max" (default all three)
#   -b  also run both backends with --spin-us 0 (servers io-uring/block, socket/block): the loop
#       that always blocks when out of datagrams, as before the receive spin, in the same rounds
#   -s  the servers to run, of "sockperf io-uring io-uring/block socket socket/block io-uring/before
#       socket/before" (default "sockperf io-uring socket"; -b adds the two /block ones)
#   SYNTHEX=path/to/synthex.dll runs that build instead of building this checkout
#   BEFORE=path/to/other/synthex.dll adds io-uring/before (that build, default options) to the
#       same rounds: a before/after of a change side by side (e.g. a worktree of the base commit
#       built with `dotnet build -c Release src/Synthex.Dpdk.Cli -o /tmp/base`)
#
# Three loads per server, each against a fresh server process:
#   ping-pong    one message in flight: round-trip latency (p50/p99/p99.9) and replies/s;
#   under-load   --mps=RATE --reply-every=1 (default 40000/s, below every server's limit):
#                the same offered load for all, so latency and server CPU per datagram compare;
#   max          --mps=max --reply-every=1: the client sends as fast as one core allows; the
#                server's receive rate shows which side saturates.
# The server runs on CPU 1 and the client on CPU 0 (taskset), one synthex worker, so the two
# never share a core; every server gets the same 4 MiB socket buffers. Traffic stays on 127.0.0.1.
# Rounds interleave the three servers (sockperf, io-uring, socket, sockperf, ...) so each sees the
# same machine; the table gives the median of each figure over the rounds.
set -euo pipefail

SECONDS_PER_RUN=5
ROUNDS=3
ZC=0
MSG=64
RATE=40000
OUT=""
LOADS="ping-pong under-load max"
SERVERS="sockperf io-uring socket"
SERVERS_SET=""
while getopts "t:n:m:r:o:l:s:bzh" opt; do
  case $opt in
    z) ZC=1 ;;
    l) LOADS=$OPTARG ;;
    b) SERVERS="sockperf io-uring io-uring/block socket socket/block" ;;
    s) SERVERS_SET=$OPTARG ;;
    t) SECONDS_PER_RUN=$OPTARG ;;
    n) ROUNDS=$OPTARG ;;
    m) MSG=$OPTARG ;;
    r) RATE=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) sed -n '2,30p' "$0"; exit 2 ;;
  esac
done
[[ -n $SERVERS_SET ]] && SERVERS=$SERVERS_SET
if [[ -n ${BEFORE:-} && $SERVERS != *before* ]]; then SERVERS="$SERVERS io-uring/before"; fi
if [[ $SERVERS == */before* && -z ${BEFORE:-} ]]; then echo "io-uring/before and socket/before need BEFORE=path/to/synthex.dll" >&2; exit 2; fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/bench-fallback.XXXXXX)
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v sockperf >/dev/null || { echo "sockperf not installed (apt-get install sockperf)" >&2; exit 3; }
NCPU=$(nproc)
SERVER_CPU=$(( NCPU > 1 ? 1 : 0 ))
CLIENT_CPU=0

if (( ZC )); then
  # In process: a OsServer on io_uring with 64 KiB buffers and a windowed loopback client;
  # the worker thread's own CPU time (/proc/self/task/TID/stat) per datagram answered.
  mkdir -p "$WORK/zc"
  cat >"$WORK/zc/zc.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally><TreatWarningsAsErrors>false</TreatWarningsAsErrors></PropertyGroup>
  <ItemGroup><ProjectReference Include="$ROOT/src/Synthex.Dpdk/Synthex.Dpdk.csproj" /></ItemGroup>
</Project>
XML
  cat >"$WORK/zc/Program.cs" <<'CS'
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Synthex.Dpdk.Fallback;
using Synthex.Dpdk.Pipeline;

int seconds = int.Parse(args[0]);
Console.WriteLine("| payload B | send | replies/s | server µs CPU / datagram |");
Console.WriteLine("|---:|---|---:|---:|");
foreach (int size in new[] { 64, 1400, 8192, 32768 })
    foreach (bool zc in new[] { false, true, false, true })
    {
        var opt = new OsBackendOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), BufferCount = 256, BufferSize = 65536, SendZeroCopy = zc };
        using var server = OsServer.Start(OsBackendKind.IoUring, opt, new Echo());
        int tid = Directory.GetDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d)))
            .First(t => File.ReadAllText($"/proc/self/task/{t}/comm").Trim() == "synthex-uring-0");
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20, SendBufferSize = 8 << 20 };
        s.Connect(server.LocalEndPoint);
        var payload = new byte[size]; var reply = new byte[65536];
        for (int i = 0; i < 2000; i++) { s.Send(payload); s.Receive(reply); }
        long cpu0 = Cpu(tid), n = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 16; i++) s.Send(payload);
            for (int i = 0; i < 16; i++) s.Receive(reply);
            n += 16;
        }
        double secs = sw.Elapsed.TotalSeconds, cpu = (Cpu(tid) - cpu0) * 1e6 / 100;
        server.Stop();
        Console.WriteLine($"| {size} | {(zc ? "SENDMSG_ZC" : "SENDMSG")} | {n / secs:F0} | {cpu / n:F2} |");
    }

static long Cpu(int tid)
{
    var f = File.ReadAllText($"/proc/self/task/{tid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return long.Parse(f[11]) + long.Parse(f[12]); // utime + stime, in 1/100 s (CLK_TCK)
}

struct Echo : IDatagramApp { public Fate Process(Span<byte> p, ref int l) => Fate.Reply; }
CS
  echo "building the zero-copy comparison..." >&2
  dotnet build -c Release -v q -nologo "$WORK/zc/zc.csproj" -o "$WORK/zc/bin" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  echo "SENDMSG vs SENDMSG_ZC, loopback, 16 datagrams in flight, ${SECONDS_PER_RUN} s per run, each twice, interleaved"
  dotnet "$WORK/zc/bin/zc.dll" "$SECONDS_PER_RUN"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, kernel $(uname -r)"
  exit 0
fi

if [[ -n ${SYNTHEX:-} ]]; then
  SYNTHEX=(dotnet "$SYNTHEX")
else
  echo "building synthex (Release)..." >&2
  dotnet build -c Release -v q -nologo "$ROOT/src/Synthex.Dpdk.Cli/Synthex.Dpdk.Cli.csproj" -o "$WORK/bin" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
  SYNTHEX=(dotnet "$WORK/bin/synthex.dll")
fi

PORT=$(( 20000 + RANDOM % 20000 ))
TICKS=$(getconf CLK_TCK)

# utime+stime of a process, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_udp_listen() { # port
  for _ in $(seq 1 200); do
    if ss -Huln "sport = :$1" | grep -q .; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on udp port $1" >&2; return 1
}

start_server() { # name -> SERVER_PID, SERVER_LOG
  local name=$1
  SERVER_NAME=$name
  PORT=$(( PORT + 1 ))
  SERVER_LOG="$WORK/${name//\//-}-$PORT.log"
  REPORT="$WORK/${name//\//-}-$PORT.json"
  local spin=() exe=("${SYNTHEX[@]}")
  [[ $name == */block ]] && spin=(--spin-us 0)
  [[ $name == */before ]] && exe=(dotnet "$BEFORE")
  case $name in
    sockperf) taskset -c "$SERVER_CPU" sockperf server -i 127.0.0.1 -p "$PORT" --buffer-size 4194304 >"$SERVER_LOG" 2>&1 & ;;
    io-uring*|socket*)
      taskset -c "$SERVER_CPU" "${exe[@]}" run --app reflect --backend "${name%/*}" --listen "127.0.0.1:$PORT" \
        --workers 1 --stats-interval 0 --stats-json "$REPORT" "${spin[@]}" >"$SERVER_LOG" 2>&1 & ;;
  esac
  SERVER_PID=$!
  wait_udp_listen "$PORT"
  sleep 0.3 # let the server reach its receive loop
}

stop_server() { # -> SERVER_RX (datagrams the server received)
  # sockperf prints its totals on SIGINT only; a background job of a script ignores SIGINT and
  # .NET keeps it ignored, so synthex gets SIGTERM (same graceful stop and report).
  if [[ $SERVER_NAME == sockperf ]]; then kill -INT "$SERVER_PID"; else kill -TERM "$SERVER_PID"; fi
  wait "$SERVER_PID" || true
  SERVER_PID=""
  if [[ -f $REPORT ]]; then
    read -r SERVER_RX SERVER_SPUN < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); rx=d["totals"]["rx_packets"]; print(rx, d["ports"][0].get("xstats", {}).get("spin_hits", 0) / max(rx, 1))' "$REPORT")
    rm -f "$REPORT"
  else
    SERVER_RX=$(sed -n 's/.*Total \([0-9]*\) messages received.*/\1/p' "$SERVER_LOG" | tail -1)
    SERVER_SPUN=0
  fi
}

# run_load NAME MODE -> one result line in $WORK/results
run_load() {
  local name=$1 mode=$2 args
  case $mode in
    ping-pong)  args=(ping-pong) ;;
    under-load) args=(under-load --mps="$RATE" --reply-every=1) ;;
    max)        args=(under-load --mps=max --reply-every=1) ;;
  esac
  start_server "$name"
  local before after
  before=$(cpu_ticks "$SERVER_PID")
  taskset -c "$CLIENT_CPU" sockperf "${args[@]}" -i 127.0.0.1 -p "$PORT" -t "$SECONDS_PER_RUN" -m "$MSG" \
    >"$WORK/client.log" 2>&1 || { cat "$WORK/client.log" >&2; exit 1; }
  after=$(cpu_ticks "$SERVER_PID")
  stop_server
  python3 - "$WORK/client.log" "$name" "$mode" "$(( after - before ))" "$TICKS" "$SERVER_RX" "$SECONDS_PER_RUN" "$SERVER_SPUN" >>"$WORK/results" <<'PY'
import re, sys
log, name, mode, ticks, hz, rx, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6] or 0), float(sys.argv[7])
text = re.sub(r'\x1b\[[0-9;]*m', '', open(log).read())
m = re.search(r'\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)', text)
runtime, sent, received = float(m[1]), int(m[2]), int(m[3])
pct = {p: float(v) for p, v in re.findall(r'percentile (\d+\.\d+) =\s+([\d.]+)', text)}
dropped = int(re.search(r'# dropped messages = (\d+)', text)[1])
cpu = ticks / hz
spun = float(sys.argv[8])
print(f"{name}\t{mode}\t{received / runtime:.0f}\t{sent / runtime:.0f}\t{dropped}\t{pct.get('50.000', 0):.1f}\t{pct.get('99.000', 0):.1f}\t{pct.get('99.900', 0):.1f}\t{cpu:.2f}\t{rx / secs:.0f}\t{cpu / (rx / 1e6) if rx else 0:.2f}\t{spun:.2f}")
PY
}

: >"$WORK/results"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for mode in $LOADS; do
    for name in $SERVERS; do
      echo "  round $round: $mode against $name..." >&2
      run_load "$name" "$mode"
    done
  done
done
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

python3 - "$WORK/results" "$SECONDS_PER_RUN" "$MSG" "$ROUNDS" "$RATE" >"$WORK/table.md" <<'PY'
import statistics, sys
secs, msg, rounds, rate = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
runs = {}
for line in open(sys.argv[1]):
    r = line.rstrip('\n').split('\t')
    runs.setdefault((r[1], r[0]), []).append([float(x) for x in r[2:]])
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in runs.items()}
# columns: replies/s, sent/s, lost, p50, p99, p99.9, cpu s, server rx/s, cpu s per M, spun
# (spun: the share of datagrams a synthex worker's receive spin picked up, xstats spin_hits / rx)
print(f"sockperf client, {secs} s per run, {msg}-byte messages, median of {rounds} interleaved rounds; "
      f"under-load offers {rate} msg/s; server on its own CPU, 1 synthex worker\n")
print("| load | server | replies/s | sent/s | lost | p50 µs | p99 µs | p99.9 µs | server rx/s | server CPU s / M datagrams | replies/s vs sockperf | CPU/datagram vs sockperf | p99 vs sockperf | spun |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode in ("ping-pong", "under-load", "max"):
    b = med.get((mode, "sockperf"))
    for name in ("sockperf", "io-uring", "io-uring/before", "io-uring/block", "socket", "socket/before", "socket/block"):
        m = med.get((mode, name))
        if m is None or b is None: continue
        rps, sps, lost, p50, p99, p999, cpu, rxs, cpm, spun = m
        ratio = lambda x, y: f"{x / y:.2f}×" if y else "n/a"
        print(f"| {mode} | {name} | {rps:.0f} | {sps:.0f} | {lost:.0f} | {p50:.1f} | {p99:.1f} | {p999:.1f} | {rxs:.0f} | {cpm:.2f} | "
              f"{ratio(rps, b[0])} | {ratio(cpm, b[8])} | {ratio(p99, b[4])} | {spun:.2f} |")
PY
cat "$WORK/table.md"
echo
echo "load average: $LOAD_BEFORE before, $LOAD_AFTER after"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, kernel $(uname -r), $(sockperf --version 2>&1 | sed -n 's/.*version \([^ ]*\).*/sockperf \1/p' | head -1)"
if [[ -n $OUT ]]; then cp "$WORK/table.md" "$OUT"; fi
