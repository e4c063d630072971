#!/usr/bin/env bash
# The dashboard in a real browser: an incident page with 2,000 timeline events, against its
# targets (server time ≤ 50 ms, first paint in Chromium ≤ 500 ms, on loopback). Figures go in
# docs/benchmarks.md ("Dashboard").
#
#   benches/dashboard.sh [--runs N]
#
# 1. builds the release binary, the seeding tool and the browser timer
#    (crates/firebreak/examples/{seed,paint}.rs);
# 2. seeds target/bench-data/p2k once (one incident with 2,000 events) and creates a viewer
#    token;
# 3. starts `firebreak serve` and chromedriver on free loopback ports, and runs the timer, which
#    signs in and loads the incident page N times (default 20, after one warm-up), reading the
#    browser's Navigation and Paint Timing entries;
# 4. stops both.
#
# Needs Debian's chromium and chromium-driver (scripts/test.sh installs them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'dashboard-bench: %s\n' "$*"; }
die() {
    printf 'dashboard-bench: error: %s\n' "$*" >&2
    exit 1
}
runs=20
[[ ${1:-} == --runs ]] && runs=${2:?--runs needs a number}
command -v chromedriver >/dev/null || die "chromedriver is missing (apt-get install chromium chromium-driver)"

target=${CARGO_TARGET_DIR:-$PWD/target}
say "building the release binary, the seeding tool and the browser timer"
cargo build --release --locked -p firebreak --bin firebreak --example seed --example paint
fb=$target/release/firebreak

dir=${FIREBREAK_BENCH_DIR:-$target/bench-data}/p2k
if [[ ! -f $dir/.seeded ]]; then
    rm -rf "$dir"
    say "seeding $dir: one incident with 2,000 events"
    "$target/release/examples/seed" --data-dir "$dir" --incidents 1 --events-per-incident 2000
    touch "$dir/.seeded"
fi
token=$("$fb" --data-dir "$dir" token create --role viewer --name "bench-$$" | sed -n 's/^ *\(fbk_[A-Za-z0-9_-]*\).*/\1/p')
[[ -n $token ]] || die "no token"
id=$("$fb" --data-dir "$dir" --json ls --all | sed -n 's/.*"id": *"\(INC-[0-9-]*\)".*/\1/p' | head -n 1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }
port=$(free_port)
driver_port=$(free_port)
"$fb" --data-dir "$dir" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
serve_pid=$!
chromedriver --port="$driver_port" >/dev/null 2>&1 &
driver_pid=$!
trap 'kill "$serve_pid" "$driver_pid" 2>/dev/null || true; "$fb" --data-dir "$dir" token revoke "bench-$$" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (echo >"/dev/tcp/127.0.0.1/$driver_port") 2>/dev/null && break
    sleep 0.1
done

"$target/release/examples/paint" --driver "http://127.0.0.1:$driver_port" \
    --base "http://127.0.0.1:$port" --token "$token" --path "/incidents/$id" --runs "$runs"
say "targets: server ≤ 50 ms, first contentful paint ≤ 500 ms"
