#!/usr/bin/env bash
# End-to-end benchmark of pbsh against a deterministic corpus, with the real Proxmox Backup client
# and server 3.2.4 as the anchor, and restic, borg and rustic as peers.
#
# Usage:
#   scripts/bench.sh                 full run: 1 GiB corpus, every step 3 times, medians
#   scripts/bench.sh --quick         quick run (< 2 min once built): ~50 MiB corpus, one run each
#   scripts/bench.sh --micro [FILT]  criterion micro-benchmarks (chunker, blob encode, SHA-256)
#   scripts/bench.sh --help
#
# Environment:
#   BENCH_DIR=/tmp/pbsh-bench   work dir: corpus, repos, restore targets, logs, results.txt
#                               (--quick: /tmp/pbsh-bench-quick, so the full corpus is kept)
#   BENCH_GB=1                  corpus size in GiB (fractions allowed; --quick: 0.05)
#   BENCH_RUNS=3                runs of every step; the tables show medians (--quick: 1)
#   BENCH_SEED=20240601         corpus seed (the corpus is reused while its marker matches)
#   BENCH_TIMEOUT=900           seconds before one measured step is killed
#   BENCH_TOOLS="pbs pbsh pbsh-pbs pbsh-remote pbs-pbsh restic borg rustic"
#                               tools to run (client -> server; peers only when installed):
#                                 pbs          the real client -> the real server (the anchor)
#                                 pbsh         pbsh into a local datastore
#                                 pbsh-pbs     pbsh -> the real server
#                                 pbsh-remote  pbsh -> `pbsh serve`
#                                 pbs-pbsh     the real client -> `pbsh serve`
#                                 pbsh-s3      pbsh into an S3 datastore on a 1-node Garage
#                                 pbsh-s3x3    the same on a 3-node Garage (replication 3)
#                                 pbs-pbsh-s3  the real client -> `pbsh serve` over S3 (1 node)
#                               (Garage from BENCH_GARAGE; its nodes' CPU is the "server" column,
#                               the requests pbsh sent are rows "s3 requests per GiB")
#                               servers run on the same cores, over loopback TLS; the real one
#                               needs root and BENCH_PBS_PEERS
#   BENCH_PBS_PEERS=../shared/peers/pbs-3.2.4   the real PBS 3.2.4 programs and with-pbs-server.sh
#   BENCH_VERIFY_RESTORE=1      compare each restored tree with the corpus (untimed)
#   BENCH_RESTORE_DIR=$BENCH_DIR  where the restore targets go (e.g. /dev/shm/pbsh-bench when
#                               the disk is short: one tool's restores exist at a time)
#   BENCH_KEEP=0                1 keeps the last run's repos after the run
#   BENCH_SKIP_BUILD=0          1 uses the existing target/release/pbsh (PBSH=path: another binary)
#   BENCH_SOURCE=               a directory to copy as the corpus instead of generating one (e.g.
#                               a Rust toolchain: ~/.rustup/toolchains/stable-x86_64-unknown-linux-gnu,
#                               ~1.2 GiB in ~52,000 files); the copy lives in $BENCH_DIR/corpus
#   BENCH_BIGDIR=0              1 also runs scripts/bench-bigdir.sh (one huge directory) at the end
#
# First `pbsh bench` measures the machine's primitive limits (SHA-256, zstd-1, AES-256-GCM per
# core, the chunker, the backup pipeline on 1 and all cores); they head the summary, so the
# distance between the end-to-end figures and what the CPU allows is visible.
# Then, BENCH_RUNS times, each tool gets a fresh repository and runs, on the same corpus (page
# cache warmed first): fresh backup, unchanged backup, ~1 % changed backup, restore into an empty
# directory, and (local pbsh, pbsh remote and the peers) a full check (pbsh verify, restic/rustic
# check --read-data, borg check --verify-data). The pbsh clients also run two metadata-mode
# backups (the second one unchanged) into a datastore of their own; the real client 3.2.4 has no
# change-detection modes. Runs are interleaved (run 1 of every tool, then run 2, ...), so the
# runs of one number are pairs taken under the same conditions.
# Per step: wall time, peak RSS and the client's CPU seconds (user + system) from /usr/bin/time -v;
# for a remote step also the server's CPU seconds (utime + stime of its processes from
# /proc/PID/stat before and after: `pbsh serve`, or the real proxmox-backup-proxy and -api).
# MiB/s = corpus bytes / wall seconds; MB/CPU-s = corpus MB (10^6) / client CPU seconds;
# srv CPU s/GiB = server CPU seconds / corpus GiB; repository sizes are measured after each run.
# The summary (medians per step, a tool-by-step matrix, ratios against the real client and
# server, the goals of issue 21) is printed and written to $BENCH_DIR/results.txt; raw rows are in
# $BENCH_DIR/rows.tsv, logs in $BENCH_DIR/logs.
# Disk: a tool's repositories and restore targets are removed after its steps, then synced and
# left to settle, so no timed step follows a large deletion and the disk holds one tool's at a time. No encryption anywhere (pbsh and
# the real client --crypt-mode none, restic/rustic without/with a dummy password, borg -e none).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
--micro)
    shift
    cargo bench --bench engine -- "${@}" 2>&1 | grep -E '^(chunker|blob_encode)/|thrpt:|^Benchmarking [^ ]+$' | grep -v Warming
    exit 0
    ;;
--quick)
    QUICK=1
    ;;
"") ;;
*)
    usage >&2
    exit 2
    ;;
esac

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    BENCH_DIR=${BENCH_DIR:-/tmp/pbsh-bench-quick}
    BENCH_GB=${BENCH_GB:-0.05}
    BENCH_RUNS=${BENCH_RUNS:-1}
    PRIMITIVE_SECONDS=0.3
else
    BENCH_DIR=${BENCH_DIR:-/tmp/pbsh-bench}
    BENCH_GB=${BENCH_GB:-1}
    BENCH_RUNS=${BENCH_RUNS:-3}
    PRIMITIVE_SECONDS=2
fi
# pbsh takes a local datastore only as a path (a bare name is a store on localhost).
BENCH_DIR=$(realpath -m -- "$BENCH_DIR")
BENCH_SEED=${BENCH_SEED:-20240601}
RESTORE_DIR=$(realpath -m -- "${BENCH_RESTORE_DIR:-$BENCH_DIR}")
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
BENCH_TOOLS=${BENCH_TOOLS:-pbs pbsh pbsh-pbs pbsh-remote pbs-pbsh restic borg rustic}
BENCH_PBS_PEERS=${BENCH_PBS_PEERS:-$ROOT/../shared/peers/pbs-3.2.4}
BENCH_BIGDIR=${BENCH_BIGDIR:-0}
BENCH_GARAGE=${BENCH_GARAGE:-$ROOT/../shared/peers/garage-2.5.0}
BENCH_SOURCE=${BENCH_SOURCE:-}
BENCH_VERIFY_RESTORE=${BENCH_VERIFY_RESTORE:-1}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}

CORPUS=$BENCH_DIR/corpus
MARKER=$BENCH_DIR/corpus.marker
UNDO=$BENCH_DIR/mutation.undo
LOGS=$BENCH_DIR/logs
RESULTS=$BENCH_DIR/results.txt
PBSH=${PBSH:-$ROOT/target/release/pbsh}
ROWS=$BENCH_DIR/rows.tsv
FAILURES_FILE=$BENCH_DIR/failures.txt
PRIMITIVES=$BENCH_DIR/primitives.json
CORPUS_VERSION=1

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Prerequisites
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
    else
        sudo apt-get install -y -qq time >/dev/null
    fi
fi
command -v python3 >/dev/null || { echo "python3 is needed to generate the corpus" >&2; exit 1; }
command -v timeout >/dev/null || { echo "timeout (coreutils) is needed" >&2; exit 1; }

if [[ $BENCH_SKIP_BUILD != 1 && $PBSH == "$ROOT/target/release/pbsh" ]]; then
    log "cargo build --release"
    cargo build --release 2>&1 | tail -n 2 >&2
fi
[[ -x $PBSH ]] || { echo "$PBSH missing" >&2; exit 1; }

rm -rf "$LOGS" "$ROWS" "$FAILURES_FILE" "$PRIMITIVES"
mkdir -p "$BENCH_DIR" "$LOGS" "$RESTORE_DIR"
[[ $BENCH_RUNS -ge 3 || $QUICK == 1 ]] || log "note: BENCH_RUNS=$BENCH_RUNS; medians need 3 or more runs"

