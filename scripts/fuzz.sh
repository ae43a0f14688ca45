#!/usr/bin/env bash
# fuzz.sh TARGET MINUTES — fuzz one target with AFL++ through SharpFuzz, then print executions,
# paths and findings. Findings are replayed through the target so each can become a regression
# test (copy the file into the target's corpus/ and it is replayed in CI).
#
# Targets: protocol (the wire codec: tests/Synthex.Protocol.Fuzz; instrumented assembly
# Synthex.Protocol.dll); frame (packet parser, flow hash, the UDP endpoint + reflect on the
# in-memory port), matrix (the .npy/.fvecs loader), config (JSON config + options) and service (a
# datagram through the consensus and similarity services behind the endpoint): all four in
# tests/Synthex.Dpdk.Fuzz, instrumenting Synthex.Dpdk.dll (and synthex.dll, the CLI's binder, for
# config; Synthex.Protocol.dll, the codec, for service), seeds in its corpus/TARGET. Output in artifacts/fuzz/TARGET/
# (findings/default/{queue,crashes,hangs}).
# Needs afl++ (Debian package) and the SharpFuzz.CommandLine tool (installed into
# artifacts/tools when missing).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() { echo "usage: scripts/fuzz.sh protocol|frame|matrix|config|service MINUTES" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
target=$1 minutes=$2
[[ $minutes =~ ^[0-9]+$ && $minutes -gt 0 ]] || { echo "fuzz.sh: MINUTES must be a positive integer, got '$minutes'" >&2; exit 2; }

case $target in
    protocol)
        project=tests/Synthex.Protocol.Fuzz
        dll=synthex-protocol-fuzz.dll
        instrument=(Synthex.Protocol.dll)
        corpus=$project/corpus
        run_args=()
        replay_args=(replay)
        ;;
    frame|matrix|config|service)
        project=tests/Synthex.Dpdk.Fuzz
        dll=synthex-dpdk-fuzz.dll
        instrument=(Synthex.Dpdk.dll)
        [[ $target == config ]] && instrument+=(synthex.dll)
        [[ $target == service ]] && instrument+=(Synthex.Protocol.dll)
        corpus=$project/corpus/$target
        run_args=("$target")
        replay_args=(replay "$target")
        ;;
    *) echo "fuzz.sh: unknown target '$target' (known: protocol, frame, matrix, config, service)" >&2; exit 2 ;;
esac

# afl++ is not needed by the tests (CI replays the corpora), so bootstrap.sh leaves it out; install it here.
if ! command -v afl-fuzz >/dev/null; then
    echo "fuzz.sh: installing afl++ (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ >/dev/null \
        || { echo "fuzz.sh: afl-fuzz not found and 'apt-get install afl++' failed (run as root, or install it)" >&2; exit 3; }
fi
sharpfuzz=$root/artifacts/tools/sharpfuzz
if [[ ! -x $sharpfuzz ]]; then
    dotnet tool install --tool-path "$root/artifacts/tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

out=$root/artifacts/fuzz/$target
rm -rf "$out/bin"
mkdir -p "$out"
dotnet build "$project" -c Release -nologo -v q -clp:ErrorsOnly
# Instrument a copy: the tests keep using the plain build.
cp -r "$project/bin/Release/net10.0" "$out/bin"
for assembly in "${instrument[@]}"; do "$sharpfuzz" "$out/bin/$assembly"; done

# The runtime is not an AFL-instrumented binary (SharpFuzz instruments the IL), so AFL's binary
# check is skipped; crashes are exceptions, reported through SharpFuzz's forkserver, not cores.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1 DOTNET_TieredPGO=0
resume=-
[[ -d $out/findings/default/queue ]] || resume=$corpus
echo "fuzz.sh: $target for $minutes min, corpus $resume, output $out/findings"
afl-fuzz -i "$resume" -o "$out/findings" -t 5000 -m none -V $((minutes * 60)) \
    -- dotnet "$out/bin/$dll" "${run_args[@]}" > "$out/afl.log" 2>&1 || { tail -n 30 "$out/afl.log" >&2; exit 1; }

stats=$out/findings/default/fuzzer_stats
get() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(find "$out/findings/default/crashes" -type f -name 'id:*' | wc -l)
hangs=$(find "$out/findings/default/hangs" -type f -name 'id:*' | wc -l)
echo "fuzz.sh: $target: $(get execs_done) executions in $(get run_time) s ($(get execs_per_sec)/s)," \
     "$(get corpus_count) paths, $(get bitmap_cvg) map coverage, $crashes crashes, $hangs hangs"
if ((crashes > 0)); then
    for f in "$out"/findings/default/crashes/id:*; do
        dotnet "$project/bin/Release/net10.0/$dll" "${replay_args[@]}" "$(dirname "$f")" 2>&1 | tail -n 3 || true
        break
    done
    exit 1
fi
