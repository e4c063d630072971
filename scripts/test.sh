#!/usr/bin/env bash
# Runs firebreak's whole test suite: `cargo test --workspace --locked`, plus any arguments given
# here (e.g. `scripts/test.sh -- --nocapture`), and prints the total at the end.
#
# The dashboard's browser test drives a real headless Chromium through chromedriver; when either
# is missing they are installed with apt-get (Debian's `chromium` and `chromium-driver`). Its
# accessibility check uses axe-core, fetched once from the npm registry (pinned, integrity
# checked) into target/.
#
# The storage and CLI tests need a PostgreSQL server; they create and drop their own databases
# through FIREBREAK_TEST_POSTGRES_URL and fail (never skip) without one. So, before testing:
#
#   - FIREBREAK_TEST_POSTGRES_URL already set: used as given, nothing else is checked.
#   - a server answers on 127.0.0.1:5432: used.
#   - otherwise (Debian/Ubuntu): PostgreSQL is installed with apt-get if missing, the cluster on
#     port 5432 is started (created first if there is none), and we wait for it.
#
# Debian's default TCP authentication asks for a password, so when a password-less login over
# TCP fails and postgres/postgres does not work either, the postgres role's password is set to
# "postgres" through the local socket. The server is left running afterwards.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly PG_HOST=127.0.0.1
readonly PG_PORT=5432
readonly WAIT_SECONDS=30

say() { printf 'test.sh: %s\n' "$*"; }
die() {
    printf 'test.sh: error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Masks the password in a URL for printing.
redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"; }

# Runs a command as root: directly, or through sudo when we are not root.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif have sudo; then
        sudo "$@"
    else
        die "need root to run '$*' (no sudo found); install and start PostgreSQL yourself, or set FIREBREAK_TEST_POSTGRES_URL"
    fi
}

# Runs a command as the postgres OS user, from / so it does not complain about our directory.
as_postgres() {
    local cmd
    printf -v cmd '%q ' "$@"
    if [[ $EUID -eq 0 ]]; then
        (cd / && su postgres -s /bin/sh -c "$cmd")
    elif have sudo; then
        (cd / && sudo -u postgres "$@")
    else
        die "need root or sudo to act as the postgres user"
    fi
}