# ---------------------------------------------------------------------------------------------
# Corpus: ~50,000 text-like files of 1-16 KiB per GiB in nested dirs (at most ~40 % of the
# bytes), the rest in a few large files of mixed random / compressible / zero segments.
gen_corpus() {
    python3 - "$CORPUS" "$BENCH_GB" "$BENCH_SEED" <<'PY'
import os, random, sys

root, gb, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
total = int(gb * (1 << 30))
rng = random.Random(seed)

# Vocabulary with a Zipf-like weighting: text that compresses roughly as prose/code does.
letters = "etaoinshrdlcumwfgypbvkjxqz_"
vocab = ["".join(rng.choice(letters[: rng.randint(8, 27)]) for _ in range(rng.randint(1, 11)))
         for _ in range(6000)]
vocab += ["\n", "\n", "\n\n", "{", "}", "=", "(", ")", ";", "0", "1", "->", "//"]
rng.shuffle(vocab)
cum, acc = [], 0.0
for r in range(len(vocab)):
    acc += 1.0 / (r + 1) ** 1.05
    cum.append(acc)

def text(n):
    out, size = [], 0
    while size < n:
        words = rng.choices(vocab, cum_weights=cum, k=max(16, (n - size) // 5))
        s = " ".join(words)
        out.append(s)
        size += len(s) + 1
    return "\n".join(out).encode()[:n]

n_small = max(100, int(50000 * gb))
exts = [".txt", ".c", ".rs", ".json", ".log", ".md", ".conf", ".py"]
small_budget = int(total * 0.40)
small_bytes = 0
for i in range(n_small):
    size = rng.randint(1024, 16384)
    if small_bytes + size > small_budget:
        break
    a, b = i // 1000, (i // 100) % 10
    d = os.path.join(root, "tree", f"proj{a:03d}", f"mod{b}")
    if i % 7 == 0:
        d = os.path.join(d, "nested", f"lvl{i % 3}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i:06d}{exts[i % len(exts)]}"), "wb") as f:
        f.write(text(size))
    small_bytes += size

# Large files: segments of 256 KiB - 8 MiB: random (incompressible), skewed-alphabet text
# (about 2:1), zero runs, and unique fixed-size records (highly compressible).
skew = "        eeeeeeeetttttaaaaoooiiinnnssshhrrddllccuummwwffggyyppbbvvkk\n\n.,0123456789"
table = bytes((skew * 8)[i % len(skew)].encode()[0] for i in range(256))
rest = max(0, total - small_bytes)
n_large = max(2, round(6 * gb)) if rest > 0 else 0
weights = [rng.uniform(0.5, 1.5) for _ in range(n_large)]
sizes = [int(rest * w / sum(weights)) for w in weights]
if sizes:
    sizes[-1] += rest - sum(sizes)
os.makedirs(os.path.join(root, "large"), exist_ok=True)
record = 0
for k, size in enumerate(sizes):
    with open(os.path.join(root, "large", f"blob{k:02d}.bin"), "wb") as f:
        left = size
        while left > 0:
            n = min(left, rng.randint(256 << 10, 8 << 20))
            kind = rng.choices(["random", "text", "zero", "records"], weights=[40, 35, 10, 15])[0]
            if kind == "random":
                data = rng.randbytes(n)
            elif kind == "text":
                data = rng.randbytes(n).translate(table)
            elif kind == "zero":
                data = bytes(n)
            else:
                tag = rng.randbytes(4).hex()
                lines = [b"rec %012d tag=%s status=ok len=%05d\n" % (record + j, tag.encode(), j % 99991)
                         for j in range(n // 48 + 1)]
                record += len(lines)
                data = b"".join(lines)[:n]
            f.write(data)
            left -= n
print(sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(root) for fn in fns))
PY
}

# Deterministic ~1 % change: rewrites 1 % of the small files with new text of the same size and
# overwrites 64 KiB regions of the large files adding up to ~1 % of their bytes. `apply` saves
# the original bytes (and mtimes) to $UNDO first; `revert` puts them back.
mutate() {
    python3 - "$1" "$CORPUS" "$UNDO" "$BENCH_SEED" <<'PY'
import os, pickle, random, sys

action, root, undo, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if action == "revert":
    if os.path.exists(undo):
        with open(undo, "rb") as f:
            saved = pickle.load(f)
        for path, offset, data, times in saved:
            with open(path, "r+b") as f:
                f.seek(offset)
                f.write(data)
            os.utime(path, ns=times)
        os.remove(undo)
    sys.exit(0)

assert not os.path.exists(undo), "corpus already mutated"
rng = random.Random(seed + 1)
files = []
for dp, dns, fns in os.walk(root):
    dns.sort()
    files += [os.path.join(dp, fn) for fn in sorted(fns)]
# Small files (the generated tree/, or any file under 1 MiB) are rewritten; large ones patched.
small = [p for p in files if os.path.getsize(p) < (1 << 20)]
large = [p for p in files if os.path.getsize(p) >= (1 << 20)]
plan = []  # (path, offset, new bytes)
for p in rng.sample(small, max(1, len(small) // 100)):
    size = os.path.getsize(p)
    plan.append((p, 0, rng.randbytes(size).translate(bytes(b"abcdefghij \n"[i % 12] for i in range(256)))))
region = 64 << 10
for p in large:
    size = os.path.getsize(p)
    for _ in range(max(1, size // 100 // region)):
        off = rng.randrange(0, max(1, size - region))
        plan.append((p, off, rng.randbytes(min(region, size - off))))
saved = []
for path, offset, data in plan:
    st = os.stat(path)
    with open(path, "rb") as f:
        f.seek(offset)
        saved.append((path, offset, f.read(len(data)), (st.st_atime_ns, st.st_mtime_ns)))
with open(undo + ".tmp", "wb") as f:
    pickle.dump(saved, f)
os.replace(undo + ".tmp", undo)
changed = 0
for path, offset, data in plan:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)
    changed += len(data)
print(f"changed {len({p for p, _, _ in plan})} files, {changed} bytes")
PY
}

mutate revert # a previous run may have been interrupted after the change
trap 'mutate revert || true' EXIT

if [[ -n $BENCH_SOURCE ]]; then
    marker_want="version=$CORPUS_VERSION source=$BENCH_SOURCE"
else
    marker_want="version=$CORPUS_VERSION gb=$BENCH_GB seed=$BENCH_SEED"
fi
if [[ -d $CORPUS && -f $MARKER ]] && [[ $(head -n 1 "$MARKER") == "$marker_want" ]]; then
    log "reusing corpus $CORPUS ($marker_want)"
else
    rm -rf "$CORPUS" "$MARKER"
    if [[ -n $BENCH_SOURCE ]]; then
        log "copying $BENCH_SOURCE to $CORPUS"
        [[ -d $BENCH_SOURCE ]] || { echo "BENCH_SOURCE $BENCH_SOURCE is not a directory" >&2; exit 1; }
        cp -a "$BENCH_SOURCE" "$CORPUS"
    else
        log "generating corpus $CORPUS ($marker_want)"
        gen_corpus >/dev/null
    fi
    printf '%s\nbytes=%s\n' "$marker_want" "$(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')" >"$MARKER"
fi
CORPUS_BYTES=$(sed -n 's/^bytes=//p' "$MARKER")
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)
CORPUS_MIB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.1f", b / 1048576}')
log "corpus: $CORPUS_FILES files, $CORPUS_MIB MiB"

# The image for the image-backup step: every corpus file concatenated in path order, so it
# has the corpus's size and mix (as a filesystem image would); rebuilt with the corpus.
IMAGE=$BENCH_DIR/disk.img
if [[ ! -f $IMAGE || $IMAGE -ot $MARKER ]]; then
    log "building $IMAGE from the corpus"
    (cd "$CORPUS" && find . -type f -print0 | sort -z | xargs -0 cat) >"$IMAGE.tmp"
    mv "$IMAGE.tmp" "$IMAGE"
fi

warm_cache() { find "$CORPUS" "$IMAGE" -type f -print0 | xargs -0 cat >/dev/null; }

# ---------------------------------------------------------------------------------------------
# Primitive limits: what one core does per second, measured by pbsh's own `bench`.
log "pbsh bench --duration $PRIMITIVE_SECONDS (primitive limits)"
if ! "$PBSH" --repository "$BENCH_DIR/repo-primitives" bench --duration "$PRIMITIVE_SECONDS" \
    --output-format json >"$PRIMITIVES" 2>"$LOGS/primitives.log"; then
    log "  -> pbsh bench failed, see $LOGS/primitives.log"
    printf '{}\n' >"$PRIMITIVES"
fi
rm -rf "$BENCH_DIR/repo-primitives"

# ---------------------------------------------------------------------------------------------
# Measurement: one TSV row per step (run, tool, operation, wall s, peak RSS KiB, repo bytes, load1,
# status, client CPU s, server CPU s)
RUN=1
LAST_RC=0
: >"$ROWS"
: >"$FAILURES_FILE"
# The server processes of the tool that runs (`pbsh serve`, or the real proxy and api); their CPU
# time is read from /proc before and after each step.
SERVER_PIDS=""
CLK_TCK=$(getconf CLK_TCK)

# server_ticks: utime + stime of $SERVER_PIDS (all their threads) in clock ticks.
server_ticks() {
    local total=0 pid line
    for pid in $SERVER_PIDS; do
        read -r line <"/proc/$pid/stat" 2>/dev/null || continue
        # Fields after "comm)": 3 state ... 14 utime, 15 stime.
        line=${line##*) }
        read -r -a f <<<"$line"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}

# measure TOOL OPERATION REPO COMMAND...: syncs (so that earlier writes are not flushed during
# the step), runs COMMAND under /usr/bin/time -v and records the row, with the size of REPO
# afterwards unless REPO is "-".
measure() {
    local tool=$1 op=$2 repo=$3
    shift 3
    local slug=${tool}-${op//[^a-zA-Z0-9]/_}-r$RUN
    local out=$LOGS/$slug.log tf=$LOGS/$slug.time rc=0 load wall rss status cpu srv=- t0 t1
    sync
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "$tool: $op"
    t0=$(server_ticks)
    /usr/bin/time -v -o "$tf" timeout "$BENCH_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
    t1=$(server_ticks)
    [[ -z $SERVER_PIDS ]] || srv=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / hz}')
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tf" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tf")
    cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s += $2} END {printf "%.2f", s}' "$tf")
    case $rc in
    0) status=ok ;;
    124) status=TIMEOUT ;;
    *) status="FAIL($rc)" ;;
    esac
    if [[ $rc -ne 0 ]]; then
        printf 'run %s: %s %s: exit %s: %s\n' "$RUN" "$tool" "$op" "$rc" "$(tail -n 5 "$out" | tr '\n\t' '  ')" >>"$FAILURES_FILE"
        log "  -> $status, see $out"
    fi
    local size=-
    [[ $repo == - || ! -e $repo ]] || size=$(du -sb "$repo" | cut -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$RUN" "$tool" "$op" "${wall:-0}" "${rss:-0}" "$size" "$load" \
        "$status" "${cpu:--}" "$srv" >>"$ROWS"
    LAST_RC=$rc
}

# check_restore TOOL DIR: untimed comparison of a restored tree with the (changed) corpus.
check_restore() {
    [[ $BENCH_VERIFY_RESTORE == 1 ]] || return 0
    local diffs=$LOGS/$1-restore-diff-r$RUN.log
    if [[ -d $2 ]] && diff -rq "$CORPUS" "$2" >"$diffs" 2>&1; then
        log "  restored tree matches the corpus"
    else
        printf 'run %s: %s restore: restored tree differs from the corpus (%s)\n' "$RUN" "$1" "$(head -n 3 "$diffs" | tr '\n' ' ')" >>"$FAILURES_FILE"
        log "  -> restored tree differs, see $diffs"
    fi
}

# repo_size TOOL REPO [LABEL]: a row with the repository's size and no time.
repo_size() {
    local tool=$1 repo=$2 label=${3:-repository size}
    printf '%s\t%s\t%s\t-\t-\t%s\t-\tok\t-\t-\n' "$RUN" "$tool" "$label" "$(du -sb "$repo" | cut -f1)" >>"$ROWS"
}

T0=1800000000
# The metadata-mode series has a datastore of its own: its split archive (mpxar/ppxar) cuts
# other chunks than the legacy pxar, so sharing one datastore would double the size figure.
run_pbsh() {
    local repo=$BENCH_DIR/repo-pbsh-r$RUN meta=$BENCH_DIR/repo-pbsh-meta-r$RUN target=$RESTORE_DIR/restore-pbsh-r$RUN
    rm -rf "$repo" "$meta" "$target" "$target-meta" "$BENCH_DIR/repo-pbsh-image-r$RUN"
    local b=("$PBSH" --repository "$repo" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    local m=("$PBSH" --repository "$meta" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none
        --change-detection-mode metadata)
    measure pbsh "backup fresh" "$repo" "${b[@]}" --backup-time $T0
    measure pbsh "backup unchanged" "$repo" "${b[@]}" --backup-time $((T0 + 100))
    measure pbsh "backup metadata fresh" "$meta" "${m[@]}" --backup-time $T0
    measure pbsh "backup metadata unchanged" "$meta" "${m[@]}" --backup-time $((T0 + 100))
    mutate apply >"$LOGS/mutation.log"
    measure pbsh "backup 1% changed" "$repo" "${b[@]}" --backup-time $((T0 + 200))
    measure pbsh "backup metadata 1% changed" "$meta" "${m[@]}" --backup-time $((T0 + 200))
    mkdir -p "$target"
    measure pbsh restore - "$PBSH" --repository "$repo" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbsh "$target"
    # Restore targets are removed only after the run of every tool (see the main loop).
    mkdir -p "$target-meta"
    measure pbsh "restore metadata snapshot" - "$PBSH" --repository "$meta" restore host/bench root.pxar "$target-meta"
    [[ $LAST_RC -ne 0 ]] || check_restore pbsh-metadata "$target-meta"
    measure pbsh verify - "$PBSH" --repository "$repo" verify
    measure pbsh gc - "$PBSH" --repository "$repo" gc
    measure pbsh "verify metadata datastore" - "$PBSH" --repository "$meta" verify
    repo_size pbsh "$repo"
    repo_size pbsh "$meta" "metadata repository size"
    mutate revert
    # An image (fixed 4 MiB chunks, no chunker): bound by SHA-256 and zstd-1 on every core.
    local img=$BENCH_DIR/repo-pbsh-image-r$RUN
    rm -rf "$img"
    measure pbsh "image backup fresh" "$img" "$PBSH" --repository "$img" backup "disk.img:$IMAGE" \
        --backup-id image --crypt-mode none --backup-time $T0
}

# start_garage N: a private Garage cluster of N nodes (with-garage.sh, held open by a fifo), its
# S3 settings exported and its nodes' PIDs as the "server" of the measured steps.
start_garage() {
    local env_file=$BENCH_DIR/garage-env
    rm -f "$env_file" "$BENCH_DIR/garage-fifo"
    mkfifo "$BENCH_DIR/garage-fifo"
    bash "$BENCH_GARAGE/with-garage.sh" -n "$1" bash -c \
        "for v in AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION S3_BUCKET GARAGE_PIDS; do printf '%s=%q\\n' \$v \"\${!v}\"; done > $env_file.tmp && mv $env_file.tmp $env_file; cat >/dev/null" \
        <"$BENCH_DIR/garage-fifo" >"$LOGS/garage-$1-r$RUN.log" 2>&1 &
    GARAGE_RUNNER=$!
    exec {GARAGE_FD}>"$BENCH_DIR/garage-fifo"
    for _ in $(seq 300); do [[ -s $env_file ]] && break; sleep 0.1; done
    set -a
    # shellcheck disable=SC1090
    source "$env_file"
    set +a
    SERVER_PIDS=$GARAGE_PIDS
}

stop_garage() {
    exec {GARAGE_FD}>&-
    wait "$GARAGE_RUNNER" 2>/dev/null || true
    unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY S3_BUCKET GARAGE_PIDS
    SERVER_PIDS=
}

# s3_requests TOOL OP: a row with the requests per GiB the last step's log reported.
s3_requests() {
    local log=$LOGS/${1}-${2//[^a-zA-Z0-9]/_}-r$RUN.log n
    n=$(sed -n 's/.*s3 stats: \([0-9]*\) requests.*/\1/p' "$log" | tail -n 1)
    [[ -n $n ]] || return 0
    printf '%s\t%s\t%s\t-\t-\t%s\t-\tok\t-\t-\n' "$RUN" "$1" "s3 requests per GiB: $2" \
        "$(awk -v n="$n" -v b="$CORPUS_BYTES" 'BEGIN {printf "%d", n / (b / 1073741824)}')" >>"$ROWS"
}

run_pbsh_s3_nodes() {
    local tool=$1 nodes=$2 target=$RESTORE_DIR/restore-$1-r$RUN
    start_garage "$nodes"
    export PBSH_S3_CACHE_DIR=$BENCH_DIR/cache-$tool PBSH_S3_STATS=1
    rm -rf "$PBSH_S3_CACHE_DIR" "$target" "$target-cached"
    local repo=s3://$S3_BUCKET/bench
    local b=("$PBSH" --repository "$repo" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    measure "$tool" "backup fresh" - "${b[@]}" --backup-time $T0
    s3_requests "$tool" "backup fresh"
    measure "$tool" "backup unchanged" - "${b[@]}" --backup-time $((T0 + 100))
    s3_requests "$tool" "backup unchanged"
    mutate apply >"$LOGS/mutation.log"
    measure "$tool" "backup 1% changed" - "${b[@]}" --backup-time $((T0 + 200))
    # A restore on a host with an empty cache (every chunk from the bucket), then a second one
    # through the now warm chunk cache.
    rm -rf "$PBSH_S3_CACHE_DIR"
    mkdir -p "$target" "$target-cached"
    measure "$tool" restore - "$PBSH" --repository "$repo" restore host/bench root.pxar "$target"
    s3_requests "$tool" restore
    [[ $LAST_RC -ne 0 ]] || check_restore "$tool" "$target"
    # One restored tree at a time: a second 1.2 GiB tree in /dev/shm made the kernel reclaim
    # memory inside the timed step (seconds of system time that were not pbsh's work).
    rm -rf "$target"
    sync
    measure "$tool" "restore cached" - "$PBSH" --repository "$repo" restore host/bench root.pxar "$target-cached"
    s3_requests "$tool" "restore cached"
    measure "$tool" verify - "$PBSH" --repository "$repo" verify
    measure "$tool" gc - "$PBSH" --repository "$repo" gc
    s3_requests "$tool" gc
    mutate revert
    unset PBSH_S3_CACHE_DIR PBSH_S3_STATS
    stop_garage
}

run_pbsh_s3() { run_pbsh_s3_nodes pbsh-s3 1; }

# The real client -> `pbsh serve` over an S3 datastore on a 1-node Garage (server CPU: pbsh serve
# and the Garage node together).
run_pbs_pbsh_s3() {
    start_garage 1
    export PBSH_S3_CACHE_DIR=$BENCH_DIR/cache-pbs-pbsh-s3
    rm -rf "$PBSH_S3_CACHE_DIR"
    if ! start_pbsh_serve pbs-pbsh-s3 "s3://$S3_BUCKET/bench"; then
        stop_garage
        return 0
    fi
    local target=$RESTORE_DIR/restore-pbs-pbsh-s3-r$RUN
    rm -rf "$target"
    export PBS_REPOSITORY="bench@pbs@127.0.0.1:$SERVE_PORT:bench" PBS_FINGERPRINT=$SERVE_FP PBS_PASSWORD=bench-password
    local b=("${REAL_CLIENT[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    measure pbs-pbsh-s3 "backup fresh" - "${b[@]}" --backup-time $T0
    measure pbs-pbsh-s3 "backup unchanged" - "${b[@]}" --backup-time $((T0 + 100))
    mkdir -p "$target"
    measure pbs-pbsh-s3 restore - "${REAL_CLIENT[@]}" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbs-pbsh-s3 "$target"
    unset PBS_REPOSITORY PBS_FINGERPRINT PBSH_S3_CACHE_DIR
    stop_pbsh_serve pbs-pbsh-s3
    stop_garage
}
run_pbsh_s3x3() { run_pbsh_s3_nodes pbsh-s3x3 3; }

run_restic() {
    local repo=$BENCH_DIR/repo-restic-r$RUN target=$RESTORE_DIR/restore-restic-r$RUN
    rm -rf "$repo" "$target" "$BENCH_DIR/cache-restic"
    export RESTIC_CACHE_DIR=$BENCH_DIR/cache-restic
    local pw=()
    if restic init --help 2>&1 | grep -q -- --insecure-no-password; then
        pw=(--insecure-no-password)
    else
        export RESTIC_PASSWORD=x
    fi
    restic -r "$repo" init "${pw[@]}" >"$LOGS/restic-init.log" 2>&1
    local r=(restic -r "$repo" "${pw[@]}")
    measure restic "backup fresh" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    measure restic "backup unchanged" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    mutate apply >"$LOGS/mutation.log"
    measure restic "backup 1% changed" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    mkdir -p "$target"
    measure restic restore - "${r[@]}" restore latest --target "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore restic "$target$CORPUS"
    measure restic verify - "${r[@]}" check --read-data
    repo_size restic "$repo"
    mutate revert
}

run_borg() {
    local repo=$BENCH_DIR/repo-borg-r$RUN target=$RESTORE_DIR/restore-borg-r$RUN
    rm -rf "$repo" "$target" "$BENCH_DIR/borg-home"
    export BORG_BASE_DIR=$BENCH_DIR/borg-home BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
    borg init -e none "$repo" >"$LOGS/borg-init.log" 2>&1
    measure borg "backup fresh" "$repo" borg create "$repo::b1" "$CORPUS"
    measure borg "backup unchanged" "$repo" borg create "$repo::b2" "$CORPUS"
    mutate apply >"$LOGS/mutation.log"
    measure borg "backup 1% changed" "$repo" borg create "$repo::b3" "$CORPUS"
    mkdir -p "$target"
    measure borg restore - bash -c 'cd "$1" && borg extract "$2::b3"' _ "$target" "$repo"
    [[ $LAST_RC -ne 0 ]] || check_restore borg "$target$CORPUS"
    measure borg verify - borg check --verify-data "$repo"
    repo_size borg "$repo"
    mutate revert
}

# rustic (restic's repository format, `cargo install rustic-rs`): the same steps as restic.
run_rustic() {
    local repo=$BENCH_DIR/repo-rustic-r$RUN target=$RESTORE_DIR/restore-rustic-r$RUN
    rm -rf "$repo" "$target" "$BENCH_DIR/cache-rustic"
    local r=(env XDG_CACHE_HOME="$BENCH_DIR/cache-rustic" RUSTIC_NO_PROGRESS=true
        rustic -r "$repo" --password x)
    "${r[@]}" init >"$LOGS/rustic-init-r$RUN.log" 2>&1
    measure rustic "backup fresh" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    measure rustic "backup unchanged" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    mutate apply >"$LOGS/mutation.log"
    measure rustic "backup 1% changed" "$repo" "${r[@]}" backup --host bench "$CORPUS"
    mkdir -p "$target"
    measure rustic restore - "${r[@]}" restore latest "$target"
    if [[ $LAST_RC -eq 0 ]]; then
        # rustic keeps the absolute path below the target, as restic does (or not, by version).
        if [[ -d $target$CORPUS ]]; then check_restore rustic "$target$CORPUS"; else check_restore rustic "$target"; fi
    fi
    measure rustic verify - "${r[@]}" check --read-data
    repo_size rustic "$repo"
    mutate revert
}

# start_pbsh_serve TOOL: a fresh `pbsh serve` (config dir and datastores `bench` and `meta` of
# its own, started untimed, as the peers' `init` is) on a free loopback port; sets SERVE_PID,
# SERVE_PORT, SERVE_FP, SERVE_STORE, SERVE_META and SERVER_PIDS, or returns 1 when it did not
# start.
start_pbsh_serve() {
    local tool=$1
    SERVE_STORE=$BENCH_DIR/repo-$tool-r$RUN SERVE_META=$BENCH_DIR/repo-$tool-meta-r$RUN
    # A second argument: the `bench` datastore's location instead (an s3:// URL).
    local bench_spec=${2:-$SERVE_STORE}
    local cfg=$BENCH_DIR/serve-config-$tool-r$RUN serve_log=$LOGS/$tool-serve-r$RUN.log
    rm -rf "$SERVE_STORE" "$SERVE_META" "$cfg"
    PBS_PASSWORD=bench-password "$PBSH" serve user add bench@pbs --admin --config-dir "$cfg" \
        >"$LOGS/$tool-user-r$RUN.log" 2>&1
    "$PBSH" serve --datastore "bench=$bench_spec" --datastore "meta=$SERVE_META" \
        --listen 127.0.0.1:0 --config-dir "$cfg" >"$serve_log" 2>&1 &
    SERVE_PID=$!
    for _ in $(seq 100); do
        grep -qs "listening on" "$serve_log" && break
        sleep 0.1
    done
    SERVE_PORT=$(sed -n 's/.*listening on https:\/\/.*:\([0-9]*\).*/\1/p' "$serve_log" | head -n 1)
    SERVE_FP=$(sed -n 's/^fingerprint: //p' "$serve_log" | head -n 1)
    if [[ -z $SERVE_PORT || -z $SERVE_FP ]]; then
        log "pbsh serve did not start, see $serve_log; $tool skipped"
        kill "$SERVE_PID" 2>/dev/null || true
        return 1
    fi
    SERVER_PIDS="$SERVE_PID ${GARAGE_PIDS:-}"
}

# stop_pbsh_serve TOOL: records the server's peak RSS (VmHWM) as a row, then stops it.
stop_pbsh_serve() {
    local hwm
    hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVE_PID/status" 2>/dev/null || true)
    printf '%s\t%s\t%s\t-\t%s\t-\t-\tok\t-\t-\n' "$RUN" "$1" "server peak RSS" "${hwm:-0}" >>"$ROWS"
    SERVER_PIDS=${GARAGE_PIDS:-}
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
}

# "pbsh remote": pbsh backing up over loopback TLS to `pbsh serve` on the same cores.
run_pbsh_remote() {
    start_pbsh_serve pbsh-remote || return 0
    local target=$RESTORE_DIR/restore-pbsh-remote-r$RUN
    rm -rf "$target"
    export PBS_PASSWORD=bench-password
    local p=("$PBSH" --repository "bench@pbs@127.0.0.1:$SERVE_PORT:bench" --fingerprint "$SERVE_FP")
    local pm=("$PBSH" --repository "bench@pbs@127.0.0.1:$SERVE_PORT:meta" --fingerprint "$SERVE_FP")
    local b=("${p[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    local m=("${pm[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none
        --change-detection-mode metadata)
    measure pbsh-remote "backup fresh" "$SERVE_STORE" "${b[@]}" --backup-time $T0
    measure pbsh-remote "backup unchanged" "$SERVE_STORE" "${b[@]}" --backup-time $((T0 + 100))
    measure pbsh-remote "backup metadata fresh" "$SERVE_META" "${m[@]}" --backup-time $T0
    measure pbsh-remote "backup metadata unchanged" "$SERVE_META" "${m[@]}" --backup-time $((T0 + 100))
    mutate apply >"$LOGS/mutation.log"
    measure pbsh-remote "backup 1% changed" "$SERVE_STORE" "${b[@]}" --backup-time $((T0 + 200))
    mkdir -p "$target"
    measure pbsh-remote restore - "${p[@]}" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbsh-remote "$target"
    measure pbsh-remote verify - "${p[@]}" verify
    repo_size pbsh-remote "$SERVE_STORE"
    mutate revert
    measure pbsh-remote "image backup fresh" - "${p[@]}" backup "disk.img:$IMAGE" --backup-id image \
        --crypt-mode none --backup-time $T0
    stop_pbsh_serve pbsh-remote
}

# The real client: a HOME and runtime dir of its own (ticket cache, mode 0700), no key.
PBS_CLIENT_HOME=$BENCH_DIR/pbs-client-home
REAL_CLIENT=(env HOME="$PBS_CLIENT_HOME" XDG_RUNTIME_DIR="$PBS_CLIENT_HOME/run"
    XDG_CONFIG_HOME="$PBS_CLIENT_HOME/config" XDG_CACHE_HOME="$PBS_CLIENT_HOME/cache"
    "$BENCH_PBS_PEERS/bin/proxmox-backup-client")
rm -rf "$PBS_CLIENT_HOME"
mkdir -p -m 0700 "$PBS_CLIENT_HOME/run"

# "pbs pbsh": the real client backing up to `pbsh serve` (the real client 3.2.4 has no
# metadata mode).
run_pbs_pbsh() {
    start_pbsh_serve pbs-pbsh || return 0
    local target=$RESTORE_DIR/restore-pbs-pbsh-r$RUN
    rm -rf "$target"
    export PBS_REPOSITORY="bench@pbs@127.0.0.1:$SERVE_PORT:bench" PBS_FINGERPRINT=$SERVE_FP PBS_PASSWORD=bench-password
    local b=("${REAL_CLIENT[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    measure pbs-pbsh "backup fresh" "$SERVE_STORE" "${b[@]}" --backup-time $T0
    measure pbs-pbsh "backup unchanged" "$SERVE_STORE" "${b[@]}" --backup-time $((T0 + 100))
    mutate apply >"$LOGS/mutation.log"
    measure pbs-pbsh "backup 1% changed" "$SERVE_STORE" "${b[@]}" --backup-time $((T0 + 200))
    mkdir -p "$target"
    measure pbs-pbsh restore - "${REAL_CLIENT[@]}" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbs-pbsh "$target"
    repo_size pbs-pbsh "$SERVE_STORE"
    mutate revert
    unset PBS_REPOSITORY PBS_FINGERPRINT
    stop_pbsh_serve pbs-pbsh
}

# The real server: one for the whole benchmark, started by with-pbs-server.sh in a private
# network namespace; a holder command inside it adds a second datastore (for the metadata-mode
# series), reports the namespace and its environment, and waits until this script closes the
# holder FIFO (or ends). Clients reach it through `nsenter --net`.
PBS_NS=""
PBS_HOLDER=""
start_real_server() {
    local envf=$BENCH_DIR/pbs-holder.env
    PBS_STOP=$BENCH_DIR/pbs-holder.stop PBS_META_DIR=$BENCH_DIR/pbs-store-meta
    rm -rf "$envf" "$PBS_STOP" "$PBS_META_DIR"
    # The holder waits for the stop file, or for this script to end (however it ends).
    "$BENCH_PBS_PEERS/with-pbs-server.sh" bash -c '
        dir=$1 envf=$2 stop=$3 bench=$4 meta=benchmeta$$
        mkdir -p "$dir" && chown backup:backup "$dir"
        $PBS_PEER_MANAGER datastore create "$meta" "$dir" >/dev/null 2>&1
        for _ in $(seq 600); do [ -d "$dir/.chunks/ffff" ] && break; sleep 0.5; done
        { echo "PBS_NS=/proc/$$/ns/net"; echo "PBS_META_STORE=$meta"
          env | grep -E "^PBS_(REPOSITORY|PASSWORD|FINGERPRINT|PEER_STORE_DIR|PEER_BIN)="; echo READY; } >"$envf.tmp"
        mv "$envf.tmp" "$envf"
        while [ ! -e "$stop" ] && kill -0 "$bench" 2>/dev/null; do sleep 0.5; done
        $PBS_PEER_MANAGER datastore remove "$meta" >/dev/null 2>&1
        true' _ "$PBS_META_DIR" "$envf" "$PBS_STOP" $$ >"$LOGS/pbs-server.log" 2>&1 &
    PBS_HOLDER=$!
    log "starting the real PBS server (datastores take a few seconds)"
    for _ in $(seq 1200); do
        [[ -f $envf ]] && break
        kill -0 "$PBS_HOLDER" 2>/dev/null || break
        sleep 0.25
    done
    if ! grep -q '^READY$' "$envf" 2>/dev/null; then
        log "the real server did not start, see $LOGS/pbs-server.log"
        return 1
    fi
    while IFS='=' read -r k v; do
        case $k in
        PBS_NS) PBS_NS=$v ;;
        PBS_META_STORE) PBS_META_STORE=$v ;;
        PBS_REPOSITORY) PBS_REAL_REPOSITORY=$v ;;
        PBS_PASSWORD) PBS_REAL_PASSWORD=$v ;;
        PBS_FINGERPRINT) PBS_REAL_FINGERPRINT=$v ;;
        PBS_PEER_STORE_DIR) PBS_STORE_DIR=$v ;;
        esac
    done <"$envf"
    PBS_META_REPOSITORY=${PBS_REAL_REPOSITORY%:*}:$PBS_META_STORE
    # IN_PBS_NS CMD...: CMD in the real server's network namespace, as that server's client.
    IN_PBS_NS=(nsenter --net="$PBS_NS" -- env PBS_PASSWORD="$PBS_REAL_PASSWORD"
        PBS_FINGERPRINT="$PBS_REAL_FINGERPRINT")
    # The server's processes: the proxy (backup and reader sessions) and the api (tickets).
    local me d exe
    me=$(readlink "$PBS_NS")
    PBS_SERVER_PIDS=""
    for d in /proc/[0-9]*; do
        exe=$(readlink "$d/exe" 2>/dev/null) || continue
        case $exe in
        */proxmox-backup-proxy | */proxmox-backup-api)
            [[ $(readlink "$d/ns/net" 2>/dev/null) == "$me" ]] && PBS_SERVER_PIDS+=" ${d#/proc/}"
            ;;
        esac
    done
    log "real server up: $PBS_REAL_REPOSITORY, processes$PBS_SERVER_PIDS"
    [[ -n $PBS_SERVER_PIDS ]]
}

stop_real_server() {
    [[ -n $PBS_HOLDER ]] || return 0
    touch "$PBS_STOP"
    wait "$PBS_HOLDER" 2>/dev/null || true
    rm -rf "$PBS_META_DIR" "$PBS_STOP" "$BENCH_DIR/pbs-holder.env"
    PBS_HOLDER=""
}

# clean_real_store DIR: empties a datastore of the real server (its chunk files and snapshots;
# the 65,536 chunk directories stay), so the next backup into it is a fresh one.
clean_real_store() {
    local dir
    for dir in "$@"; do
        find "$dir/.chunks" -type f -delete
        rm -rf "$dir/host" "$dir/ns" "$dir/vm" "$dir/ct"
    done
    sync
}

# real_store_size TOOL DIR: the bytes of its files (chunks, indexes, blobs), without the 65,536
# directories the real server creates up front.
real_store_size() {
    printf '%s\t%s\t%s\t-\t-\t%s\t-\tok\t-\t-\n' "$RUN" "$1" "repository size" \
        "$(find "$2" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')" >>"$ROWS"
}

# "pbs": the real client to the real server, the anchor.
run_pbs() {
    local target=$RESTORE_DIR/restore-pbs-r$RUN
    rm -rf "$target"
    clean_real_store "$PBS_STORE_DIR"
    SERVER_PIDS=$PBS_SERVER_PIDS
    local c=("${IN_PBS_NS[@]}" PBS_REPOSITORY="$PBS_REAL_REPOSITORY" "${REAL_CLIENT[@]:1}")
    local b=("${c[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    measure pbs "backup fresh" - "${b[@]}" --backup-time $T0
    measure pbs "backup unchanged" - "${b[@]}" --backup-time $((T0 + 100))
    mutate apply >"$LOGS/mutation.log"
    measure pbs "backup 1% changed" - "${b[@]}" --backup-time $((T0 + 200))
    mkdir -p "$target"
    measure pbs restore - "${c[@]}" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbs "$target"
    real_store_size pbs "$PBS_STORE_DIR"
    mutate revert
    SERVER_PIDS=""
}

# "pbsh pbs": pbsh to the real server, with the metadata-mode series in the second datastore.
run_pbsh_pbs() {
    local target=$RESTORE_DIR/restore-pbsh-pbs-r$RUN
    rm -rf "$target"
    clean_real_store "$PBS_STORE_DIR" "$PBS_META_DIR"
    SERVER_PIDS=$PBS_SERVER_PIDS
    local p=("${IN_PBS_NS[@]}" "$PBSH" --repository "$PBS_REAL_REPOSITORY")
    local b=("${p[@]}" backup "root.pxar:$CORPUS" --backup-id bench --crypt-mode none)
    local m=("${IN_PBS_NS[@]}" "$PBSH" --repository "$PBS_META_REPOSITORY" backup "root.pxar:$CORPUS"
        --backup-id bench --crypt-mode none --change-detection-mode metadata)
    measure pbsh-pbs "backup fresh" - "${b[@]}" --backup-time $T0
    measure pbsh-pbs "backup unchanged" - "${b[@]}" --backup-time $((T0 + 100))
    measure pbsh-pbs "backup metadata fresh" - "${m[@]}" --backup-time $T0
    measure pbsh-pbs "backup metadata unchanged" - "${m[@]}" --backup-time $((T0 + 100))
    mutate apply >"$LOGS/mutation.log"
    measure pbsh-pbs "backup 1% changed" - "${b[@]}" --backup-time $((T0 + 200))
    mkdir -p "$target"
    measure pbsh-pbs restore - "${p[@]}" restore host/bench root.pxar "$target"
    [[ $LAST_RC -ne 0 ]] || check_restore pbsh-pbs "$target"
    real_store_size pbsh-pbs "$PBS_STORE_DIR"
    mutate revert
    SERVER_PIDS=""
}

tool_version() {
    case $1 in
    pbsh | pbsh-remote | pbsh-pbs | pbsh-s3 | pbsh-s3x3) "$PBSH" --version ;;
    pbs | pbs-pbsh | pbs-pbsh-s3) "${REAL_CLIENT[@]}" version 2>/dev/null | head -n 1 | sed 's/^/proxmox-backup-client /' ;;
    restic) restic version | cut -d' ' -f1-2 ;;
    borg) borg --version ;;
    rustic) rustic --version ;;
    esac 2>/dev/null || true
}

