#!/usr/bin/env bash
# Benchmark of the FUSE mount (issue 8): sequential read of one big file through `pbsh mount`
# versus `pbsh restore` of the same archive, as MB/s and their ratio (target: mount >= 0.5x).
#
# Usage: scripts/bench-mount.sh
#
# Environment:
#   BENCH_DIR=/tmp/pbsh-bench-mount   work dir (source file, datastore, targets, logs)
#   BENCH_MIB=1024                    size of the file in MiB
#   BENCH_SKIP_BUILD=0                1 uses the existing target/release/pbsh
#   BENCH_CACHE=64M                   --cache-size of the mount
#
# Steps: write BENCH_MIB of incompressible data, back it up into a fresh local datastore, then
# (page cache warm for both, since the chunks were just written) time a restore to an empty
# directory and a `cat` of the file through a one-shot mount to /dev/null. Untimed afterwards:
# the mounted file's SHA-256 and 64 random-offset reads must equal the source.
# Requires root or a usable /dev/fuse with fusermount.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=$(realpath -m -- "${BENCH_DIR:-/tmp/pbsh-bench-mount}") # pbsh wants a path, not a bare name
BENCH_MIB=${BENCH_MIB:-1024}
BENCH_CACHE=${BENCH_CACHE:-64M}
PBSH=$PWD/target/release/pbsh

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release --bin pbsh
fi

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/src" "$BENCH_DIR/mnt"
export HOME=$BENCH_DIR TZ=UTC
unset PBS_REPOSITORY
store=$BENCH_DIR/store
file=$BENCH_DIR/src/big.bin
head -c "$((BENCH_MIB << 20))" /dev/urandom >"$file"
bytes=$(stat -c %s "$file")

now() { date +%s.%N; }
mbps() { python3 -c "import sys; print(f'{$1 / 1e6 / ($3 - $2):.1f}')"; }

echo "backup of $BENCH_MIB MiB …"
"$PBSH" --repository "$store" backup "root.pxar:$BENCH_DIR/src" --backup-id bench >"$BENCH_DIR/backup.log" 2>&1

t0=$(now)
"$PBSH" --repository "$store" restore host/bench root.pxar "$BENCH_DIR/restored" >"$BENCH_DIR/restore.log" 2>&1
t1=$(now)
restore_mbps=$(mbps "$bytes" "$t0" "$t1")
cmp "$file" "$BENCH_DIR/restored/big.bin"
rm -rf "$BENCH_DIR/restored"

"$PBSH" --repository "$store" mount host/bench root.pxar "$BENCH_DIR/mnt" --cache-size "$BENCH_CACHE" \
    >"$BENCH_DIR/mount.log" 2>&1 </dev/null &
mount_pid=$!
cleanup() { kill -TERM "$mount_pid" 2>/dev/null || true; wait "$mount_pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 600); do
    grep -q " $BENCH_DIR/mnt " /proc/self/mountinfo && break
    sleep 0.05
done
grep -q " $BENCH_DIR/mnt " /proc/self/mountinfo || { cat "$BENCH_DIR/mount.log"; exit 1; }

t0=$(now)
cat "$BENCH_DIR/mnt/big.bin" >/dev/null
t1=$(now)
mount_mbps=$(mbps "$bytes" "$t0" "$t1")

# Untimed checks: whole-file checksum (served from the page cache by now, so re-read
# through a fresh mount would be fairer; the random reads below use O_DIRECT-free pread).
sum_src=$(sha256sum <"$file" | cut -d' ' -f1)
sum_mnt=$(sha256sum <"$BENCH_DIR/mnt/big.bin" | cut -d' ' -f1)
[ "$sum_src" = "$sum_mnt" ] || { echo "checksum mismatch through the mount" >&2; exit 1; }
python3 - "$file" "$BENCH_DIR/mnt/big.bin" <<'EOF'
import os, random, sys
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
size = os.fstat(a).st_size
rng = random.Random(8)
for _ in range(64):
    off, n = rng.randrange(size), rng.randrange(1, 4 << 20)
    assert os.pread(a, n, off) == os.pread(b, n, off), f"bytes differ at {off}+{n}"
print("random-offset reads: 64 equal")
EOF

kill -TERM "$mount_pid"
wait "$mount_pid"
trap - EXIT
ratio=$(python3 -c "print(f'{$mount_mbps / $restore_mbps:.2f}')")
{
    echo "file: $BENCH_MIB MiB ($bytes bytes), cache $BENCH_CACHE, $(nproc) cores"
    echo "restore:           $restore_mbps MB/s"
    echo "mount (cat):       $mount_mbps MB/s"
    echo "ratio mount/restore: $ratio (target >= 0.5)"
} | tee "$BENCH_DIR/results.txt"
