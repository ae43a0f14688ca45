#!/usr/bin/env bash
# test.sh — the README's test command: set up everything (scripts/bootstrap.sh), then run every
# test project of the solution in Release and print one closing line "N passed, N failed".
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Checksum").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/bootstrap.sh

results=$root/artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

status=0
dotnet test Synthex.Dpdk.sln -c Release --no-build -nologo \
    --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line over every project, from the TRX files (the per-project lines scroll by).
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
    [[ -e $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    # A skipped xunit test is in "total" but not "executed"; the TRX's notExecuted stays 0 for it.
    t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
    e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if ((passed + failed == 0)); then
    echo "test.sh: no test ran" >&2
    status=1
fi
((failed == 0)) || status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
