#!/usr/bin/env bash
# Containment figures (issue 15; docs/benchmarks.md, "Containment"): 10,000 addresses blocked in
# one `firebreak block --via nftables` (and, for comparison, `--via iptables`), timed from its
# start until the kernel's set holds all 10,000, in a scratch network namespace.
#
#   scripts/bench-nftables.sh [--no-build] [--runs N]
#
# Each run blocks 10,000 addresses of 198.18.0.0/15 (the benchmarking range) on a fresh incident
# with one command — validate, refuse-check, write the table in one `nft -f -` transaction, record
# 10,000 `address_blocked` events in SQLite — then counts the set's elements; then unblocks them
# all (also timed). As a floor, the same table is also loaded by `nft -f` alone. Needs root,
# iproute2, nftables, iptables and ipset. Goal: 10,000 addresses in one nftables set ≤ 1 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=3
# shellcheck source=scripts/bench-args.sh
source scripts/bench-args.sh

dir=$(mktemp -d)
ns=fbbench$$
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }

export FIREBREAK_DATA_DIR=$dir/data FIREBREAK_USER=bench
unset FIREBREAK_CONFIG SSH_CONNECTION
"$fb" init >/dev/null
mapfile -t addrs < <(for ((i = 0; i < 10000; i++)); do echo "198.18.$((i / 250)).$((i % 250 + 1))"; done)

now() { date +%s.%N; }
elapsed() { echo "$1 $(now)" | awk '{ printf "%.3f\n", $2 - $1 }'; }
count() {
    case $1 in
        nftables) in_ns nft list set inet firebreak blocked4 | { grep -o '198\.18\.[0-9]*\.[0-9]*' || true; } | wc -l ;;
        iptables) in_ns ipset list firebreak4 | { grep '^198\.18\.' || true; } | wc -l ;;
    esac
}
# Median and max, then every run in order: each run adds 20,000 events to the journal that the
# next one folds, so later runs are slower (see docs/benchmarks.md).
summary() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "median %.3f s, max %.3f s (%d runs)", a[int((NR + 1) / 2)], a[NR], NR }'
    printf '; in order: %s' "$*"
}

for via in nftables iptables; do
    blocks=() unblocks=()
    for ((r = 0; r < runs; r++)); do
        id=$("$fb" --json declare "bench $via $r" --sev P3 | sed -n 's/.*"id": *"\(INC-[^"]*\)".*/\1/p' | head -n1)
        start=$(now)
        in_ns "$fb" block "${addrs[@]}" --incident "$id" --reason bench --ttl 1h --via "$via" >/dev/null 2>&1
        n=$(count "$via")
        blocks+=("$(elapsed "$start")")
        [[ $n == 10000 ]] || { echo "$via holds $n elements, not 10000" >&2; exit 1; }
        start=$(now)
        in_ns "$fb" unblock "${addrs[@]}" --via "$via" >/dev/null
        unblocks+=("$(elapsed "$start")")
        n=$(count "$via")
        [[ $n == 0 ]] || { echo "$via still holds $n elements after unblock" >&2; exit 1; }
    done
    echo "$via: block 10,000 → all in the kernel set: $(summary "${blocks[@]}")"
    echo "$via: unblock 10,000:                      $(summary "${unblocks[@]}")"
done

# The floor: the same table through nft alone.
{
    echo "add table inet floor"
    echo "delete table inet floor"
    echo "table inet floor { set s { type ipv4_addr; flags interval, timeout; elements = {"
    printf '%s timeout 3600s,\n' "${addrs[@]:1}"
    echo "${addrs[0]} timeout 3600s"
    printf "}\n}\n}\n"
} >"$dir/floor.nft"
floor=()
for ((r = 0; r < runs; r++)); do
    start=$(now)
    in_ns nft -f "$dir/floor.nft"
    floor+=("$(elapsed "$start")")
done
echo "nft -f alone, same 10,000 elements: $(summary "${floor[@]}")"
echo "$(nft --version), $(ipset --version | head -n1), kernel $(uname -r)"
