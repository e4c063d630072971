#!/usr/bin/env bash
# The team server under load, on loopback: the incident list, durable notes on SQLite and
# PostgreSQL, and the dashboard's list. Figures go in docs/benchmarks.md ("Team server").
#
#   benches/serve.sh [extra flags for the load harness, e.g. --seconds 5]
#
# 1. builds the release binary, the seeding tool and the load harness
#    (crates/firebreak/examples/{seed,load}.rs);
# 2. runs target/release/examples/load, which seeds a scratch data directory with 10,000
#    incidents (not timed), starts `firebreak serve --listen 127.0.0.1:0` and measures for a
#    bounded time each: GET /api/v1/incidents?limit=50 on 16 keep-alive connections for 10 s;
#    POST notes on 8 connections for 5 s, spread over the open incidents and then on one; the
#    dashboard list GET / for 3 s if the dashboard answers; alert intake: 10,000 webhook alert
#    groups declared as open incidents (not timed), then alerts landing on them, one connection,
#    for 5 s; notes on an incident of 10,000 events (given them through the library before the
#    server starts, not timed), one connection, for 5 s; and the notes (spread, one incident,
#    the deep incident) again on a scratch PostgreSQL database it creates and drops;
# 3. prints a table with requests/s, p50/p99/max latency, and the CPU the server and the client
#    used, against the targets: list ≥ 5,000/s with p99 ≤ 20 ms, notes ≥ 500/s on SQLite,
#    ≥ 1,000/s with 8 writers on one incident, ≤ 2 ms of server CPU per note on an incident of
#    10,000 events, dashboard list ≤ 50 ms, alert intake p99 ≤ 20 ms with 10,000 open incidents.
#
# Environment:
#   FIREBREAK_TEST_POSTGRES_URL    PostgreSQL admin URL for the scratch database
#                                  (default: postgres://postgres@127.0.0.1:5432/postgres);
#                                  FIREBREAK_BENCH_SKIP_POSTGRES=1 skips PostgreSQL
#
# About a minute and a half here, plus the first build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'serve: %s\n' "$*"; }

case "${1:-}" in
    -h | --help)
        sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
esac

say "building the release binary, the seeding tool and the load harness"
cargo build --release --locked -p firebreak --bin firebreak --example seed --example load

pg=()
pg_admin=${FIREBREAK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [[ ${FIREBREAK_BENCH_SKIP_POSTGRES:-} == 1 ]]; then
    say "PostgreSQL skipped (FIREBREAK_BENCH_SKIP_POSTGRES=1)"
else
    pg=(--postgres "$pg_admin")
fi

say "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
release="${CARGO_TARGET_DIR:-target}/release"
exec "$release/examples/load" \
    --firebreak "$release/firebreak" \
    --seed "$release/examples/seed" \
    --incidents 10000 --connections 16 --seconds 10 \
    --writers 8 --write-seconds 5 --dashboard-seconds 3 \
    --intake-incidents 10000 --intake-seconds 5 \
    "${pg[@]}" "$@"
