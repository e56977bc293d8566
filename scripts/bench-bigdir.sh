#!/usr/bin/env bash
# One huge directory inside a pxar archive, through the whole binary: `ls -l` (wall time, time to
# its first line), `stat` of one entry, `find` with a glob, `select DIR/*` + `list-selected`,
# `get 'DIR/f1*' OUT` and a full restore, each with its peak RSS and the chunks it fetched.
#
# Usage:
#   scripts/bench-bigdir.sh            build (release), make the corpus once, back it up, measure
#   scripts/bench-bigdir.sh --help
#
# Environment:
#   BENCH_DIR=/tmp/pbsh-bench-bigdir   work dir: corpus, datastore, targets, logs, results.txt
#   BIGDIR_N=1000000                   files in the directory (named f0, f1, … f<N-1>)
#   BIGDIR_SPLIT=0                     1 backs up in metadata mode (.mpxar + .ppxar) instead
#   BENCH_RUNS=3                       runs of every step; the table shows medians
#   BENCH_SEED=20241221                corpus seed (the corpus is reused while its marker matches)
#   BENCH_SKIP_BUILD=0                 1 uses the existing binary (PBSH=path: another binary)
#   BENCH_STEPS="ls stat find select get restore"   steps to run
#
# The corpus is $BENCH_DIR/src/big with N files of 64–2048 random bytes each (deterministic),
# made by a small Python script and kept while its marker (N, seed) matches; it is backed up
# once per binary into $BENCH_DIR/store (the store is rebuilt when the marker changes).
# Wall time and peak RSS come from /usr/bin/time -v; the first-line latency of `ls -l` from a
# Python wrapper that timestamps the first line it reads from pbsh's standard output; chunks
# fetched from PBSH_CHUNK_STATS=1 (pbsh then says on standard error how many chunks it fetched;
# an older binary says nothing, shown as `-`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
"") ;;
*)
    usage >&2
    exit 2
    ;;
esac

BENCH_DIR=$(realpath -m -- "${BENCH_DIR:-/tmp/pbsh-bench-bigdir}")
BIGDIR_N=${BIGDIR_N:-1000000}
BIGDIR_SPLIT=${BIGDIR_SPLIT:-0}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SEED=${BENCH_SEED:-20241221}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
BENCH_STEPS=${BENCH_STEPS:-ls stat find select get restore}

if [[ -z ${PBSH:-} ]]; then
    if [[ $BENCH_SKIP_BUILD != 1 ]]; then
        cargo build --release --quiet
    fi
    PBSH=${CARGO_TARGET_DIR:-$ROOT/target}/release/pbsh
fi
PBSH=$(realpath -- "$PBSH")
[[ -x $PBSH ]] || {
    echo "no pbsh binary at $PBSH" >&2
    exit 1
}
[[ -x /usr/bin/time ]] || {
    echo "/usr/bin/time (GNU time) is needed" >&2
    exit 1
}

mkdir -p "$BENCH_DIR/logs"
SRC=$BENCH_DIR/src
STORE=$BENCH_DIR/store
OUT=$BENCH_DIR/out

# --- corpus (once) ---------------------------------------------------------------------------
corpus_marker="n=$BIGDIR_N seed=$BENCH_SEED"
if [[ ! -f $SRC/.marker || $(cat "$SRC/.marker") != "$corpus_marker" ]]; then
    echo "making the corpus: $BIGDIR_N files in $SRC/big …" >&2
    rm -rf "$SRC"
    mkdir -p "$SRC/big"
    python3 - "$SRC/big" "$BIGDIR_N" "$BENCH_SEED" <<'PY'
