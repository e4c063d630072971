#!/usr/bin/env bash
# The foundation benchmarks: how firebreak's everyday commands hold up on a large journal, next
# to what a responder could otherwise run against the same data. Figures go in
# docs/benchmarks.md.
#
#   benches/foundation.sh [--skip-append]
#
# 1. builds the release binary and the seeding tool (crates/firebreak/examples/seed.rs);
# 2. seeds two real, signed stores (once; they are kept and reused):
#      ls10k — 10,000 incidents of 5 events;  v1m — 1,000 incidents of 1,000 events (1,000,000);
# 3. times with hyperfine (warm cache, after warm-up runs):
#      firebreak ls, ls --json, ls --all (every row) on ls10k, and `sqlite3` printing the same rows;
#      firebreak verify on v1m, and `sqlite3` reading every event / `sha256sum` of the file;
# 4. runs the criterion append benchmark (crates/firebreak/benches/append.rs) on SQLite and, if
#    a server answers, on a throwaway PostgreSQL database it creates and drops;
# 5. prints a summary against the targets: ls ≤ 30 ms, verify ≤ 3 s, appends ≥ 500 events/s.
#
# Environment:
#   FIREBREAK_BENCH_DIR            where the seeded stores live (default: target/bench-data)
#   FIREBREAK_TEST_POSTGRES_URL    PostgreSQL admin URL for the append bench's scratch database
#                                  (default: postgres://postgres@127.0.0.1:5432/postgres);
#                                  FIREBREAK_BENCH_SKIP_POSTGRES=1 skips PostgreSQL
#
# Needs hyperfine (Debian package `hyperfine`; installed with apt-get when run as root) and the
# sqlite3 command-line shell for the comparison rows (skipped if missing). Seeding takes about a
# minute, the whole run about ten on two cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'foundation: %s\n' "$*"; }
die() {
    printf 'foundation: error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

skip_append=false
for arg in "$@"; do
    case "$arg" in
        --skip-append) skip_append=true ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument $arg (see --help)" ;;
    esac
done

if ! have hyperfine; then
    if [[ $(id -u) -eq 0 ]] && have apt-get; then
        say "installing hyperfine with apt-get"
        apt-get install -y -qq hyperfine >/dev/null ||
            { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; } ||
            die "could not install hyperfine; install the Debian package 'hyperfine' (or 'cargo install hyperfine')"
    else
        die "hyperfine is missing: 'sudo apt-get install hyperfine' (Debian/Ubuntu) or 'cargo install hyperfine'"
    fi
fi

bench_dir=${FIREBREAK_BENCH_DIR:-target/bench-data}
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

say "building the release binary and the seeding tool"
cargo build --release --locked -p firebreak --bin firebreak --example seed
fb=$PWD/target/release/firebreak
seed=$PWD/target/release/examples/seed

# Seeds $1 with $2 incidents of $3 events unless a completed seed of that shape is there.
ensure_store() {
    local dir=$bench_dir/$1 shape="$2x$3"
    if [[ -f $dir/.seeded && $(<"$dir/.seeded") == "$shape" ]]; then
        say "reusing $dir ($2 incidents × $3 events)"
        return
    fi
    rm -rf "$dir"
    say "seeding $dir: $2 incidents × $3 events"
    "$seed" --data-dir "$dir" --incidents "$2" --events-per-incident "$3"
    "$fb" --data-dir "$dir" verify >/dev/null || die "the seeded store $dir does not verify"
    printf '%s' "$shape" >"$dir/.seeded"
}
mkdir -p "$bench_dir"
ensure_store ls10k 10000 5
ensure_store v1m 1000 1000
ls10k=$bench_dir/ls10k
v1m=$bench_dir/v1m

# hyperfine NAME… with --command-name pairs; writes $results/$tag.csv.
timed() {
    local tag=$1
    shift
    hyperfine -N --style basic --export-csv "$results/$tag.csv" "$@"
}
# Mean seconds of the named command in $results/$tag.csv.
mean_of() {
    awk -F, -v name="$2" 'NR > 1 && $1 == name { print $2 }' "$results/$1.csv"
}

export NO_COLOR=1
say "timing ls on 10,000 incidents"
ls_cmds=(
    -n "firebreak ls" "$fb --data-dir $ls10k ls"
    -n "firebreak ls --json" "$fb --data-dir $ls10k --json ls"
    -n "firebreak ls --all" "$fb --data-dir $ls10k ls --all"
)
if have sqlite3; then
    ls_cmds+=(-n "sqlite3 (same rows)"
        "sqlite3 $ls10k/firebreak.db 'SELECT * FROM incidents ORDER BY day DESC, number DESC'")
