#!/usr/bin/env bash
# bench-consensus.sh [ROUNDS (default 3)] [FLOATS (default 64,256,1024)] — the consensus service
# against reflect, side by side (docs/BENCHMARKS.md, "Consensus service vs reflect").
#
# Both behind the UDP endpoint on the in-memory port (no NIC, no DPDK), the real FrameWorker
# poll loop, fed the same IPv4 contribution frames in bursts of 32 with fresh round ids:
# target 1 (each contribution completes its chunk, answered in place — the shape of an echo)
# and target 4 (three absorbed and originated, one answered in place). Per line: the feed's own
# cost (the frame copied into a pool packet), packets/s and ns/packet for each, the ratio raw
# and with the feed taken out of both (goal >= 0.9), and the service's aggregated payload in
# GB/s per core. Then the consensus kernel alone on the same chunks, from DRAM, a streaming
# copy (the memory bound) and SwitchML's published per-job rate as the hardware anchor.
# ROUNDS separate processes, one after the other (a shared VM: compare within a round).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
rounds=${1:-3}
floats=${2:-64,256,1024}
dotnet build tests/Synthex.Dpdk.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
bench=tests/Synthex.Dpdk.Benchmarks/bin/Release/net10.0/Synthex.Dpdk.Benchmarks

for ((r = 1; r <= rounds; r++)); do
    echo "=== round $r of $rounds ($(date -u +%H:%M:%SZ), uptime:$(uptime | sed 's/.*load average/ load average/'))"
    "$bench" consensus --floats "$floats"
done
