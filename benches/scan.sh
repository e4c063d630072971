#!/usr/bin/env bash
# `firebreak scan` with every built-in rule over a large generated nginx combined log from the
# page cache: one thread (lines matched and counted in turn) and two threads (blocks matched on
# worker threads, windows counted in line order on the main thread). Also checks that both
# print the same report. Figures go in docs/benchmarks.md.
#
#   benches/scan.sh [SIZE]          (default 1G; any size genlog takes: 200M, 1G, …)
#
# PROFILE picks the cargo profile (default release; `profiling` is release with line tables,
# for perf). Needs GNU time (Debian package `time`). Generated logs are kept in $BENCH_DIR
# (default /var/tmp/firebreak-bench) for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size="${1:-1G}"
profile="${PROFILE:-release}"
dir="${BENCH_DIR:-/var/tmp/firebreak-bench}"
runs="${RUNS:-3}"
if ! [ -x /usr/bin/time ]; then
    echo "scan bench: needs /usr/bin/time (Debian package time)" >&2
    exit 1
fi
# Two commands: with --example alone cargo builds only genlog, not the binary being timed.
cargo build --profile "$profile" --locked -q -p firebreak --bin firebreak
cargo build --profile "$profile" --locked -q -p firebreak-detect --example genlog
target="${CARGO_TARGET_DIR:-$PWD/target}/$profile"
bin="$target/firebreak"
gen="$target/examples/genlog"
mkdir -p "$dir"
log="$dir/access-$size.log"
if [ ! -s "$log" ]; then
    "$gen" --size "$size" --seed 7 > "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null # into the page cache
echo "== scan, every built-in rule, $log ($bytes bytes), load average $(cut -d' ' -f1-3 /proc/loadavg)"

report() { "$bin" scan --json --threads "$1" "$log"; }
if ! cmp -s <(report 1) <(report 2); then
    echo "scan bench: --threads 1 and --threads 2 printed different reports" >&2
    exit 1
fi
echo "--threads 1 and --threads 2 print the same report"

for threads in 1 2; do
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" "$bin" scan --json --threads "$threads" "$log" 2>&1 >/dev/null |
            tail -n 1 |
            awk -v b="$bytes" -v t="$threads" \
                '{ printf "--threads %s: %6.2f s wall (%5.2f s user, %4.2f s sys, %d KiB peak)  %5.0f MB/s\n", t, $1, $2, $3, $4, b / $1 / 1e6 }'
    done
done
