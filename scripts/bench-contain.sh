#!/usr/bin/env bash
# Containment figures (issue 15; docs/benchmarks.md, "Containment"): how long `firebreak block
# --via nginx` takes from start until nginx really refuses the address, and `unblock` until it
# answers again, against Debian's nginx on loopback.
#
#   scripts/bench-contain.sh [--no-build] [--runs N]
#
# Each run: `firebreak block 127.0.0.2 …` (write the include file, `nginx -t`, reload, record
# the event), then curl from 127.0.0.2 every ~5 ms until it gets 403; the figure is the wall time
# from starting `block` to the first 403 that stays (three in a row). Then the same for `unblock` until 200. A scratch nginx
# (its own prefix, a free loopback port) and a scratch data directory are made and removed.
# Needs root (nginx workers), nginx and curl. Goal: block applied and verified ≤ 1 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/bench-args.sh
source scripts/bench-args.sh

dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() {
    nginx -p "$dir/" -c "$dir/nginx.conf" -s stop 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/www" && echo ok >"$dir/www/index.html" && : >"$dir/deny.conf"
cat >"$dir/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    include $dir/deny.conf;
    server { listen 127.0.0.1:$port; location / { root $dir/www; } }
}
CONF
nginx -p "$dir/" -c "$dir/nginx.conf"
cat >"$dir/firebreak.toml" <<CONF
[contain.nginx]
include = "$dir/deny.conf"
test = ["nginx", "-p", "$dir/", "-c", "$dir/nginx.conf", "-t", "-q"]
reload = ["nginx", "-p", "$dir/", "-c", "$dir/nginx.conf", "-s", "reload"]
CONF
export FIREBREAK_DATA_DIR=$dir/data FIREBREAK_CONFIG=$dir/firebreak.toml FIREBREAK_USER=bench
"$fb" init >/dev/null
id=$("$fb" --json declare "bench" --sev P3 | sed -n 's/.*"id": *"\(INC-[^"]*\)".*/\1/p' | head -n1)

status() { curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "http://127.0.0.1:$port/"; }
now() { date +%s.%N; }
# Times "$@" until a client from 127.0.0.2 gets $1 and keeps getting it (at most 10 s). During
# a reload, old workers may still answer a request or two under the old rules, so the figure is
# the time of the first of three answers in a row that are right.
until_status() {
    local want=$1 start first="" streak=0 i
    shift
    start=$(now)
    "$@" >/dev/null
    for ((i = 0; i < 2000 && streak < 3; i++)); do
        if [[ $(status) == "$want" ]]; then
            [[ -z $first ]] && first=$(now)
            streak=$((streak + 1))
        else
            first="" streak=0
            sleep 0.005
        fi
    done
    ((streak >= 3)) || { echo "never got $want" >&2; exit 1; }
    echo "$start $first" | awk '{ printf "%.3f\n", $2 - $1 }'
}
[[ $(status) == 200 ]] || { echo "nginx does not answer 200" >&2; exit 1; }
blocks=() unblocks=()
for ((r = 0; r < runs; r++)); do
    blocks+=("$(until_status 403 "$fb" block 127.0.0.2 --incident "$id" --reason bench --ttl 1h)")
    unblocks+=("$(until_status 200 "$fb" unblock 127.0.0.2)")
done
summary() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "median %.3f s, max %.3f s (%d runs)", a[int((NR + 1) / 2)], a[NR], NR }'; }
echo "nginx $(nginx -v 2>&1 | sed 's#.*/##')"
echo "block → first 403:   $(summary "${blocks[@]}")"
echo "unblock → first 200: $(summary "${unblocks[@]}")"