# The tools that run: peers only when installed, the real client and server only when present
# (and this is root, for the server's network namespace).
TOOLS=()
REAL_SERVER=0
for tool in $BENCH_TOOLS; do
    case $tool in
    pbsh | pbsh-remote) ;;
    pbsh-s3 | pbsh-s3x3 | pbs-pbsh-s3)
        if [[ $tool == pbs-pbsh-s3 && ! -x $BENCH_PBS_PEERS/bin/proxmox-backup-client ]]; then
            log "$tool: the real PBS programs are not in $BENCH_PBS_PEERS, skipped"
            continue
        fi
        if [[ ! -f $BENCH_GARAGE/with-garage.sh ]]; then
            log "$tool: Garage is not in $BENCH_GARAGE, skipped"
            continue
        fi
        ;;
    pbs | pbsh-pbs | pbs-pbsh)
        if [[ ! -x $BENCH_PBS_PEERS/bin/proxmox-backup-client ]]; then
            log "$tool: the real PBS programs are not in $BENCH_PBS_PEERS, skipped"
            continue
        fi
        if [[ $tool != pbs-pbsh ]]; then
            if [[ $(id -u) -ne 0 ]]; then
                log "$tool: the real server needs root, skipped"
                continue
            fi
            REAL_SERVER=1
        fi
        ;;
    restic | borg | rustic)
        if ! command -v "$tool" >/dev/null; then
            log "$tool not installed, skipped"
            continue
        fi
        ;;
    *)
        log "unknown tool $tool, skipped"
        continue
        ;;
    esac
    TOOLS+=("$tool")