fi
timed ls --warmup 3 --runs 20 "${ls_cmds[@]}"

say "timing verify on 1,000,000 events"
verify_cmds=(-n "firebreak verify" "$fb --data-dir $v1m verify")
if have sqlite3; then
    verify_cmds+=(-n "sqlite3 (read every event)"
        "sqlite3 $v1m/firebreak.db 'SELECT * FROM events ORDER BY incident, seq'")
fi
verify_cmds+=(-n "sha256sum (the database file)" "sha256sum $v1m/firebreak.db")
timed verify --warmup 1 --runs 5 "${verify_cmds[@]}"

append_log=$results/append.log
if ! $skip_append; then
    pg_db=""
    pg_admin=${FIREBREAK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    if [[ ${FIREBREAK_BENCH_SKIP_POSTGRES:-} == 1 ]]; then
        say "PostgreSQL skipped (FIREBREAK_BENCH_SKIP_POSTGRES=1)"
    elif ! have psql; then
        say "PostgreSQL skipped: no psql to create a scratch database"
    elif ! psql "$pg_admin" -qAtc 'SELECT 1' >/dev/null 2>&1; then
        say "PostgreSQL skipped: no server answers at $(sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$pg_admin")"
    else
        pg_db=fb_bench_$$
        psql "$pg_admin" -qc "CREATE DATABASE $pg_db" >/dev/null
        trap 'psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1; rm -rf "$results"' EXIT
        export FIREBREAK_BENCH_POSTGRES_URL=${pg_admin%/*}/$pg_db
    fi
    say "running the append benchmark (criterion)"
    cargo bench --locked -p firebreak --bench append 2>&1 | tee "$append_log"
    if [[ -n $pg_db ]]; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    fi
fi

# Criterion's middle throughput estimate for group/bench, in events per second.
throughput() {
    [[ -f $append_log ]] || return 0
    awk -v want="$1" '
        $0 == want || ($1 == want && $2 == "time:") { found = 1 }
        found && /thrpt:/ {
            gsub(/[][]/, "")
            value = $4; unit = $5
            if (unit ~ /^K/) value *= 1000
            if (unit ~ /^M/) value *= 1000000
            printf "%.0f\n", value
            exit
        }' "$append_log"
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
sec() { awk -v s="$1" 'BEGIN { printf "%.2f s", s }'; }
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN {
    ok = (dir == "max") ? (v <= t) : (v >= t); print ok ? "met" : "MISSED" }'; }

echo
say "summary ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
row() { printf '  %-44s %14s   %-18s %s\n' "$@"; }
row "measure" "result" "target" ""
ls_mean=$(mean_of ls "firebreak ls")
row "firebreak ls, 10,000 incidents" "$(ms "$ls_mean")" "≤ 30 ms" "$(verdict "$ls_mean" 0.030 max)"
for name in "firebreak ls --json" "firebreak ls --all" "sqlite3 (same rows)"; do
    m=$(mean_of ls "$name")
    [[ -n $m ]] && row "  $name" "$(ms "$m")" "" ""
done
verify_mean=$(mean_of verify "firebreak verify")
row "firebreak verify, 1,000,000 events" "$(sec "$verify_mean")" "≤ 3 s" "$(verdict "$verify_mean" 3 max)"
for name in "sqlite3 (read every event)" "sha256sum (the database file)"; do
    m=$(mean_of verify "$name")
    [[ -n $m ]] && row "  $name" "$(sec "$m")" "" ""
done
for backend in sqlite postgres; do
    for case in short-incident long-incident; do
        t=$(throughput "append/$backend/$case")
        [[ -n $t ]] || continue
        if [[ $backend == sqlite && $case == short-incident ]]; then
            row "durable appends, $backend, $case" "$t events/s" "≥ 500 events/s" "$(verdict "$t" 500 min)"
        else
            row "durable appends, $backend, $case" "$t events/s" "(reported)" ""
        fi
    done
done
if $skip_append; then
    row "durable appends" "skipped" "" ""
elif [[ -z $(throughput append/postgres/short-incident) ]]; then
    row "durable appends, postgres" "skipped" "(reported)" ""
fi
