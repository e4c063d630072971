#!/usr/bin/env bash
# Per-step overhead of `firebreak runbook run`: a procedure of N steps that each run `true`,
# recorded in a real incident (durable SQLite appends, output stored as evidence), against N
# bare `bash -c true` spawns. Overhead per step = (firebreak − bare − one empty run) / N.
# Figures go in docs/benchmarks.md.
#
#   benches/runbook.sh [STEPS]        (default 200)
#
# Needs hyperfine (Debian package `hyperfine`; installed with apt-get when run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

steps="${1:-200}"
say() { printf 'runbook bench: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
if ! have hyperfine; then
    if [ "$(id -u)" = 0 ] && have apt-get; then
        apt-get install -y -qq hyperfine >/dev/null
    else
        echo "runbook bench: needs hyperfine" >&2
        exit 1
    fi
fi

cargo build --release --locked -q -p firebreak
bin="$PWD/target/release/firebreak"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export FIREBREAK_DATA_DIR="$work/data" FIREBREAK_USER=bench

{
    printf '# Bench\n\n## Diagnosis\n\n```bash\n'
    for i in $(seq 1 "$steps"); do printf '# step %s\ntrue\n\n' "$i"; done
    printf '```\n'
} > "$work/many.md"
printf '# Empty\n\n## Diagnosis\n\n- [ ] nothing\n' > "$work/empty.md"

"$bin" init >/dev/null
"$bin" declare "runbook overhead bench" --sev P3 >/dev/null
id="$("$bin" ls --json | sed -n 's/.*"id": *"\(INC-[^"]*\)".*/\1/p' | head -n 1)"
[ -n "$id" ] || { echo "runbook bench: no incident id" >&2; exit 1; }

say "$steps steps of \`true\`, incident $id"
hyperfine --warmup 1 --runs 5 --export-json "$work/h.json" \
    -n "firebreak runbook run ($steps steps)" "$bin runbook run $work/many.md --incident $id --yes >/dev/null 2>&1" \
    -n "bash -c true x $steps" "for i in \$(seq 1 $steps); do bash --noprofile --norc -c true; done" \
    -n "firebreak runbook run (1 checklist item)" "echo y | $bin runbook run $work/empty.md --incident $id >/dev/null 2>&1"
python3 - "$work/h.json" "$steps" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
steps = int(sys.argv[2])
fb, bare, empty = list(runs.values())
per = (fb - bare - empty) / steps * 1000
print(f"runbook bench: per-step overhead {per:.2f} ms (target <= 10 ms); firebreak {fb*1000:.0f} ms, bare {bare*1000:.0f} ms, empty run {empty*1000:.0f} ms")
PY
