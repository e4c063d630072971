#!/usr/bin/env bash
# The report and review benchmarks: `firebreak report` over 10,000 incidents of 100 events
# (1,000,000 events) against its target of ≤ 1 s, and `firebreak review` of one incident with
# 10,000 events against ≤ 200 ms. Figures go in docs/benchmarks.md ("Reports").
#
#   benches/report.sh
#
# 1. builds the release binary and the seeding tool (crates/firebreak/examples/seed.rs);
# 2. seeds target/bench-data/r1m once (10,000 incidents × 100 events; kept and reused) and
#    checks it with `firebreak verify`;
# 3. times with hyperfine (warm cache, 1 warm-up, 5 runs): the table, --json and --html, and
#    `sqlite3` reading the same events for comparison (skipped if missing);
# 4. seeds target/bench-data/rv10k once (one incident, 10,000 events) and times `review` (text
#    and --html) and `verify` of that incident (3 warm-ups, 20 runs).
#
# Environment:
#   FIREBREAK_BENCH_DIR   where the seeded store lives (default: target/bench-data)
#   CARGO_TARGET_DIR      honoured when locating the built binaries
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'report-bench: %s\n' "$*"; }
die() {
    printf 'report-bench: error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

have hyperfine || die "hyperfine is missing: 'sudo apt-get install hyperfine' or 'cargo install hyperfine'"

target=${CARGO_TARGET_DIR:-$PWD/target}
bench_dir=${FIREBREAK_BENCH_DIR:-$target/bench-data}
say "building the release binary and the seeding tool"
cargo build --release --locked -p firebreak --bin firebreak --example seed
fb=$target/release/firebreak
seed=$target/release/examples/seed

dir=$bench_dir/r1m
shape=10000x100
if [[ -f $dir/.seeded && $(<"$dir/.seeded") == "$shape" ]]; then
    say "reusing $dir (10,000 incidents × 100 events)"
else
    rm -rf "$dir"
    mkdir -p "$bench_dir"
    say "seeding $dir: 10,000 incidents × 100 events"
    "$seed" --data-dir "$dir" --incidents 10000 --events-per-incident 100
    "$fb" --data-dir "$dir" verify >/dev/null || die "the seeded store $dir does not verify"
    printf '%s' "$shape" >"$dir/.seeded"
fi

export NO_COLOR=1
cmds=(
    -n "firebreak report" "$fb --data-dir $dir report"
    -n "firebreak --json report" "$fb --data-dir $dir --json report"
    -n "firebreak report --html" "$fb --data-dir $dir report --html -o /dev/null"
)
if have sqlite3; then
    cmds+=(-n "sqlite3 (read every event)"
        "sqlite3 $dir/firebreak.db 'SELECT * FROM events ORDER BY incident, seq'")
fi
hyperfine -N --style basic --warmup 1 --runs 5 "${cmds[@]}"
say "target: firebreak report ≤ 1 s"

review_dir=$bench_dir/rv10k
if [[ -f $review_dir/.seeded && $(<"$review_dir/.seeded") == "1x10000" ]]; then
    say "reusing $review_dir (one incident × 10,000 events)"
else
    rm -rf "$review_dir"
    say "seeding $review_dir: one incident × 10,000 events"
    "$seed" --data-dir "$review_dir" --incidents 1 --events-per-incident 10000
    "$fb" --data-dir "$review_dir" verify >/dev/null || die "the seeded store $review_dir does not verify"
    printf '%s' "1x10000" >"$review_dir/.seeded"
fi
id=$("$fb" --data-dir "$review_dir" --json ls --all | sed -n 's/.*"id": *"\(INC-[0-9-]*\)".*/\1/p' | head -n 1)
[[ -n $id ]] || die "no incident in $review_dir"
hyperfine -N --style basic --warmup 3 --runs 20 \
    -n "firebreak review" "$fb --data-dir $review_dir review $id" \
    -n "firebreak review --html" "$fb --data-dir $review_dir review $id --html -o /dev/null" \
    -n "firebreak verify (the same incident)" "$fb --data-dir $review_dir verify $id"
say "target: firebreak review of 10,000 events ≤ 200 ms"
