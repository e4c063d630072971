#!/usr/bin/env bash
# Corpus figures for runbooks teams already have: how many load, how their steps are classified,
# what is lost, and how long `lint` and `show` take over all of them (issue 18; figures go in
# docs/benchmarks.md, "Real runbooks: load, classify, run").
#
#   scripts/bench-runbooks.sh [--no-build] [--steps FILE] [--runs N] DIR...
#
# Every `*.md` file under each DIR is measured, except files that are not runbooks by name
# (CHANGELOG*, LICENSE*, CONTRIBUTING*, CODE_OF_CONDUCT*, SECURITY*, CLAUDE.md, AGENTS.md and
# anything under a `.github` directory). Nothing is written into the DIRs.
#
# How each figure is taken, with the release binary (`cargo build --release -p firebreak`, skipped
# with --no-build; FIREBREAK_BIN=path picks another binary):
#   hard errors  `firebreak --json runbook lint FILE…` (all files in one process, or a few when
#                the argument list is long): files with at least one diagnostic of level
#                "error", and the error codes by count. Goal ≤ 2 % of files.
#   steps        `firebreak --json runbook show FILE…`, all files in one process (file by file
#                when that fails): `show` takes paths as well as names, so no `[runbooks] dirs`
#                configuration is needed. It runs
#                with FIREBREAK_DATA_DIR set to an empty temporary directory so that no user
#                configuration or library is read. Steps are counted by kind and, for steps that
#                run (kind command or piped), by safety class.
#   prompts      steps that run whose script starts with a pasted prompt the shell would try to
#                execute: `$ `, `% `, `user@host:~$ `, `[root@node ~]# `, `sh-5.1# `, `bash-5.2$ `,
#                `(venv) $ `, `PS C:\> ` (exit 127 or worse) or `> ` (a redirection: it creates a
#                file named after the command). Goal 0. Steps whose first line is `# cmd` are
#                shown apart: to the shell that is a comment, so the command silently does
#                nothing.
#   dropped      fences counted in the Markdown by this script (any indentation, ``` or ~~~)
#                whose info string is shell-like (bash, sh, shell, zsh, console, terminal,
#                shell-session, shellsession, sh-session, ksh, fish, or empty) and that
#                produced no step at all: no step's `line` falls between the fence's opening
#                and closing lines. Labelled and unlabelled fences are reported apart, as an
#                unlabelled fence may hold output rather than commands; an unlabelled fence
#                whose first line is a prompt or starts with a common command (kubectl, oc,
#                curl, systemctl, …) is also counted as "shell-looking". Commands lost inside a
#                fence that did produce steps are not counted (show --json has no way to tell).
#   PromQL       running steps whose first line looks like a PromQL expression (`sum by (…)(`,
#                `rate(`, `metric{label="…"}`): pasted queries the shell cannot run.
#   time         wall time of one pass of `lint` over all files plus `show` of all files, with
#                hyperfine (warm cache, one warm-up, --runs N, default 5) when installed, else
#                one timed pass with `date +%s.%N`. Goal ≤ 2 s for 1,000 files.
#
# Every running step's (class, file:line, script) is written to --steps FILE (default
# $TMPDIR/firebreak-bench-runbooks/steps.tsv), tab-separated, newlines in scripts as `\n`:
# sort it by class to read what the classifier calls read-only.
#
# Needs bash 4, jq (Debian package `jq`) and, for the timing, hyperfine (package `hyperfine`;
# without it the timing is a single pass).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf 'bench-runbooks: %s\n' "$*" >&2; }
die() {
    printf 'bench-runbooks: error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

build=true
runs=5
steps_out="${TMPDIR:-/tmp}/firebreak-bench-runbooks/steps.tsv"
dirs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=false ;;
        --steps) steps_out="${2:?--steps needs a file}"; shift ;;
        --runs) runs="${2:?--runs needs a number}"; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) dirs+=("$1") ;;
    esac
    shift
