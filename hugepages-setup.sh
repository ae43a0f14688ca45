#!/usr/bin/env bash
# hugepages-setup.sh — reserve, check or release the hugepages DPDK needs.
#
# DPDK's mempools live in hugepages. This is the appliance's own entry point for them, modelled
# on DPDK's dpdk-hugepages.py: it reserves 2 MiB pages (and optionally 1 GiB pages), mounts
# hugetlbfs where it is missing, and prints what it did and the resulting state. It is
# idempotent: asking for what is already there changes nothing.
set -euo pipefail

readonly SYSFS=/sys/kernel/mm/hugepages
readonly MOUNT_POINT=/dev/hugepages
DEFAULT_2M_PAGES=1024 # 2 GiB: room for several DPDK processes at once (tests, a testpmd peer)
DEFAULT_MIN_FREE=64   # 128 MiB: what one synthex run with default pools needs

usage() {
    cat <<EOF
Usage: ./hugepages-setup.sh [PAGES] [--1g N] [--check [MIN]] [--release] [--status] [--help]

Reserve hugepages for DPDK and mount hugetlbfs.

  ./hugepages-setup.sh            reserve $DEFAULT_2M_PAGES x 2 MiB pages (2 GiB) and mount $MOUNT_POINT
  ./hugepages-setup.sh 512        reserve 512 x 2 MiB pages
  ./hugepages-setup.sh --1g 2     also reserve 2 x 1 GiB pages (where the CPU and kernel offer them)
  ./hugepages-setup.sh --check    exit 0 when at least $DEFAULT_MIN_FREE free 2 MiB pages exist, else 1
                                  with a one-line reason (no root needed)
  ./hugepages-setup.sh --check 256  same, with another minimum
  ./hugepages-setup.sh --release  give every 2 MiB and 1 GiB page back to the kernel
  ./hugepages-setup.sh --status   print the current state only

Reserving and releasing need root. Pages are reserved system-wide (not per NUMA node); a
reservation can come out smaller than asked when memory is fragmented: the script says so.
EOF
}

pages_file() { echo "$SYSFS/hugepages-$1kB/$2"; }
read_pages() { local f; f=$(pages_file "$1" "$2"); [[ -r $f ]] && cat "$f" || echo 0; }

status() {
    local size label
    for size in 2048 1048576; do
        [[ -d $SYSFS/hugepages-${size}kB ]] || continue
        label=$([[ $size == 2048 ]] && echo "2 MiB" || echo "1 GiB")
        printf '  %-6s pages: total %5s  free %5s  reserved-by-processes %s\n' "$label" \
            "$(read_pages $size nr_hugepages)" "$(read_pages $size free_hugepages)" \
            "$(read_pages $size resv_hugepages)"
    done
    if mountpoint -q "$MOUNT_POINT" 2>/dev/null || grep -qs " $MOUNT_POINT hugetlbfs " /proc/mounts; then
        echo "  hugetlbfs: mounted on $MOUNT_POINT"
    elif grep -qs hugetlbfs /proc/mounts; then
        echo "  hugetlbfs: mounted on $(awk '$3=="hugetlbfs"{print $2; exit}' /proc/mounts)"
    else
        echo "  hugetlbfs: not mounted"
    fi
}

require_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "hugepages-setup.sh: $1 needs root; run: sudo $0 $2" >&2
        exit 1
    fi
}

reserve() { # size_kb pages
    local size=$1 want=$2 file got
    file=$(pages_file "$size" nr_hugepages)
    if [[ ! -w $file && ! -e $file ]]; then
        echo "hugepages-setup.sh: this kernel offers no $((size / 1024)) MiB pages ($file missing)" >&2
        return 1
    fi
    got=$(cat "$file")
    if (( got >= want )); then
        echo "$((size / 1024)) MiB pages: $got already reserved (asked $want): nothing to do"
        return 0
    fi
    echo "$want" >"$file"
    got=$(cat "$file")
    if (( got < want )); then
        echo "$((size / 1024)) MiB pages: asked $want, the kernel gave $got (memory fragmented or short)" >&2
    else
        echo "$((size / 1024)) MiB pages: reserved $got (was fewer)"
    fi
}

mount_hugetlbfs() {
    if grep -qs hugetlbfs /proc/mounts; then
        return 0
    fi
    mkdir -p "$MOUNT_POINT"
    mount -t hugetlbfs nodev "$MOUNT_POINT"
    echo "mounted hugetlbfs on $MOUNT_POINT"
}

check() { # min_free
    local min=$1 free total
    free=$(read_pages 2048 free_hugepages)
    total=$(read_pages 2048 nr_hugepages)
    if ! grep -qs hugetlbfs /proc/mounts; then
        echo "too few hugepages: hugetlbfs is not mounted; run: sudo ./hugepages-setup.sh" >&2
        exit 1
    fi
    if (( free < min )); then
        echo "too few hugepages: $free free of $total 2 MiB pages, need $min; run: sudo ./hugepages-setup.sh" >&2
        exit 1
    fi
    echo "ok: $free free of $total 2 MiB pages (need $min), hugetlbfs mounted"
}

release() {
    local size file
    for size in 2048 1048576; do
        file=$(pages_file "$size" nr_hugepages)
        [[ -w $file ]] || continue
        echo 0 >"$file"
    done
    echo "released hugepages (pages still mapped by running processes stay until they exit)"
}

main() {
    local pages=$DEFAULT_2M_PAGES gig=0 action=reserve min=$DEFAULT_MIN_FREE
    while (($#)); do
        case $1 in
        -h | --help) usage; exit 0 ;;
        --check) action=check
            if [[ ${2:-} =~ ^[0-9]+$ ]]; then min=$2; shift; fi ;;
        --release) action=release ;;
        --status) action=status ;;
        --1g) [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "hugepages-setup.sh: --1g needs a page count" >&2; exit 2; }
            gig=$2; shift ;;
        *) [[ $1 =~ ^[0-9]+$ ]] || { echo "hugepages-setup.sh: unknown argument '$1' (see --help)" >&2; exit 2; }
            pages=$1 ;;
        esac
        shift
    done

    case $action in
    status) status ;;
    check) check "$min" ;;
    release)
        require_root "releasing hugepages" "--release"
        release
        status ;;
    reserve)
        require_root "reserving hugepages" "$pages"
        reserve 2048 "$pages"
        if ((gig > 0)); then reserve 1048576 "$gig" || true; fi
        mount_hugetlbfs
        echo "state:"
        status ;;
    esac
}

main "$@"