# Whether the server accepts connections on PG_HOST:PG_PORT.
server_up() {
    if have pg_isready; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
    else
        (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
    fi
}

# Whether `psql` can log in as postgres over TCP, without a password (no argument) or with one.
can_login() {
    local env_args=(-u PGPASSWORD PGPASSFILE=/nonexistent/firebreak-pgpass)
    [[ $# -gt 0 ]] && env_args+=("PGPASSWORD=$1")
    env "${env_args[@]}" psql -w -X -q -At \
        -d "postgresql://postgres@$PG_HOST:$PG_PORT/postgres" -c 'SELECT 1' >/dev/null 2>&1
}

server_installed() {
    have pg_ctlcluster && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

install_server() {
    have apt-get || die "PostgreSQL is not installed and this is not a Debian-like system; install it, or set FIREBREAK_TEST_POSTGRES_URL"
    say "PostgreSQL is not installed; installing it with apt-get"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        postgresql </dev/null
}

# Starts the cluster that listens on PG_PORT, creating one when there is no cluster at all.
start_cluster() {
    local version name port status line
    line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print; exit }')
    if [[ -z $line ]]; then
        if [[ -n $(pg_lsclusters -h 2>/dev/null) ]]; then
            pg_lsclusters >&2 || true
            die "PostgreSQL clusters exist, but none on port $PG_PORT; start one there, or set FIREBREAK_TEST_POSTGRES_URL"
        fi
        version=$(for server in /usr/lib/postgresql/*/bin/postgres; do
            server=${server#/usr/lib/postgresql/}
            echo "${server%%/*}"
        done | sort -V | tail -n 1)
        say "creating PostgreSQL $version cluster 'main' on port $PG_PORT"
        as_root pg_createcluster --port "$PG_PORT" "$version" main </dev/null
        line=$(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p { print; exit }')
        [[ -n $line ]] || die "pg_createcluster did not create a cluster on port $PG_PORT"
    fi
    read -r version name port status _ <<<"$line"
    if [[ $status != online* ]]; then
        say "starting PostgreSQL $version cluster '$name' on port $port"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start </dev/null
    fi
}

wait_for_server() {
    local i
    for ((i = 0; i < WAIT_SECONDS; i++)); do
        server_up && return 0
        sleep 1
    done
    die "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within ${WAIT_SECONDS}s (see /var/log/postgresql/)"
}

# Picks the URL the tests connect through, setting the postgres password only if no other way in
# works. With trust authentication the password in the URL is ignored.
choose_url() {
    local url="postgres://postgres:postgres@$PG_HOST:$PG_PORT/postgres"
    if ! have psql; then
        auth="not checked: psql is not installed"
    elif can_login; then
        auth="no password needed"
    elif can_login postgres; then
        auth="password login"
    else
        say "password-less login over TCP refused; setting the postgres role's password to 'postgres'"
        as_postgres psql -X -q -p "$PG_PORT" -c "ALTER USER postgres PASSWORD 'postgres'" \
            || die "could not set the postgres password through the local socket; set FIREBREAK_TEST_POSTGRES_URL"
        can_login postgres \
            || die "still cannot log in to $PG_HOST:$PG_PORT as postgres; check pg_hba.conf, or set FIREBREAK_TEST_POSTGRES_URL"
        auth="password login, password just set"
    fi
    export FIREBREAK_TEST_POSTGRES_URL="$url"
}

server_version() {
    have psql || return 0
    PGPASSWORD=postgres PGPASSFILE=/nonexistent/firebreak-pgpass psql -w -X -q -At \
        -d "$FIREBREAK_TEST_POSTGRES_URL" -c 'SHOW server_version' 2>/dev/null | awk '{ print $1 }' || true
}

if [[ -n ${FIREBREAK_TEST_POSTGRES_URL:-} ]]; then
    say "PostgreSQL: using FIREBREAK_TEST_POSTGRES_URL=$(redact "$FIREBREAK_TEST_POSTGRES_URL") as given"
else
    origin="already running"
    if ! server_up; then
        server_installed || install_server
        start_cluster
        wait_for_server
        origin="started by this script"
    fi
    auth=""
    choose_url
    version=$(server_version)
    say "PostgreSQL${version:+ $version} at $PG_HOST:$PG_PORT ($origin; $auth)" \
        "— FIREBREAK_TEST_POSTGRES_URL=$(redact "$FIREBREAK_TEST_POSTGRES_URL")"
fi

# The browser test needs Chromium and its driver; it fails (never skips) without them.
if ! have chromium || ! have chromedriver; then
    have apt-get || die "the browser test needs chromium and chromedriver; install them (Debian: apt-get install chromium chromium-driver)"
    say "installing chromium and chromium-driver for the browser test"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        chromium chromium-driver </dev/null
fi
say "browser: $(chromium --version 2>/dev/null || echo 'chromium: version unknown')"

# The containment tests block addresses through a real nginx, nftables and iptables+ipset; the
# firewall ones build a network-namespace lab with iproute2, serve HTTP there with python3 and
# connect with curl. They fail (never skip) without them, and without root.
missing=()
for tool in nginx:nginx nft:nftables iptables:iptables ipset:ipset ip:iproute2 curl:curl python3:python3; do
    have "${tool%%:*}" || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
    have apt-get || die "the containment tests need ${missing[*]}; install them"
    say "installing ${missing[*]} for the containment tests"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" </dev/null
fi
say "containment: $(nginx -v 2>&1)"

# The health-check tests run a real Prometheus (Debian's package) scraping a test exporter, and
# serve certificates with `openssl s_server`; they fail (never skip) without them.
missing=()
for tool in prometheus:prometheus openssl:openssl; do
    have "${tool%%:*}" || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
    have apt-get || die "the health-check tests need ${missing[*]}; install them"
    say "installing ${missing[*]} for the health-check tests"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" </dev/null
fi
say "checks: $(prometheus --version 2>&1 | head -n 1)"

# The e-mail test sends to a real SMTP server, Debian's aiosmtpd, run by the system python3
# (/usr/bin/python3, whatever else is on PATH); it fails (never skips) without it.
if ! /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    have apt-get || die "the e-mail test needs python3 with aiosmtpd (Debian: apt-get install python3-aiosmtpd)"
    say "installing python3-aiosmtpd for the e-mail test"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        python3-aiosmtpd </dev/null
fi

# The accessibility check runs axe-core (npm package, MPL-2.0) in that browser. Its one file is
# fetched from the npm registry once, checked against the package's published integrity, and
# kept under target/; the test reads it from FIREBREAK_AXE_JS and fails (never skips) without it.
readonly AXE_VERSION=4.14.1
readonly AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
axe_dir="${CARGO_TARGET_DIR:-target}/axe-core-$AXE_VERSION"
if [[ ! -s $axe_dir/axe.min.js ]]; then
    if ! have curl || ! have openssl; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl openssl </dev/null
    fi
    say "fetching axe-core $AXE_VERSION from the npm registry for the accessibility check"
    mkdir -p "$axe_dir"
    curl -fsSL "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz" -o "$axe_dir/axe.tgz" ||
        die "cannot download axe-core $AXE_VERSION"
    got="sha512-$(openssl dgst -sha512 -binary "$axe_dir/axe.tgz" | base64 -w0)"
    [[ $got == "$AXE_INTEGRITY" ]] || die "axe-core $AXE_VERSION does not match its npm integrity ($got)"
    tar -xzf "$axe_dir/axe.tgz" -C "$axe_dir" --strip-components=1 package/axe.min.js package/LICENSE
    rm -f "$axe_dir/axe.tgz"
fi
FIREBREAK_AXE_JS="$(cd "$axe_dir" && pwd)/axe.min.js"
export FIREBREAK_AXE_JS
say "accessibility: axe-core $AXE_VERSION ($FIREBREAK_AXE_JS)"

# Keep cargo's output as it is, and end with one total over all test binaries: cargo's own last
# line is usually a doc-test binary's "0 passed", which says nothing about the run.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ {
        runs++
        for (i = 2; i <= NF; i++) {
            if ($i == "passed;") passed += $(i - 1)
            if ($i == "failed;") failed += $(i - 1)
            if ($i == "ignored;") ignored += $(i - 1)
        }
    }
    END { if (runs) printf "\ntests: %d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
exit "$status"
