#!/usr/bin/env bash
# Regenerates everything that comes from the DPDK headers, in place, then builds the shim:
#   bindings/Synthex.Dpdk.Bindings/Generated/      C# structs, enums, constants, [LibraryImport]s
#   native/generated/                              the shim's C (sx_inline.*, sx_layout.*)
#   tests/Synthex.Dpdk.Bindings.Tests/Generated/   layout tests
# from bindings/dpdk.rsp. Deterministic: on a clean checkout `git status` stays clean
# (CI: scripts/generate-bindings.sh && git diff --exit-code).
# Needs: the .NET SDK, libdpdk-dev + pkg-config, libclang1-14 + libclang-common-14-dev, make, cc.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

dotnet build bindings/Synthex.Dpdk.BindingGen -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bindings/Synthex.Dpdk.BindingGen/bin/Release/net10.0/Synthex.Dpdk.BindingGen.dll "$root" bindings/dpdk.rsp
make -C native --no-print-directory
