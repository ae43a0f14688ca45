#!/usr/bin/env bash
# publish-aot.sh — the Native AOT build of synthex (issue 16's candidate (b)), beside the JIT one.
#
# Builds the native shim (make -C native), then
#   dotnet publish src/Synthex.Dpdk.Cli -c Release -r linux-x64 -p:PublishAot=true
# into OUT (default artifacts/aot): one executable `synthex` with the shim beside it. The settings
# are in src/Synthex.Dpdk.Cli/NativeAot.targets: this CPU's instruction set (IlcInstructionSet=native,
# so the SIMD kernels take v256 here), EventSource kept (dotnet-counters), and the shim and
# librte_* linked in (DirectPInvoke: DT_NEEDED, so DPDK is loaded at start and its TLS is static).
# Then checks what it built: `synthex info`, readelf's NEEDED/RUNPATH, and counts ILC's
# trimming/AOT warnings (the whole log is kept in OUT/publish.log).
#
# ILC's code generation takes several CPU-minutes: the whole publish took 15 min of wall time on
# the 2-vCPU VM at load 6-22, 5.6 min at load 7-12 (docs/BENCHMARKS.md, "Static TLS and Native
# AOT"), so it is not part of scripts/bootstrap.sh unless asked for (--aot, or SYNTHEX_BUILD=aot).
#
# Usage: scripts/publish-aot.sh [OUT (default artifacts/aot)] [extra dotnet publish arguments...]
#   e.g. scripts/publish-aot.sh /tmp/aot -p:IlcInstructionSet=x86-64-v3   (for another machine)
#        scripts/publish-aot.sh /tmp/aot-dlopen -p:SynthexDirectLink=false (shim dlopen'ed lazily,
#                                                                           runs without DPDK)
# Run the result as the JIT build is run: OUT/synthex run ...; the tests pick it up from
# artifacts/aot (AotBuildTests) when it is there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${1:-$root/artifacts/aot}
shift || true
mkdir -p "$out"
out=$(cd "$out" && pwd)
log=$out/publish.log

make -s -C native
start=$(date +%s)
echo "publish-aot.sh: dotnet publish (Native AOT) into $out; log: $log (several CPU-minutes of ILC)" >&2
status=0
dotnet publish src/Synthex.Dpdk.Cli -c Release -r linux-x64 -p:PublishAot=true -nologo -o "$out" "$@" >"$log" 2>&1 || status=$?
seconds=$(($(date +%s) - start))
# ILC's warnings, one per line and code (a warning is printed once per project that sees it).
warnings=$(grep -oE 'warning (IL[0-9]+|CS[0-9]+)[^[]*' "$log" | sort -u || true)
if ((status != 0)); then
    tail -n 30 "$log" >&2
    echo "publish-aot.sh: dotnet publish failed ($status) after ${seconds}s; see $log" >&2
    exit "$status"
fi
echo "publish-aot.sh: built $out/synthex in ${seconds}s; $(printf '%s' "$warnings" | grep -c . || true) distinct AOT/trimming warnings"
[[ -n $warnings ]] && printf '  %s\n' "$warnings" | cut -c1-200
echo "publish-aot.sh: $(stat -c %s "$out/synthex" | awk '{ printf "%.1f MB", $1 / 1e6 }'); NEEDED/RUNPATH:"
readelf -d "$out/synthex" | grep -E 'NEEDED|RUNPATH|RPATH' | sed 's/^ */  /'
"$out/synthex" info | sed 's/^/  /'
