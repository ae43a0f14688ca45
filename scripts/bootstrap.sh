#!/usr/bin/env bash
# bootstrap.sh — bring a fresh Debian 12 machine (with only the .NET SDK) to a built Synthex.
#
# Idempotent: each step checks first and does nothing when its work is already done.
#   1. Debian packages: DPDK 22.11 (libdpdk-dev, dpdk-dev for dpdk-testpmd), pkg-config, a C
#      toolchain, libclang for the binding generator, tshark (the tests' independent pcap
#      reader), sockperf (the OS fallback's UDP peer), iproute2 (network namespaces), iputils-ping (ping and ping -6 at the endpoint),
#      python3 (a test's UDP client inside a namespace), python3-numpy (a .npy written by numpy.save
#      for the similarity loader test), util-linux (setpriv for unprivileged runs), gnuplot-nox (scripts/soak.sh's plot).
#   2. Hugepages (as root): ./hugepages-setup.sh, only when fewer are free than the tests need;
#      dotnet-counters from NuGet into artifacts/tools/ (scripts/counters.sh and its test).
#   3. The native shim: make -C native (make rebuilds only what changed).
#   4. The .NET solution in Release (incremental).
#   5. Only with --aot (or SYNTHEX_BUILD=aot): the Native AOT executable, artifacts/aot/synthex
#      (scripts/publish-aot.sh: several CPU-minutes of ILC; the JIT build stays what the README runs,
#      docs/BENCHMARKS.md "Static TLS and Native AOT" says why).
# Options: --no-build skips 3, 4 and 5; --no-hugepages skips 2; --aot adds 5; SYNTHEX_SKIP_APT=1 skips 1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build=1 hugepages=1 aot=0
[[ ${SYNTHEX_BUILD:-jit} == aot ]] && aot=1
for arg in "$@"; do
    case $arg in
    --no-build) build=0 ;;
    --no-hugepages) hugepages=0 ;;
    --aot) aot=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bootstrap.sh: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

log() { printf '[bootstrap] %s\n' "$*"; }

# ---- 1. packages ---------------------------------------------------------------------------
packages=(libdpdk-dev dpdk-dev pkg-config build-essential libclang1-14 libclang-common-14-dev tshark sockperf
    iproute2 iputils-ping util-linux procps python3 python3-numpy gnuplot-nox)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})) && [[ ${SYNTHEX_SKIP_APT:-0} != 1 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "bootstrap.sh: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
        exit 3
    fi
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture: answer no, without a prompt.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    log "packages installed"
else
    log "packages: all present"
fi

# ---- 2. hugepages --------------------------------------------------------------------------
if ((hugepages)) && [[ $(id -u) -eq 0 ]]; then
    if ./hugepages-setup.sh --check 256 >/dev/null 2>&1; then
        log "hugepages: $(./hugepages-setup.sh --check 256)"
    else
        ./hugepages-setup.sh | sed 's/^/[bootstrap] /'
    fi
elif ((hugepages)); then
    log "hugepages: not root, left as they are ($(./hugepages-setup.sh --check 2>&1 || true))"
fi

# ---- dotnet-counters (a test and scripts/counters.sh read the Synthex meter with it) -------------
if [[ -x artifacts/tools/dotnet-counters ]]; then
    log "dotnet-counters: present"
else
    log "dotnet-counters: dotnet tool install --tool-path artifacts/tools dotnet-counters"
    dotnet tool install --tool-path artifacts/tools dotnet-counters >/dev/null
fi

# ---- 3 and 4. native shim and .NET solution ------------------------------------------------
if ((build)); then
    log "native shim: make -C native"
    make -s -C native
    log "dotnet build (Release)"
    dotnet build Synthex.Dpdk.sln -c Release -nologo -v q -clp:ErrorsOnly
    log "built"
fi
if ((build && aot)); then
    log "Native AOT: scripts/publish-aot.sh (several CPU-minutes)"
    scripts/publish-aot.sh "$root/artifacts/aot" | sed 's/^/[bootstrap] /'
fi
