#!/usr/bin/env bash
# Installs firebreak (`cargo install --locked --path crates/firebreak`), walks through one
# incident from declaration to resolution — including a built-in runbook's diagnosis steps run
# and recorded as evidence, and triage of a web server log — printing each command before
# running it, and then starts the team server (`firebreak serve`, on the same SQLite database)
# with a new admin token for signing in to the dashboard. Ctrl-C stops the server.
#
# FIREBREAK_LISTEN sets the server's address (default 127.0.0.1:7474); FIREBREAK_QUICKSTART_SERVE=no
# ends the script after the walk-through instead.
#
# The walk-through uses your real firebreak setup: the default data directory
# (~/.local/share/firebreak, or $XDG_DATA_HOME/firebreak) with its SQLite database, unless
# FIREBREAK_DATA_DIR points elsewhere. The incident it declares stays there, so you can keep
# working with it afterwards. Running the script again is safe: `init` keeps what exists and the
# walk-through declares one more incident.
#
#   FIREBREAK_DATA_DIR=$(mktemp -d) scripts/quickstart.sh    # try it without touching your data
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Prints a command the way you would type it.
print_command() {
    local shown="" arg
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./:=+@%,-]+$ ]]; then
            shown+=" $arg"
        else
            arg=${arg//\\/\\\\}
            arg=${arg//\"/\\\"}
            arg=${arg//\$/\\\$}
            arg=${arg//\`/\\\`}
            shown+=" \"$arg\""
        fi
    done
    printf '\n$%s\n' "$shown"
}

# Prints a command, then runs it.
show_and_run() {
    print_command "$@"
    "$@"
}

explain() { printf '\n# %s\n' "$*"; }

bin_dir="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin"
case ":$PATH:" in
    *":$bin_dir:"*) on_path=yes ;;
    *) on_path=no ;;
esac

explain "Build and install firebreak into $bin_dir (a few minutes the first time)."
show_and_run cargo install --locked --path crates/firebreak

# Use the binary just installed, even if another firebreak comes earlier on PATH.
export PATH="$bin_dir:$PATH"
command -v firebreak >/dev/null || {
    echo "quickstart: firebreak was installed but is not in $bin_dir; is install.root set in your cargo config?" >&2
    exit 1
}

me="${FIREBREAK_USER:-${USER:-$(id -un)}}"

explain "Create the data directory, the journal's signing key, a config file and the database." \
    "Safe to repeat: existing keys, config and incidents are kept."
show_and_run firebreak init

explain "The severity policy: how soon each level must be acknowledged and updated."
show_and_run firebreak policy

explain "Declare an incident. --json gives machine-readable output; this script takes the id from it."
declare_command=(firebreak --json declare "Checkout returns 502 errors" --sev P2 --commander "$me"
    --summary "Roughly a third of checkout requests fail with 502 since the last deploy")
print_command "${declare_command[@]}"
json=$("${declare_command[@]}")
id=$(grep -oE '"id": *"INC-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]+"' <<<"$json" | head -n 1 | grep -oE 'INC-[0-9-]+' || true)
if [[ -z $id ]]; then
    echo "quickstart: could not find the new incident's id in the output of firebreak declare" >&2
    exit 1
fi
echo "Declared $id with $me as commander."

explain "Every incident with its response clock."
show_and_run firebreak ls

explain "Acknowledge it: someone owns the response, the acknowledge clock stops."
show_and_run firebreak ack "$id"

explain "Which built-in runbooks fit this incident? Ranked by its title and summary."
show_and_run firebreak runbook suggest "$id"
explain "What the node-down runbook would do, step by step, with each step's safety class." \
    "A dry run: nothing is run or recorded."
show_and_run firebreak runbook run node-down --dry-run --phase diagnosis \
    --set SERVICE=checkout --set PORT=8080 --set HEALTH_URL=http://127.0.0.1:8080/health
explain "Run its diagnosis phase (read-only steps; --yes runs them unattended). Each step's" \
    "output is kept as evidence and the step lands on the incident's timeline."
show_and_run firebreak runbook run node-down --incident "$id" --phase diagnosis --yes \
    --set SERVICE=checkout --set PORT=8080 --set HEALTH_URL=http://127.0.0.1:8080/health \
    --set SINCE="1 hour ago"

explain "Read the web server's log the way a responder would: one pass, every question at once." \
    "examples/access.log.gz is a generated nginx log with a few attacks planted in it."
show_and_run firebreak triage examples/access.log.gz --top 5
explain "Run the built-in detection rules over it: each finding names the rule, the address," \
    "the count, sample lines and the runbook to reach for. (\`firebreak watch FILE --declare\`" \
    "does this continuously and turns findings into incidents.)"
show_and_run firebreak scan examples/access.log.gz --rule http-5xx-burst --rule http-brute-force-then-success
explain "Keep the log itself as evidence: hashed, stored read-only, on the incident's record."
show_and_run firebreak evidence add "$id" examples/access.log.gz --reason "web server log at detection"

explain "Tick item 3 of the first-15-minutes checklist (a commander is named)."
show_and_run firebreak checklist tick "$id" initial 3

explain "Notes go on the timeline and count as a stakeholder update."
show_and_run firebreak note "$id" "Upstream connection pool exhausted since the 14:00 deploy; rolling back"

explain "An action item to follow up, due in a week."
show_and_run firebreak action add "$id" "Alert when the checkout 502 rate passes 1% for 5 minutes" \
    --owner "$me" --due +7d

explain "The damage has stopped spreading: contained."
show_and_run firebreak status "$id" contained --reason "Rolled back to the previous release"

explain "Service is back to normal: resolved."
show_and_run firebreak status "$id" resolved --reason "502 rate back to zero for 30 minutes"

explain "The incident as it stands: clocks, roles, checklists, action items, notes."
show_and_run firebreak show "$id"

explain "Every recorded event, in order: this is the hash-chained journal."
show_and_run firebreak timeline "$id"

explain "Recompute every hash and check every signature (exit code 3 would mean tampering)."
show_and_run firebreak verify

cat <<EOF

Done. $id is resolved and kept in your firebreak data; carry on with, for example:
  firebreak action ls                          # open action items across incidents
  firebreak action done $id 1
  firebreak status $id closed --reason "review held"
  firebreak --help                             # every command; docs/guide.md explains them
EOF
if [[ $on_path == no ]]; then
    # shellcheck disable=SC2016 # the user is to type $PATH literally
    printf '\nNote: %s is not on your PATH; add it, e.g.\n  export PATH="%s:%s"\n' "$bin_dir" "$bin_dir" '$PATH'
fi

if [[ ${FIREBREAK_QUICKSTART_SERVE:-yes} == no ]]; then
    exit 0
fi
listen="${FIREBREAK_LISTEN:-127.0.0.1:7474}"
explain "A token to sign in to the dashboard with (admin: it may do everything). Its secret is" \
    "shown once; 'firebreak token ls' lists tokens, 'firebreak token revoke NAME' ends one."
show_and_run firebreak token create --role admin --name "quickstart-$(date +%Y%m%d-%H%M%S)"
explain "Start the team server on the same database. Open http://$listen/incidents/$id in a" \
    "browser and sign in with the secret above: the incident you just worked. The list at" \
    "http://$listen/ shows open incidents only until you pick Show: All (it is resolved). Ctrl-C stops it."
print_command firebreak serve --listen "$listen"
exec firebreak serve --listen "$listen"
