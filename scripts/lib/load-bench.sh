# scripts/lib/load-bench.sh — what the `synthex load` benchmarks share, sourced by
# bench-load.sh, bench-consensus-load.sh, bench-similarity-load.sh and bench-auth.sh (not run on its own).
# The caller sets `set -euo pipefail` and calls `load_bench_init NAME` after parsing its options.
#
# It provides: ROOT, SYNTHEX (the built CLI, or exit 3 with the command that builds it),
# WORK (a temporary folder removed at exit), SERVER_PID (the server under test: set it after
# starting one; it is stopped at exit), SERVER_CPU / CLIENT_CPU (server on CPU 0, the load on
# CPU 1 where there are two, so neither steals the other's core), and the helpers below.

load_bench_init() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
  SYNTHEX="$ROOT/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex"
  [[ -x $SYNTHEX ]] || { echo "build first: dotnet build Synthex.Dpdk.sln -c Release" >&2; exit 3; }
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  SERVER_PID=""
  trap load_bench_cleanup EXIT
  local ncpu
  ncpu=$(nproc)
  SERVER_CPU=0
  CLIENT_CPU=$(( ncpu > 1 ? 1 : 0 ))
}

load_bench_cleanup() {
  stop_server
  rm -rf "$WORK"
}

# Stops the server under test (TERM, so synthex writes its summary) and waits for it.
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# Waits up to TENTHS tenths of a second for synthex's "running" line in LOG; exits 1 showing the
# log if it never comes.
wait_running() {
  local log=$1 tenths=${2:-100}
  for _ in $(seq 1 "$tenths"); do grep -q "synthex: running" "$log" && return; sleep 0.1; done
  echo "server did not start:" >&2; cat "$log" >&2; exit 1
}

# A UDP port on 127.0.0.1 that nothing holds right now.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# json FILE EXPR: evaluates a Python expression over the JSON document in FILE, bound to `r`.
json() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# random_npy PATH ROWS DIM: a random ROWS x DIM float32 matrix as .npy (C order), written without
# numpy; the same seed every time, so runs compare.
random_npy() {
  /usr/bin/python3 - "$@" <<'PY'
import random, struct, sys
path, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
rng = random.Random(7)
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
    for _ in range(n):
        f.write(struct.pack("<%df" % d, *(rng.uniform(-1, 1) for _ in range(d))))
PY
}

machine_line() { echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }
