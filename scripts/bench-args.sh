# Sourced by the scripts/bench-*.sh benchmarks: reads `[--no-build] [--runs N]` (default: the
# `runs` the script set before sourcing this, else 10), builds the release binary unless told not to, and sets `runs` and `fb` (the firebreak
# binary: FIREBREAK_BIN, else the release build under CARGO_TARGET_DIR or target/).
runs=${runs:-10}
build=1
while (($#)); do
    case $1 in
        --no-build) build=0 ;;
        --runs) runs=$2; shift ;;
        *) echo "usage: $0 [--no-build] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done
((build)) && cargo build --release --locked -p firebreak --bin firebreak >&2
fb=${FIREBREAK_BIN:-${CARGO_TARGET_DIR:-target}/release/firebreak}
fb=$(realpath "$fb")
