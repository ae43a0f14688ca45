#!/usr/bin/env bash
# counters.sh — watch a running synthex's `Synthex` meter with dotnet-counters (the .NET runtime's
# own EventPipe client: no --metrics endpoint needed, works for every backend).
#
#   scripts/counters.sh [--name NAME] [--run-dir DIR]                 live view (dotnet-counters monitor)
#   scripts/counters.sh [--name NAME] [--run-dir DIR] collect ARGS... to a file, e.g.
#       collect --format csv -o synthex.csv --duration 00:00:00:10
#   scripts/counters.sh --install                                     only install dotnet-counters
#
# The instance is found as `synthex status` finds it (its control socket: --name, --run-dir;
# without --name the only one running), and its pid read from `synthex status --json`, because
# `dotnet synthex.dll` runs as a process named "dotnet" (dotnet-counters -n cannot tell it apart).
# dotnet-counters is installed once from NuGet into artifacts/tools/ (`dotnet tool install`)
# unless it is on PATH. Counters: synthex.rx.packets, synthex.drops, synthex.mbuf.in_use,
# synthex.service.latency.seconds.*, ... (README, "Operating synthex").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/artifacts/tools"

status_args=() mode=monitor install_only=0
while (($#)); do
    case $1 in
    --name | --run-dir) status_args+=("$1" "$2"); shift 2 ;;
    --install) install_only=1; shift ;;
    collect) mode=collect; shift; break ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "counters.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

counters=$(command -v dotnet-counters || true)
if [[ -z $counters ]]; then
    counters="$tools/dotnet-counters"
    if [[ ! -x $counters ]]; then
        echo "counters.sh: installing dotnet-counters into $tools" >&2
        dotnet tool install --tool-path "$tools" dotnet-counters >&2
    fi
fi
((install_only)) && { echo "$counters"; exit 0; }

synthex=(dotnet "$root/src/Synthex.Dpdk.Cli/bin/Release/net10.0/synthex.dll")
[[ -f ${synthex[1]} ]] || { echo "counters.sh: build first: dotnet build -c Release src/Synthex.Dpdk.Cli" >&2; exit 3; }
json=$("${synthex[@]}" status "${status_args[@]}" --json) || exit $?
pid=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, list): sys.exit("counters.sh: several instances run (" + ", ".join(x["name"] for x in d) + "): give --name")
print(d["pid"])') || exit 2
echo "counters.sh: synthex pid $pid" >&2
exec "$counters" "$mode" -p "$pid" --counters Synthex "$@"