done
if [[ $REAL_SERVER == 1 ]] && ! start_real_server; then
    stop_real_server
    log "pbs and pbsh-pbs skipped"
    mapfile -t TOOLS < <(printf '%s\n' "${TOOLS[@]}" | grep -vx -e pbs -e pbsh-pbs)
fi
trap 'stop_real_server; mutate revert || true' EXIT
for tool in "${TOOLS[@]}"; do log "=== $tool $(tool_version "$tool")"; done

# Runs are interleaved (run 1 of every tool, then run 2, ...) so slow drifts in machine load
# spread over all tools, and the runs of one number are comparable pairs.
for ((RUN = 1; RUN <= BENCH_RUNS; RUN++)); do
    for tool in "${TOOLS[@]}"; do
        log "--- run $RUN/$BENCH_RUNS: $tool"
        warm_cache
        "run_${tool//-/_}"
        # Its repositories and restored trees (a corpus each) go now, so the disk holds one
        # tool's at a time;
        # synced and settled, since deleting a GiB just before a timed step made that step 3-4x
        # slower on this ext4 (mounted with `discard`), whichever tool ran next.
        if [[ $BENCH_KEEP != 1 || $RUN -lt $BENCH_RUNS ]]; then
            rm -rf "$RESTORE_DIR/restore-$tool-r$RUN" "$RESTORE_DIR/restore-$tool-r$RUN"-* \
                "$BENCH_DIR/repo-$tool-r$RUN" "$BENCH_DIR/repo-$tool"-*-r$RUN \
                "$BENCH_DIR/serve-config-$tool-r$RUN" "$BENCH_DIR"/cache-* "$BENCH_DIR/borg-home"
            [[ $tool != pbs && $tool != pbsh-pbs ]] || clean_real_store "$PBS_STORE_DIR" "$PBS_META_DIR"
            sync
            sleep 3
        fi
    done
