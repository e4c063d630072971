#!/usr/bin/env bash
# `firebreak evidence add` of a large file from the page cache, side by side with what a
# responder would otherwise run on the same file: `sha256sum` (hash only) and `cp` + `sync`
# (copy, made durable). firebreak hashes, copies into the store and fsyncs, so it does both.
# Figures go in docs/benchmarks.md.
#
#   benches/evidence.sh [SIZE_MIB]        (default 1024)
#
# Needs hyperfine (Debian package `hyperfine`; installed with apt-get when run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

size="${1:-1024}"
have() { command -v "$1" >/dev/null 2>&1; }
if ! have hyperfine; then
    if [ "$(id -u)" = 0 ] && have apt-get; then
        apt-get install -y -qq hyperfine >/dev/null
    else
        echo "evidence bench: needs hyperfine" >&2
        exit 1
    fi
fi
cargo build --release --locked -q -p firebreak
bin="$PWD/target/release/firebreak"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/fb-evidence-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export FIREBREAK_DATA_DIR="$work/data" FIREBREAK_USER=bench

head -c "$((size << 20))" /dev/urandom > "$work/big.bin"
cat "$work/big.bin" > /dev/null   # into the page cache
"$bin" init >/dev/null
"$bin" declare "evidence bench" --sev P3 >/dev/null
id="$("$bin" ls --json | sed -n 's/.*"id": *"\(INC-[^"]*\)".*/\1/p' | head -n 1)"

# Each firebreak run starts from an empty store, so every run really copies the file.
hyperfine --warmup 1 --runs 7 --export-json "$work/h.json" \
    --prepare "rm -rf $work/data/evidence/sha256; sync" \
    -n "firebreak evidence add" "$bin evidence add $id $work/big.bin >/dev/null" \
    -n "sha256sum" "sha256sum $work/big.bin >/dev/null" \
    -n "cp + sync" "cp $work/big.bin $work/copy.bin && sync $work/copy.bin && rm $work/copy.bin"
python3 - "$work/h.json" "$size" <<'PY'
import json, sys
size_gb = int(sys.argv[2]) * 1024 * 1024 / 1e9
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"evidence bench: {r['command']:<24} median {r['median']:.2f} s = {size_gb / r['median']:.2f} GB/s")
PY
