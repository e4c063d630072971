#!/usr/bin/env bash
# `firebreak triage` of a large nginx combined log from the page cache, side by side with what
# a responder would otherwise run on the same file: the classic top-addresses pipeline
# (`LC_ALL=C awk '{print $1}' | sort | uniq -c | sort -rn | head`) and GoAccess. Also: how fast
# the committed generator writes the log, and triage's peak memory with few and with millions of
# distinct addresses. Then the hard cases side by side with the default log: a `--wide` log
# (300,000 clients, a third of them bots, long tracking query strings) and the same traffic as
# JSON lines in nginx's (`escape=json`), Caddy's and Traefik's shapes. Figures go in
# docs/benchmarks.md.
#
#   benches/triage.sh [SIZE]        (default 1G; any size genlog takes: 200M, 1G, …)
#
# PROFILE picks the cargo profile (default release; `profiling` keeps line tables for perf);
# binaries are found under CARGO_TARGET_DIR (default target/). SKIP_TOOLS=1 leaves out awk and
# GoAccess (the hard cases only need firebreak).
#
# Needs hyperfine, goaccess and GNU time (Debian packages `hyperfine`, `goaccess`, `time`;
# installed with apt-get when run as root). Generated logs are kept in $BENCH_DIR
# (default /var/tmp/firebreak-bench) for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size="${1:-1G}"
dir="${BENCH_DIR:-/var/tmp/firebreak-bench}"
have() { command -v "$1" >/dev/null 2>&1; }
tools="hyperfine /usr/bin/time"
[ "${SKIP_TOOLS:-0}" = 1 ] || tools="$tools goaccess"
for tool in $tools; do
    if ! have "$tool"; then
        if [ "$(id -u)" = 0 ] && have apt-get; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine goaccess time >/dev/null
            break
        fi
        echo "triage bench: needs $tool" >&2
        exit 1
    fi
done
profile="${PROFILE:-release}"
cargo build --profile "$profile" --locked -q -p firebreak --bin firebreak
cargo build --profile "$profile" --locked -q -p firebreak-detect --example genlog
target="${CARGO_TARGET_DIR:-$PWD/target}/$profile"
bin="$target/firebreak"
gen="$target/examples/genlog"
mkdir -p "$dir"
log="$dir/access-$size.log"
wide="$dir/access-$size-clients.log"

mb() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'; }
seconds() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -n 1; }

echo "== generator (seed 7, $size)"
if [ ! -s "$log" ]; then
    t=$(seconds sh -c "'$gen' --size '$size' --seed 7 > '$log'")
    echo "wrote $(stat -c %s "$log") bytes in ${t}s ($(mb "$(stat -c %s "$log")" "$t"))"
else
    echo "reusing $log"
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null # into the page cache

per_second() {
    python3 - "$1" "$2" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
sizes = [int(s) for s in sys.argv[2].split(",")]
for r, size in zip(runs, sizes):
    print(f'{r["command"]:45} {r["mean"]:7.2f} s ± {r["stddev"]:.2f}  {size / r["mean"] / 1e6:7.0f} MB/s')
PY
}

echo "== hard cases: wide traffic and JSON lines (load average $(cut -d' ' -f1-3 /proc/loadavg))"
hard_wide="$dir/access-$size-wide.log"
nginx_json="$dir/access-$size-nginx.jsonl"
caddy_json="$dir/access-$size-caddy.jsonl"
traefik_json="$dir/access-$size-traefik.jsonl"
[ -s "$hard_wide" ] || "$gen" --size "$size" --seed 7 --wide > "$hard_wide"
[ -s "$nginx_json" ] || "$gen" --size "$size" --seed 7 --json nginx > "$nginx_json"
[ -s "$caddy_json" ] || "$gen" --size "$size" --seed 7 --json caddy > "$caddy_json"
[ -s "$traefik_json" ] || "$gen" --size "$size" --seed 7 --json traefik > "$traefik_json"
sizes=""
cmds=()
for f in "$log" "$hard_wide" "$nginx_json" "$caddy_json" "$traefik_json"; do
    cat "$f" >/dev/null
    for threads in 2 1; do
        cmds+=(-n "$(basename "$f") ($threads thread$([ "$threads" = 1 ] || echo s))"
            "$bin triage --quiet --threads $threads --json '$f' >/dev/null")
        sizes="$sizes${sizes:+,}$(stat -c %s "$f")"
    done
done
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-json "$dir/triage-hard.json" "${cmds[@]}" >/dev/null
per_second "$dir/triage-hard.json" "$sizes"
if [ "${SKIP_TOOLS:-0}" = 1 ]; then
    exit 0
fi

echo "== side by side on $log ($bytes bytes)"
hyperfine --warmup 1 --runs 5 --export-json "$dir/triage.json" \
    -n "firebreak triage (2 threads)" "$bin triage --quiet --threads 2 --json '$log' >/dev/null" \
    -n "firebreak triage (1 thread)" "$bin triage --quiet --threads 1 --json '$log' >/dev/null" \
    -n "awk | sort | uniq -c (top addresses only)" \
    "LC_ALL=C awk '{print \$1}' '$log' | LC_ALL=C sort | uniq -c | sort -rn | head >/dev/null"
python3 - "$dir/triage.json" "$bytes" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
base = runs[0]["mean"]
for r in runs:
    print(f'{r["command"]:45} {r["mean"]:7.2f} s ± {r["stddev"]:.2f}  {size / r["mean"] / 1e6:7.0f} MB/s  {r["mean"] / base:6.1f}× firebreak')
PY

echo "== GoAccess (one run; it is slow)"
t=$(seconds goaccess "$log" --log-format=COMBINED -o "$dir/goaccess.json" --no-progress)
echo "goaccess: ${t}s ($(mb "$bytes" "$t"))"

echo "== peak memory"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
echo "firebreak triage, $(LC_ALL=C awk '{print $1}' "$log" | sort -u | wc -l) distinct addresses: $(rss "$bin" triage --quiet --json "$log") KiB"
if [ ! -s "$wide" ]; then
    "$gen" --size "$size" --seed 8 --clients 20000000 > "$wide"
fi
cat "$wide" >/dev/null
echo "firebreak triage, $(LC_ALL=C awk '{print $1}' "$wide" | sort -u | wc -l) distinct addresses: $(rss "$bin" triage --quiet --json "$wide") KiB"