done
stop_real_server

# ---------------------------------------------------------------------------------------------
# Summary: medians over the runs, a step-by-tool matrix, ratios pbsh/peer, and the primitive limits.
summary() {
    echo "pbsh end-to-end benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)"
    echo "$(tool_version pbsh) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')); $(tool_version pbs); $(tool_version restic); $(tool_version borg)$(command -v rustic >/dev/null && echo "; $(tool_version rustic)")"
    echo "mode: $([[ $QUICK == 1 ]] && echo quick || echo full), $BENCH_RUNS run(s) per step, medians shown"
    local origin="seed $BENCH_SEED"
    [[ -z $BENCH_SOURCE ]] || origin="copy of $BENCH_SOURCE"
    echo "corpus: $CORPUS_FILES files, $CORPUS_BYTES bytes ($CORPUS_MIB MiB), $origin; page cache warm"
    python3 - "$ROWS" "$PRIMITIVES" "$CORPUS_BYTES" "$FAILURES_FILE" "$(nproc)" <<'PY'
import json, statistics, sys

rows_path, prim_path, corpus_bytes, failures_path, nproc = sys.argv[1:6]
corpus_bytes, nproc = int(corpus_bytes), int(nproc)
MiB = 1048576.0

# Primitive limits (pbsh bench reports bytes per second).
try:
    prim = json.load(open(prim_path))
except (OSError, ValueError):
    prim = {}
def p(key):
    v = prim.get(key, {}).get("speed")
    return v / MiB if isinstance(v, (int, float)) else None
def fmt(v):
    return "-" if v is None else f"{v:.0f}"
print()
if prim:
    sha, zc, zd, aes, chk = p("sha256"), p("compress"), p("decompress"), p("aes256_gcm"), p("chunker")
    print("machine limits per core (pbsh bench, MiB/s): "
          f"SHA-256 {fmt(sha)}, zstd-1 compress {fmt(zc)}, zstd-1 decompress {fmt(zd)}, "
          f"AES-256-GCM {fmt(aes)}, chunker {fmt(chk)}, chunk verify {fmt(p('verify'))}")
    cores = prim.get("pipeline_all", {}).get("threads", nproc)
    print(f"backup pipeline (chunk+SHA-256+zstd-1+AES, in memory): {fmt(p('pipeline_single'))} MiB/s on 1 core, "
          f"{fmt(p('pipeline_all'))} MiB/s on {cores} cores")
    if sha and zc:
        bound = min(sha, zc) * cores
        print(f"min(SHA-256, zstd-1) x {cores} cores = {bound:.0f} MiB/s (70 % of it: {0.7 * bound:.0f} MiB/s)")
else:
    print("machine limits: pbsh bench failed (see logs/primitives.log)")

# Raw rows -> medians per (tool, operation), in first-seen order.
steps, order = {}, []
def num(v, kind=float):
    return None if v == "-" else kind(v)
for line in open(rows_path):
    f = line.rstrip("\n").split("\t")
    if len(f) != 10:
        continue
    run, tool, op, wall, rss, size, load, status, cpu, srv = f
    key = (tool, op)
    if key not in steps:
        steps[key] = []
        order.append(key)
    steps[key].append(dict(wall=num(wall), rss=num(rss, int), size=num(size, int), load=load,
                           status=status, cpu=num(cpu), srv=num(srv)))

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

agg = {}
for key in order:
    runs = steps[key]
    ok = [r for r in runs if r["status"] == "ok"]
    bad = [r["status"] for r in runs if r["status"] != "ok"]
    agg[key] = dict(
        wall=med([r["wall"] for r in ok]), rss=med([r["rss"] for r in ok]),
        maxrss=max([r["rss"] for r in ok if r["rss"] is not None], default=None),
        size=med([r["size"] for r in ok]), cpu=med([r["cpu"] for r in ok]),
        srv=med([r["srv"] for r in ok]), runs=len(runs), ok=len(ok),
        loads="/".join(r["load"] for r in runs if r["load"] != "-"),
        status="ok" if not bad else ",".join(sorted(set(bad))) + f" ({len(bad)}/{len(runs)})")

GiB = corpus_bytes / 1073741824.0
MB = corpus_bytes / 1e6
print()
print("tools (client -> server): pbs = the real client -> the real server (the anchor); pbsh = pbsh into")
print("a local datastore; pbsh-pbs = pbsh -> the real server; pbsh-remote = pbsh -> pbsh serve;")
print("pbs-pbsh = the real client -> pbsh serve. Servers on the same cores, loopback TLS.")
print("MiB/s = corpus bytes / median wall seconds; client CPU s = user + system of the client;")
print("MB/CPU-s = corpus MB (10^6 bytes) / client CPU s; srv CPU/GiB = server CPU s (utime + stime from")
print("/proc) / corpus GiB; peak RSS = the client's (max over the runs); repo MiB = repository size")
print("after the step; load1 = 1-minute load average when each run of the step started")
print()
hdr = (f"{'tool':<11} {'operation':<26} {'runs':>4} {'wall s':>7} {'MiB/s':>7} {'cli CPU s':>9} "
       f"{'MB/CPU-s':>8} {'srv CPU/GiB':>11} {'peak RSS MiB':>12} {'repo MiB':>8}  {'load1':<15} status")
print(hdr)
print(" ".join("-" * n for n in (11, 26, 4, 7, 7, 9, 8, 11, 12, 8)) + "  " + "-" * 15 + " ------")
for key in order:
    a, (tool, op) = agg[key], key
    if a["wall"] is None and a["size"] is not None and op.startswith("s3 requests"):
        print(f"{tool:<11} {op:<40} {a['runs']:>4} {a['size']:>10} requests per GiB of corpus")
        continue
    if a["wall"] is None and a["size"] is not None and a["rss"] is None:
        print(f"{tool:<11} {op:<26} {a['runs']:>4} {a['size']:>10} bytes ({a['size'] / MiB:.1f} MiB, "
              f"{100.0 * a['size'] / corpus_bytes:.1f} % of corpus)")
        continue
    if a["wall"] is None and a["rss"] is not None:
        print(f"{tool:<11} {op:<26} {a['runs']:>4} {a['maxrss'] / 1024:>10.1f} MiB (max over the runs)")
        continue
    wall = "-" if a["wall"] is None else f"{a['wall']:.2f}"
    rate = "-" if not a["wall"] else f"{corpus_bytes / MiB / a['wall']:.1f}"
    cpu = "-" if a["cpu"] is None else f"{a['cpu']:.2f}"
    mbcpu = "-" if not a["cpu"] else f"{MB / a['cpu']:.0f}"
    srv = "-" if a["srv"] is None else f"{a['srv'] / GiB:.2f}"
    rss = "-" if a["maxrss"] is None else f"{a['maxrss'] / 1024:.1f}"
    size = "-" if a["size"] is None else f"{a['size'] / MiB:.1f}"
    print(f"{tool:<11} {op:<26} {a['runs']:>4} {wall:>7} {rate:>7} {cpu:>9} {mbcpu:>8} {srv:>11} {rss:>12} "
          f"{size:>8}  {a['loads']:<15} {a['status']}")

# Matrix: one column per tool.
tools = ["pbs", "pbsh", "pbsh-pbs", "pbsh-remote", "pbs-pbsh", "restic", "borg", "rustic"]
present = [t for t in tools if any(k[0] == t for k in order)]
ops = ["backup fresh", "backup unchanged", "backup metadata fresh", "backup metadata unchanged",
       "backup 1% changed", "restore", "verify", "image backup fresh"]
def get(tool, op, field):
    a = agg.get((tool, op))
    return a[field] if a else None
def rate(tool, op):
    w = get(tool, op, "wall")
    return corpus_bytes / MiB / w if w else None
def mbcpu(tool, op):
    c = get(tool, op, "cpu")
    return MB / c if c else None
def srvgib(tool, op):
    v = get(tool, op, "srv")
    return v / GiB if v is not None else None
def size(tool):
    a = agg.get((tool, "repository size"))
    return a["size"] / MiB if a and a["size"] is not None else None
def peak(tool):
    v = [agg[k]["maxrss"] for k in order if k[0] == tool and agg[k]["maxrss"] is not None
         and k[1] != "server peak RSS"]
    return max(v) / 1024 if v else None
def cell(v, spec=".1f"):
    return "-" if v is None else format(v, spec)
print()
print("by step (medians; '-' = not run)")
print(f"{'':<34}" + "".join(f"{t:>12}" for t in present))
for op in ops:
    if not any(get(t, op, "wall") for t in present):
        continue
    print(f"{'wall s  ' + op:<34}" + "".join(f"{cell(get(t, op, 'wall'), '.2f'):>12}" for t in present))
for op in ops:
    if not any(get(t, op, "cpu") for t in present):
        continue
    print(f"{'MB/CPU-s  ' + op:<34}" + "".join(f"{cell(mbcpu(t, op), '.0f'):>12}" for t in present))
for op in ops:
    if not any(srvgib(t, op) is not None for t in present):
        continue
    print(f"{'srv CPU s/GiB  ' + op:<34}" + "".join(f"{cell(srvgib(t, op), '.2f'):>12}" for t in present))
print(f"{'repository size MiB':<34}" + "".join(f"{cell(size(t)):>12}" for t in present))
print(f"{'peak RSS MiB (client, max)':<34}" + "".join(f"{cell(peak(t)):>12}" for t in present))
srss = {t: get(t, "server peak RSS", "maxrss") for t in present}
if any(srss.values()):
    print(f"{'peak RSS MiB (pbsh serve)':<34}" + "".join(
        f"{cell(srss[t] / 1024 if srss[t] else None):>12}" for t in present))

# Against the anchor: the real client into the real server.
if "pbs" in present:
    lines = []
    for tool in ["pbsh", "pbsh-pbs", "pbsh-remote", "pbs-pbsh"]:
        for op in ops:
            w0, w1 = get("pbs", op, "wall"), get(tool, op, "wall")
            c0, c1 = mbcpu("pbs", op), mbcpu(tool, op)
            if w0 and w1:
                lines.append(f"{tool:<11} {op:<26} {w0 / w1:>12.2f} {cell(c1 / c0 if c0 and c1 else None, '.2f'):>12}")
    if lines:
        print()
        print("against the real client -> real server (speed = anchor wall / wall; > 1: faster; CPU = MB/CPU-s ratio)")
        print(f"{'tool':<11} {'step':<26} {'speed ratio':>12} {'CPU ratio':>12}")
        print("\n".join(lines))

# pbsh serve against the real server, each with the same client.
pairs = [("the real client", "pbs", "pbs-pbsh"), ("pbsh", "pbsh-pbs", "pbsh-remote")]
lines = []
for client, real, ours in pairs:
    for op in ops:
        w0, w1 = get(real, op, "wall"), get(ours, op, "wall")
        s0, s1 = srvgib(real, op), srvgib(ours, op)
        if w0 and w1:
            lines.append(f"{client:<16} {op:<26} {w0:>7.2f} {w1:>7.2f} {w0 / w1:>6.2f}   "
                         f"{cell(s0, '.2f'):>8} {cell(s1, '.2f'):>8}")
if lines:
    print()
    print("pbsh serve vs the real server, same client (wall s; speed = real / pbsh serve; server CPU s per GiB)")
    print(f"{'client':<16} {'step':<26} {'real':>7} {'pbsh':>7} {'speed':>6}   {'real CPU':>8} {'pbsh CPU':>8}")
    print("\n".join(lines))

lines = []
for peer in ["restic", "borg", "rustic"]:
    for op in ops:
        a, b = rate("pbsh", op), rate(peer, op)
        if a and b:
            lines.append(f"{peer:<7} {op:<28} {a / b:>17.2f}")
    if size("pbsh") and size(peer):
        lines.append(f"{peer:<7} {'repository size':<28} {size('pbsh') / size(peer):>17.2f}")
    if peak("pbsh") and peak(peer):
        lines.append(f"{peer:<7} {'peak RSS (max over steps)':<28} {peak('pbsh') / peak(peer):>17.2f}")
if lines:
    print()
    print("pbsh / peer (throughput ratio > 1: pbsh is faster; size and RSS ratio < 1: pbsh is smaller)")
    print(f"{'peer':<7} {'step':<28} {'ratio pbsh/peer':>17}")
    print("\n".join(lines))

remote = [(op, rate("pbsh", op), rate("pbsh-remote", op)) for op in ops]
remote = [(op, a, b) for op, a, b in remote if a and b]
if remote:
    print()
    print("pbsh remote (loopback TLS to pbsh serve, same cores) / pbsh local")
    for op, a, b in remote:
        print(f"{op:<28} {b:>8.1f} / {a:>8.1f} MiB/s = {b / a:.2f}")
image = rate("pbsh", "image backup fresh")
if prim and image and p("sha256") and p("compress"):
    cores = prim.get("pipeline_all", {}).get("threads", nproc)
    bound = min(p("sha256"), p("compress")) * cores
    print()
    print(f"image backup: {image:.1f} MiB/s = {100.0 * image / bound:.0f} % of min(SHA-256, zstd-1) x {cores} cores "
          f"({bound:.0f} MiB/s; target 70 %)")

# The goals of issue 21, checked on the medians above.
goals = []
def goal(text, ok):
    goals.append(f"  [{'met' if ok else 'NOT met' if ok is not None else 'n/a'}] {text}")
w_anchor = get("pbs", "backup fresh", "wall")
for tool in ["pbsh", "pbsh-pbs", "pbsh-remote"]:
    w = get(tool, "backup fresh", "wall")
    if w_anchor and w:
        goal(f"fresh backup, {tool}: {w_anchor / w:.2f}x the real client's speed (>= 2x)", w_anchor / w >= 2)
    c = mbcpu(tool, "backup fresh")
    if c:
        goal(f"fresh backup, {tool}: {c:.0f} MB per client CPU-second (>= 300)", c >= 300)
for tool in ["pbsh", "pbsh-remote", "pbsh-pbs"]:
    w = get(tool, "backup metadata unchanged", "wall")
    if w is not None:
        goal(f"unchanged tree in metadata mode, {tool}: {w:.2f} s (< 1 s)", w < 1)
for client, real, ours in pairs:
    w0, w1 = get(real, "backup fresh", "wall"), get(ours, "backup fresh", "wall")
    s0, s1 = srvgib(real, "backup fresh"), srvgib(ours, "backup fresh")
    if w0 and w1 and s0 is not None and s1 is not None:
        goal(f"pbsh serve vs the real server, {client}, fresh backup: {w1:.2f} s vs {w0:.2f} s, "
             f"server CPU {s1:.2f} vs {s0:.2f} s/GiB (pbsh serve >= real, no more CPU)", w1 <= w0 and s1 <= s0)
for tool in ["pbsh", "pbsh-pbs", "pbsh-remote"]:
    v = peak(tool)
    if v is not None:
        goal(f"peak RSS, {tool}: {v:.1f} MiB over every step (<= 256 MiB)", v <= 256)
v = max([x for t, x in srss.items() if x], default=None)
if v:
    goal(f"peak RSS, pbsh serve: {v / 1024:.1f} MiB (<= 256 MiB)", v / 1024 <= 256)
if goals:
    print()
    print("issue 21 goals (medians of this run)")
    print("\n".join(goals))

failures = open(failures_path).read().strip() if failures_path else ""
if failures:
    print()
    print("failures:")
    print(failures)
PY
}
summary | tee "$RESULTS"
log "results written to $RESULTS, logs in $LOGS"

# One huge directory: a separate script (scripts/bench-bigdir.sh), with this one's settings.
if [[ $BENCH_BIGDIR == 1 ]]; then
    if [[ -x $ROOT/scripts/bench-bigdir.sh ]]; then
        PBSH=$PBSH BENCH_DIR=$BENCH_DIR BENCH_RUNS=$BENCH_RUNS BENCH_SKIP_BUILD=1 QUICK=$QUICK \
            "$ROOT/scripts/bench-bigdir.sh"
    else
        log "BENCH_BIGDIR=1 but scripts/bench-bigdir.sh is missing"
    fi
fi
