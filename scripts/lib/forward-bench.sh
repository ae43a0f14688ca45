# scripts/lib/forward-bench.sh — what the forwarding benchmarks against dpdk-testpmd share, sourced
# by bench-forward.sh (rates) and profile-forward.sh (where the cycles go). Sourced, not run.
#
#   testpmd_mode MODE   testpmd's --forward-mode for one of ours: l2fwd -> mac (peer MAC as
#                       destination, the port's own as source), io-packets -> io, others as is
#   synthex_mode MODE   sets sx_mode and sx_extra (an array) for `synthex run --app forward --mode
#                       "$sx_mode" "${sx_extra[@]}"`: io-packets is io with --count-bytes false
#                       (packets counted alone, what testpmd's io mode counts)
#   median              the median of the numbers on stdin, one per line

testpmd_mode() {
    case $1 in
        l2fwd) echo mac ;;
        io-packets) echo io ;;
        *) echo "$1" ;;
    esac
}

synthex_mode() {
    sx_mode=$1 sx_extra=()
    if [[ $1 == io-packets ]]; then sx_mode=io sx_extra=(--count-bytes false); fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
