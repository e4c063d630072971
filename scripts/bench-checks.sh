#!/usr/bin/env bash
# Health-check figure (issue 15; docs/benchmarks.md, "Checks"): the wall time of one
# `firebreak check` running 20 configured checks of every local kind in parallel.
#
#   scripts/bench-checks.sh [--no-build] [--runs N]
#
# The 20 checks: 3 disk, 4 port (2 TCP, 2 UDP), 2 process, 3 http (a Python http.server on
# loopback, one answering 404), 2 sqlite (quick and full integrity check of a 200,000-row database),
# 2 command, 1 oom, 2 cert (a PEM file, and the same certificate served by `openssl s_server`),
# 1 command that sleeps 300 ms (the slowest check bounds the wall time). Each run is one
# process start to exit, timed with bash's EPOCHREALTIME; min, median and max are printed.
# Side by side: the same 20 looks as the shell commands a responder would type (df, ss, pgrep,
# kill -0, curl, sqlite3, dmesg, openssl x509 -checkend, openssl s_client), one after another.
# Needs python3, openssl, curl, sqlite3, ss. Goal: 20 checks ≤ 2 s wall.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/bench-args.sh
source scripts/bench-args.sh

dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

web=$(free_port)
mkdir -p "$dir/www" && echo ok >"$dir/www/index.html"
python3 -m http.server "$web" --bind 127.0.0.1 --directory "$dir/www" >/dev/null 2>&1 &
pids+=($!)
udp=$(free_port)
python3 -c "import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1',$udp)); time.sleep(3600)" &
pids+=($!)
echo $! >"$dir/udp.pid"
(cd "$dir" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
    -out cert.pem -days 20 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -addext basicConstraints=critical,CA:FALSE >/dev/null 2>&1)
tls=$(free_port)
(cd "$dir" && exec openssl s_server -quiet -accept "127.0.0.1:$tls" -cert cert.pem -key key.pem -www </dev/null >/dev/null 2>&1) &
pids+=($!)
python3 - "$dir/app.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)")
c.execute("CREATE INDEX t_body ON t(body)")
c.executemany("INSERT INTO t(body) VALUES (?)", ((f"row {i} " + "x" * 80,) for i in range(200_000)))
c.commit()
PY
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$web") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$tls") 2>/dev/null && break
    sleep 0.05
done

c() { printf '[[check]]\n%s\n\n' "$*" >>"$dir/firebreak.toml"; }
c 'name = "root"' $'\nkind = "disk"\npath = "/"'
c 'name = "tmp"' $'\nkind = "disk"\npath = "/tmp"'
c 'name = "data"' $'\nkind = "disk"\n'"path = \"$dir\""
c 'name = "web-port"' $'\nkind = "port"\n'"port = $web"
c 'name = "tls-port"' $'\nkind = "port"\n'"port = $tls"
c 'name = "quic"' $'\nkind = "port"\nprotocol = "udp"\n'"port = $udp"
c 'name = "quic-closed"' $'\nkind = "port"\nprotocol = "udp"\nport = 9'
c 'name = "udp-holder"' $'\nkind = "process"\n'"pidfile = \"$dir/udp.pid\""
c 'name = "python"' $'\nkind = "process"\nprocess = "python3"'
c 'name = "home"' $'\nkind = "http"\n'"url = \"http://127.0.0.1:$web/\""
c 'name = "home-fast"' $'\nkind = "http"\nwarn = 200\ncritical = 1000\n'"url = \"http://127.0.0.1:$web/index.html\""
c 'name = "missing-page"' $'\nkind = "http"\n'"url = \"http://127.0.0.1:$web/nope\""
c 'name = "db-quick"' $'\nkind = "sqlite"\n'"path = \"$dir/app.db\""
c 'name = "db-full"' $'\nkind = "sqlite"\nintegrity = "full"\n'"path = \"$dir/app.db\""
c 'name = "true"' $'\nkind = "command"\ncommand = ["true"]'
c 'name = "systemd-like"' $'\nkind = "command"\ncommand = ["sh", "-c", "echo active"]'
c 'name = "oom"' $'\nkind = "oom"\nsince = "1h"'
c 'name = "cert-file"' $'\nkind = "cert"\nserver_name = "localhost"\n'"path = \"$dir/cert.pem\""$'\n'"ca = \"$dir/cert.pem\""
c 'name = "cert-served"' $'\nkind = "cert"\n'"endpoint = \"localhost:$tls\""$'\n'"ca = \"$dir/cert.pem\""
c 'name = "slow-command"' $'\nkind = "command"\ncommand = ["sleep", "0.3"]'

export FIREBREAK_DATA_DIR=$dir/data FIREBREAK_CONFIG=$dir/firebreak.toml
echo "20 checks, one run shown:" >&2
"$fb" check >&2 || true
times=()
for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME
    "$fb" check >/dev/null || true
    end=$EPOCHREALTIME
    times+=("$(python3 -c "print(f'{($end - $start) * 1000:.0f}')")")
done
summary() {
    local sorted
    sorted=$(printf '%s\n' "$@" | sort -n)
    echo "min $(head -n1 <<<"$sorted") ms, median $(sed -n "$((($# + 1) / 2))p" <<<"$sorted") ms, max $(tail -n1 <<<"$sorted") ms"
}
echo "firebreak check, 20 checks in parallel, $runs runs: $(summary "${times[@]}") (goal ≤ 2000 ms)"

by_hand() {
    df -P / /tmp "$dir" && df -Pi / /tmp "$dir"
    ss -Htln "sport = :$web"; ss -Htln "sport = :$tls"
    ss -Huln "sport = :$udp"; ss -Huln "sport = :9"
    kill -0 "$(cat "$dir/udp.pid")"; pgrep -x python3
    curl -fsS -o /dev/null "http://127.0.0.1:$web/"
    curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$web/index.html"
    curl -sS -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$web/nope"
    sqlite3 -readonly "$dir/app.db" 'PRAGMA quick_check'
    sqlite3 -readonly "$dir/app.db" 'PRAGMA integrity_check'
    true; sh -c 'echo active'
    dmesg 2>/dev/null | grep -c 'Killed process'
    openssl x509 -in "$dir/cert.pem" -noout -checkend $((30 * 86400))
    openssl s_client -connect "127.0.0.1:$tls" -servername localhost </dev/null 2>/dev/null |
        openssl x509 -noout -checkend $((30 * 86400))
    sleep 0.3
}
manual=()
for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME
    by_hand >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    manual+=("$(python3 -c "print(f'{($end - $start) * 1000:.0f}')")")
done
echo "the same 20 looks as shell commands, one after another, $runs runs: $(summary "${manual[@]}")"
