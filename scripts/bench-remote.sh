#!/usr/bin/env bash
# Backup and restore throughput of pbsh over loopback TLS (`pbsh serve`) vs a local datastore.
#
# Usage: scripts/bench-remote.sh            (BENCH_MB=512 corpus size, BENCH_DIR work dir)
#        BENCH_SKIP_BUILD=1 uses the existing target/release/pbsh
# Prints MB/s for local and remote backup and restore, and the ratio remote/local.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${BENCH_MB:-512}
DIR=$(realpath -m -- "${BENCH_DIR:-/tmp/pbsh-bench-remote}") # pbsh wants a path, not a bare name
[ "${BENCH_SKIP_BUILD:-0}" = 1 ] || cargo build --release --quiet
PBSH=$PWD/target/release/pbsh
rm -rf "$DIR"; mkdir -p "$DIR"/{home,corpus}
export HOME=$DIR/home XDG_DATA_HOME=$DIR/home/data XDG_CONFIG_HOME=$DIR/home/config XDG_RUNTIME_DIR=$DIR/home/run
# Corpus: half incompressible random files of 1-16 MiB, half compressible text, and many small files.
python3 - "$DIR/corpus" "$MB" <<'PY'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
r = random.Random(20240601)
total, i = 0, 0
target = mb << 20
while total < target:
    size = r.randint(1 << 20, 16 << 20)
    d = os.path.join(root, f"d{i % 16}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i}.bin"), "wb") as f:
        if i % 2:
            f.write(r.randbytes(size))
        else:
            words = [b"alpha", b"beta", b"gamma", b"delta", b"pbsh", b"chunk", b"\n"]
            f.write(b" ".join(r.choice(words) for _ in range(size // 6))[:size])
    total += size; i += 1
small = os.path.join(root, "small")
os.makedirs(small)
for j in range(2000):
    with open(os.path.join(small, f"s{j}"), "wb") as f:
        f.write(r.randbytes(r.randint(0, 8192)))
PY
BYTES=$(du -sb "$DIR/corpus" | cut -f1)
export PBS_PASSWORD=bench-pass-1
"$PBSH" serve user add bench@pbs --admin --config-dir "$DIR/cfg" >/dev/null
"$PBSH" serve --datastore "store1=$DIR/ds-remote" --listen 127.0.0.1:0 --config-dir "$DIR/cfg" > "$DIR/serve.log" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on https:\/\/.*:\([0-9]*\).*/\1/p' "$DIR/serve.log" | head -1)
FP=$(sed -n 's/^fingerprint: //p' "$DIR/serve.log" | head -1)
REMOTE="bench@pbs@127.0.0.1:$PORT:store1"
cat "$DIR/corpus"/*/* > /dev/null 2>&1 || true   # warm the page cache
t() { local s e; s=$(date +%s.%N); "$@" > "$DIR/last.log" 2>&1 || { cat "$DIR/last.log"; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
mbps() { echo "scale=1; $BYTES / 1048576 / $1" | bc; }
L_B=$(t "$PBSH" --repository "$DIR/ds-local" backup "root.pxar:$DIR/corpus" --backup-id bench)
L_R=$(t "$PBSH" --repository "$DIR/ds-local" restore host/bench root.pxar "$DIR/restore-local")
R_B=$(t "$PBSH" --repository "$REMOTE" --fingerprint "$FP" backup "root.pxar:$DIR/corpus" --backup-id bench)
R_R=$(t "$PBSH" --repository "$REMOTE" --fingerprint "$FP" restore host/bench root.pxar "$DIR/restore-remote")
diff -r "$DIR/corpus" "$DIR/restore-remote" > /dev/null || { echo "remote restore differs"; exit 1; }
printf 'corpus %s MiB (%s bytes)\n' "$((BYTES >> 20))" "$BYTES"
printf '%-8s %10s %10s\n' step local remote
printf '%-8s %8s/s %8s/s   ratio %s\n' backup "$(mbps "$L_B")MB" "$(mbps "$R_B")MB" "$(echo "scale=2; $L_B / $R_B" | bc)"
printf '%-8s %8s/s %8s/s   ratio %s\n' restore "$(mbps "$L_R")MB" "$(mbps "$R_R")MB" "$(echo "scale=2; $L_R / $R_R" | bc)"
rm -rf "$DIR/corpus" "$DIR/restore-local" "$DIR/restore-remote" "$DIR/ds-local" "$DIR/ds-remote"