done
[ ${#dirs[@]} -gt 0 ] || die "give at least one directory of Markdown runbooks (see --help)"
for d in "${dirs[@]}"; do [ -d "$d" ] || die "$d is not a directory"; done

have jq || die "jq is needed to read firebreak's JSON: install it (Debian: apt-get install -y jq)"

if [ -n "${FIREBREAK_BIN:-}" ]; then
    fb="$FIREBREAK_BIN"
else
    target="${CARGO_TARGET_DIR:-$repo/target}"
    if $build; then
        say "building the release binary (cargo build --release -p firebreak)"
        (cd "$repo" && cargo build --release -p firebreak --quiet) || die "the build failed"
    fi
    fb="$target/release/firebreak"
fi
[ -x "$fb" ] || die "no firebreak binary at $fb (build it, or set FIREBREAK_BIN)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export FIREBREAK_DATA_DIR="$work/data"
mkdir -p "$FIREBREAK_DATA_DIR" "$(dirname "$steps_out")"

# The file list, NUL-separated, sorted so two runs compare line by line.
find "${dirs[@]}" -type f -name '*.md' \
    -not -path '*/.github/*' \
    -not -iname 'CHANGELOG*' -not -iname 'LICENSE*' -not -iname 'CONTRIBUTING*' \
    -not -iname 'CODE_OF_CONDUCT*' -not -iname 'SECURITY*' \
    -not -name 'CLAUDE.md' -not -name 'AGENTS.md' -print0 | sort -z >"$work/files"
files=$(tr -cd '\0' <"$work/files" | wc -c)
[ "$files" -gt 0 ] || die "no .md files under ${dirs[*]}"
say "$files files; firebreak $("$fb" --version 2>/dev/null | head -1)"

# --- lint -------------------------------------------------------------------------------------
# Exit 1 means "errors found"; anything else (a file that cannot be read) is retried file by
# file so that one bad file does not hide the others.
lint_status=0
xargs -0 -a "$work/files" "$fb" --json runbook lint >"$work/lint.json" 2>"$work/lint.err" ||
    lint_status=$?
if [ "$lint_status" -ne 0 ] && [ "$lint_status" -ne 1 ] && [ "$lint_status" -ne 123 ]; then
    say "lint of all files failed ($(head -1 "$work/lint.err")); linting file by file"
    : >"$work/lint.json"
    while IFS= read -r -d '' f; do
        "$fb" --json runbook lint "$f" >>"$work/lint.json" 2>>"$work/lint.err" ||
            [ $? -eq 1 ] || jq -n --arg f "$f" --arg m "$(tail -1 "$work/lint.err")" \
            '{diagnostics: [{file: $f, level: "error", code: "unreadable", message: $m}]}' \
            >>"$work/lint.json"
    done <"$work/files"
fi
jq -s '[.[].diagnostics[]]' "$work/lint.json" >"$work/diagnostics.json"

# --- show -------------------------------------------------------------------------------------
# One JSON object per line: {file, ok, show} (show is firebreak's object, or its error text).
# All files go to one `show` (xargs splits a long list into a few processes; each prints an
# array, or one object for one file). When that fails, every file is shown on its own so that
# the one that cannot be read is named.
: >"$work/show.jsonl"
if xargs -0 -a "$work/files" "$fb" --json runbook show >"$work/all.json" 2>"$work/all.err"; then
    jq -c 'if type == "array" then .[] else . end | {file: .origin, ok: true, show: .}' \
        "$work/all.json" >>"$work/show.jsonl"
else
    say "show of all files failed ($(head -1 "$work/all.err")); showing file by file"
    while IFS= read -r -d '' f; do
        if "$fb" --json runbook show "$f" >"$work/one.json" 2>"$work/one.err"; then
            jq -c --arg f "$f" '{file: $f, ok: true, show: .}' "$work/one.json" >>"$work/show.jsonl"
        else
            jq -nc --arg f "$f" --arg e "$(head -1 "$work/one.err")" \
                '{file: $f, ok: false, error: $e}' >>"$work/show.jsonl"
        fi
    done <"$work/files"
fi

# Every step, flattened: {file, line, kind, safety, script}.
jq -c 'select(.ok) | .file as $f | .show.procedures[]?.steps[]? |
    {file: $f, line, kind, safety, script: (.script // null)}' "$work/show.jsonl" >"$work/steps.jsonl"
jq -r 'select(.script != null) | [.safety, "\(.file):\(.line)", .script] | @tsv' \
    "$work/steps.jsonl" >"$steps_out"

# --- fences in the Markdown, for "dropped" ----------------------------------------------------
# One line per fence: file, open line, close line, info word (lower case, "" when unlabelled).
while IFS= read -r -d '' f; do
    awk -v file="$f" '
        !infence && match($0, /^[ \t>]*(```+|~~~+)/) {
            lead = substr($0, 1, RLENGTH); fence = lead; sub(/^[ \t>]*/, "", fence)
            rest = substr($0, RLENGTH + 1)
            if (substr(fence, 1, 1) == "`" && index(rest, "`")) next   # inline code, not a fence
            sub(/^[ \t{.]*/, "", rest); split(rest, w, /[ \t,}]/)
            infence = 1; open = NR; info = tolower(w[1]); first = ""; next
        }
        infence {
            line = $0; sub(/^[ \t>]*/, "", line)
            if (index(line, fence) == 1 && line ~ /^(`+|~+)[ \t]*$/ && length(line) >= length(fence)) {
                printf "%s\t%d\t%d\t%s\t%s\n", file, open, NR, info, first; infence = 0
            } else if (first == "" && line ~ /[^ \t]/) {
                first = line; gsub(/\t/, " ", first)
            }
        }
        END { if (infence) printf "%s\t%d\t%d\t%s\t%s\n", file, open, NR, info, first }
    ' "$f"
done <"$work/files" >"$work/fences.tsv"
jq -r '[.file, .line] | @tsv' "$work/steps.jsonl" >"$work/step-lines.tsv"
# An unlabelled fence "looks like shell" when its first line is a prompt or starts with a
# common command; the rest are mostly output, YAML or PromQL.
shell_looking='^([$#%] |sudo |kubectl |oc |virtctl |curl |wget |ssh |scp |systemctl |journalctl |docker |podman |crictl |helm |aws |gcloud |gsutil |az |terraform |git |cat |ls |grep |export |cd |echo |psql |mysql |mongo|redis-cli |ceph |rados |rbd |etcdctl |watch |tail |ps |df |du |kill |pkill |rm |mv |cp |mkdir |chmod |chown |find |openssl |dig |nslookup |ping |for |while |if |[A-Z_]+=)'

awk -F'\t' -v looks="$shell_looking" '
    NR == FNR { lines[$1] = lines[$1] " " $2; next }
    {
        shell = ($4 ~ /^(bash|sh|shell|zsh|ksh|fish|console|terminal|shell-session|shellsession|sh-session|shell-script)$/)
        if (!shell && $4 != "") next
        hit = 0; n = split(lines[$1], ls, " ")
        for (i = 1; i <= n; i++) if (ls[i] + 0 >= $2 && ls[i] + 0 <= $3) { hit = 1; break }
        kind = ($4 == "") ? "unlabelled" : "labelled"
        total[kind]++; if (!hit) { dropped[kind]++; by[$4 == "" ? "(none)" : $4]++ }
        if ($4 == "" && $5 ~ looks) { total["looks"]++; if (!hit) dropped["looks"]++ }
    }
    END {
        printf "%d\t%d\t%d\t%d\t%d\t%d\n", total["labelled"], dropped["labelled"], total["unlabelled"], dropped["unlabelled"], total["looks"], dropped["looks"]
        for (k in by) printf "%s\t%d\n", k, by[k] > "/dev/stderr"
    }
' "$work/step-lines.tsv" "$work/fences.tsv" >"$work/dropped.tsv" 2>"$work/dropped-by.tsv"

# --- timing -----------------------------------------------------------------------------------
cat >"$work/pass.sh" <<EOF
#!/usr/bin/env bash
xargs -0 -a "$work/files" "$fb" --json runbook lint >/dev/null 2>&1
xargs -0 -a "$work/files" "$fb" --json runbook show >/dev/null 2>&1
exit 0
EOF
chmod +x "$work/pass.sh"
if have hyperfine; then
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/time.json" \
        -n lint "xargs -0 -a $work/files $fb --json runbook lint" \
        -n show "xargs -0 -a $work/files $fb --json runbook show" \
        -n 'lint + show' "$work/pass.sh" -i >/dev/null 2>&1 || die "hyperfine failed"
    timing=$(jq -r '.results[] | "\(.command)\t\(.mean)\t\(.stddev // 0)"' "$work/time.json")
    how="hyperfine, mean of $runs runs after a warm-up"
else
    say "hyperfine not found (Debian: apt-get install -y hyperfine): timing one pass with date"
    t0=$(date +%s.%N)
    xargs -0 -a "$work/files" "$fb" --json runbook lint >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    xargs -0 -a "$work/files" "$fb" --json runbook show >/dev/null 2>&1 || true
    t2=$(date +%s.%N)
    timing=$(awk -v a="$t0" -v b="$t1" -v c="$t2" \
        'BEGIN { printf "lint\t%f\t0\nshow\t%f\t0\nlint + show\t%f\t0\n", b - a, c - b, c - a }')
    how="one pass timed with date"
fi

# --- report -----------------------------------------------------------------------------------
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }
err_files=$(jq '[.[] | select(.level == "error") | .file] | unique | length' "$work/diagnostics.json")
warn_files=$(jq '[.[] | select(.level != "error") | .file] | unique | length' "$work/diagnostics.json")
show_failed=$(jq -s '[.[] | select(.ok | not)] | length' "$work/show.jsonl")
steps_total=$(wc -l <"$work/steps.jsonl")
prompt_re='^[[:space:]]*(\$|%|>|PS [^>]*>|\([^)]*\)[[:space:]]*[$#%]|\[[^]]*\][$#]|[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+(:[^[:space:]]*)?[$#%]|[a-z]+-[0-9][0-9.]*[$#])([[:space:]]|$)'
prompt_steps=$(jq -r 'select(.script != null) | .script | split("\n") | map(select(test("\\S"))) | .[0] // ""' \
    "$work/steps.jsonl" | grep -cE "$prompt_re" || true)
prompt_any=$(jq -r 'select(.script != null) | .script | gsub("\n"; "\u0001")' "$work/steps.jsonl" |
    tr '\001' '\n' | grep -cE "$prompt_re" || true)
hash_steps=$(jq -r 'select(.script != null) | .script | split("\n") | map(select(test("\\S"))) | .[0] // ""' \
    "$work/steps.jsonl" | grep -cE '^[[:space:]]*#[[:space:]]+[a-z]' || true)
IFS=$'\t' read -r lab_total lab_dropped unl_total unl_dropped looks_total looks_dropped <"$work/dropped.tsv"
promql_steps=$(jq -r 'select(.script != null) | .script | split("\n")[0]' "$work/steps.jsonl" |
    grep -cE '^[[:space:](]*((sum|avg|max|min|count|rate|irate|increase|histogram_quantile|topk|absent)[[:space:]]*(by|without)?[[:space:]]*\(|[a-z_:]+\{[a-z_]+=~?")' || true)

echo
echo "Corpus: ${dirs[*]}"
echo "files                                  $files"
echo "files with hard errors (lint)          $err_files ($(pct "$err_files" "$files") %; goal ≤ 2 %)"
echo "files with warnings                    $warn_files"
echo "error codes (diagnostics, by count):"
jq -r '[.[] | select(.level == "error") | .code] | group_by(.) | map([length, .[0]]) | sort_by(-.[0])[] |
    "  \(.[0])\t\(.[1])"' "$work/diagnostics.json"
echo "warning codes (diagnostics, by count):"
jq -r '[.[] | select(.level != "error") | .code] | group_by(.) | map([length, .[0]]) | sort_by(-.[0])[] |
    "  \(.[0])\t\(.[1])"' "$work/diagnostics.json"
echo "show failed (no steps read)            $show_failed"
if [ "$show_failed" -gt 0 ]; then
    jq -r 'select(.ok | not) | .error' "$work/show.jsonl" | sed 's/[0-9]\+/N/g' | sort | uniq -c |
        sort -rn | head -5 | sed 's/^/    /'
fi
echo "steps                                  $steps_total"
jq -s -r 'group_by(.kind) | .[] | "  \(.[0].kind)\t\(length)"' "$work/steps.jsonl"
echo "steps that run, by safety class:"
jq -s -r '[.[] | select(.script != null)] | group_by(.safety) | .[] | "  \(.[0].safety)\t\(length)"' \
    "$work/steps.jsonl"
echo "steps starting with a pasted prompt    $prompt_steps (goal 0; prompt lines anywhere in a step: $prompt_any)"
echo "steps starting with '# command'        $hash_steps (a comment to the shell: runs nothing)"
echo "steps that look like PromQL            $promql_steps (not shell: they fail if run)"
echo "shell fences with no step (dropped)    labelled: $lab_dropped of $lab_total; unlabelled: $unl_dropped of $unl_total,"
echo "                                       of which shell-looking: $looks_dropped of $looks_total"
sort -t$'\t' -k2,2nr "$work/dropped-by.tsv" | head -8 | awk -F'\t' '{ printf "  %s\t%s\n", $2, $1 }'
echo "wall time ($how):"
echo "$timing" | awk -F'\t' '{ printf "  %-12s %.3f s ± %.3f\n", $1, $2, $3 }'
echo "steps (class, file:line, script)       $steps_out"
