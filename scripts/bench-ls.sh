#!/bin/bash
# `ls` of a directory with 10,000 entries inside an archive, through the whole binary
# (process start, manifest, index, the directory's chunks, sorting, printing): median of 5 runs.
# Usage: scripts/bench-ls.sh [ENTRIES]   (release build; work dir /tmp/pbsh-bench-ls)
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-10000}
work=/tmp/pbsh-bench-ls
cargo build --release --quiet
pbsh=$PWD/target/release/pbsh
rm -rf "$work" && mkdir -p "$work/src/big"
python3 - "$work/src/big" "$entries" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, f"file-{i:05d}.txt"), "w") as f:
        f.write(f"entry {i}\n")
PY
"$pbsh" --repository "$work/store" backup "root.pxar:$work/src" --backup-id ls --backup-time 1764000000 >/dev/null 2>&1
dir=/store/host/ls/2025-11-24T16:00:00Z/root.pxar/big
run() {
    local times=()
    for _ in 1 2 3 4 5 6; do
        local t0 t1
        t0=$(date +%s%N)
        "$pbsh" --repository "$work/store" -c "$1" >/dev/null
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    # Drop the first (warm-up), median of the rest.
    printf '%s\n' "${times[@]:1}" | sort -n | sed -n 3p
}
plain=$(run "ls $dir")
long=$(run "ls -l $dir")
count=$("$pbsh" --repository "$work/store" -c "ls $dir" | wc -l)
echo "entries listed: $count"
echo "ls    $dir: median $((plain / 1000)) ms"
echo "ls -l $dir: median $((long / 1000)) ms"