import os, random, sys
d, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
pool = rng.randbytes(1 << 24)
for i in range(n):
    size = rng.randrange(64, 2049)
    start = rng.randrange(0, len(pool) - size)
    fd = os.open(os.path.join(d, f"f{i}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, pool[start:start + size])
    os.close(fd)
PY
    echo "$corpus_marker" >"$SRC/.marker"
fi

# --- backup (once per binary and mode) ------------------------------------------------------
archive=root.pxar
backup_args=()
if [[ $BIGDIR_SPLIT == 1 ]]; then
    archive=root.mpxar
    backup_args=(--change-detection-mode metadata)
fi
store_marker="$corpus_marker split=$BIGDIR_SPLIT bin=$(sha256sum "$PBSH" | cut -c1-16)"
if [[ ! -f $BENCH_DIR/.store-marker || $(cat "$BENCH_DIR/.store-marker") != "$store_marker" ]]; then
    echo "backing up $SRC …" >&2
    rm -rf "$STORE"
    /usr/bin/time -v -o "$BENCH_DIR/logs/backup.time" "$PBSH" --repository "$STORE" backup \
        "root.pxar:$SRC" --backup-id bigdir --backup-time 1764000000 "${backup_args[@]}" \
        >"$BENCH_DIR/logs/backup.log" 2>&1
    echo "$store_marker" >"$BENCH_DIR/.store-marker"
fi
SNAP=/store/host/bigdir/2025-11-24T16:00:00Z
DIR=$SNAP/$archive/big
INDEX_CHUNKS=$(find "$STORE/.chunks" -type f | wc -l)

# --- measuring ------------------------------------------------------------------------------
# Prints "first_ms lines" for a command, timing its first line of standard output.
FIRSTLINE=$BENCH_DIR/firstline.py
cat >"$FIRSTLINE" <<'PY'
import subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=open(sys.argv[0] + ".err", "w"))
first = None
lines = 0
for line in p.stdout:
    if first is None:
        first = time.monotonic() - t0
    lines += 1
rc = p.wait()
print(f"{(first or 0) * 1000:.1f} {lines} {rc}")
PY

ROWS=$BENCH_DIR/rows.tsv
: >"$ROWS"

# measure STEP RUN CMD...: one timed run; appends "step wall_s rss_mib first_ms lines chunks".
measure() {
    local step=$1 run=$2
    shift 2
    local log=$BENCH_DIR/logs/$step.$run
    local result
    result=$(PBSH_CHUNK_STATS=1 /usr/bin/time -v -o "$log.time" python3 "$FIRSTLINE" "$@")
    local first lines rc
    read -r first lines rc <<<"$result"
    cp "$FIRSTLINE.err" "$log.err"
    if [[ $rc != 0 ]]; then
        echo "$step failed (exit $rc): $(tail -3 "$log.err")" >&2
    fi
    local wall rss chunks
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$log.time")
    chunks=$({ grep -o 'chunks fetched: [0-9]*' "$log.err" || true; } | awk '{ s += $3 } END { if (NR) print s; else print "-" }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$step" "$wall" "$rss" "$first" "$lines" "$chunks" >>"$ROWS"
}

for run in $(seq 1 "$BENCH_RUNS"); do
    for step in $BENCH_STEPS; do
        case $step in
        ls) measure ls "$run" "$PBSH" --repository "$STORE" -c "ls -l $DIR" ;;
        stat) measure stat "$run" "$PBSH" --repository "$STORE" -c "stat $DIR/f$((BIGDIR_N / 2))" ;;
        find) measure find "$run" "$PBSH" --repository "$STORE" -c "find $DIR --name 'f12345*'" ;;
        select) measure select "$run" "$PBSH" --repository "$STORE" -c "select $DIR/*; list-selected" ;;
        get)
            rm -rf "$OUT" && mkdir -p "$OUT"
            measure get "$run" "$PBSH" --repository "$STORE" -c "get '$DIR/f1*' $OUT"
            rm -rf "$OUT"
            ;;
        restore)
            rm -rf "$OUT"
            measure restore "$run" "$PBSH" --repository "$STORE" restore host/bigdir/2025-11-24T16:00:00Z \
                "$archive" "$OUT"
            rm -rf "$OUT"
            ;;
        *)
            echo "unknown step $step" >&2
            exit 2
            ;;
        esac
    done
done

# --- summary --------------------------------------------------------------------------------
{
    echo "pbsh bigdir benchmark: N=$BIGDIR_N files, archive $archive, $BENCH_RUNS run(s), medians"
    echo "binary: $PBSH"
    echo "chunks in the datastore: $INDEX_CHUNKS"
    printf '%-8s %10s %10s %12s %10s %8s\n' step wall_s rss_MiB first_ms lines chunks
    for step in $BENCH_STEPS; do
        awk -F'\t' -v s="$step" '$1 == s' "$ROWS" | python3 -c '
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin if l.strip()]
if not rows:
    sys.exit()
def med(i, fmt):
    vals = [float(r[i]) for r in rows if r[i] not in ("-", "")]
    return fmt % statistics.median(vals) if vals else "-"
print("%-8s %10s %10s %12s %10s %8s" % (rows[0][0], med(1, "%.2f"), med(2, "%.1f"),
      med(3, "%.1f"), med(4, "%.0f"), med(5, "%.0f")))
'
    done
} | tee "$BENCH_DIR/results.txt"
