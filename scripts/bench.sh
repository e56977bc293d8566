#!/usr/bin/env bash
# End-to-end benchmark of pbsh against a deterministic corpus, with restic and borg as peers.
#
# Usage:
#   scripts/bench.sh                 end-to-end run (builds release, makes/reuses the corpus, measures)
#   scripts/bench.sh --micro [FILT]  criterion micro-benchmarks (chunker, blob encode, SHA-256)
#   scripts/bench.sh --help
#
# Environment:
#   BENCH_DIR=/tmp/pbsh-bench   work dir: corpus, repos, restore targets, logs, results.txt
#   BENCH_GB=1                  corpus size in GiB (fractions allowed, e.g. 0.05 for a quick run)
#   BENCH_SEED=20240601         corpus seed (the corpus is reused while its marker matches)
#   BENCH_TIMEOUT=900           seconds before one measured step is killed
#   BENCH_TOOLS="pbsh restic borg"  tools to run; restic and borg only when installed
#   BENCH_VERIFY_RESTORE=1      compare each restored tree with the corpus (untimed)
#   BENCH_KEEP=0                1 keeps the repos after the run
#   BENCH_SKIP_BUILD=0          1 uses the existing target/release/pbsh
#
# Each tool gets its own fresh repository and runs, on the same corpus (page cache warmed first):
# fresh backup, unchanged backup, ~1 % changed backup, restore into an empty directory, and a
# full check (pbsh verify, restic check --read-data, borg check --verify-data). pbsh also runs
# two metadata-mode backups (the second one unchanged) and a metadata-mode backup after the
# change. Wall time and peak RSS come from /usr/bin/time -v; MiB/s = corpus bytes / wall seconds.
# The summary table is printed and written to $BENCH_DIR/results.txt; logs are in $BENCH_DIR/logs.
# No encryption anywhere (pbsh --crypt-mode none, restic without/with a dummy password, borg -e none).
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
"") ;;
*)
    usage >&2
    exit 2
    ;;
esac

BENCH_DIR=${BENCH_DIR:-/tmp/pbsh-bench}
BENCH_GB=${BENCH_GB:-1}
BENCH_SEED=${BENCH_SEED:-20240601}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
BENCH_TOOLS=${BENCH_TOOLS:-pbsh restic borg}
BENCH_VERIFY_RESTORE=${BENCH_VERIFY_RESTORE:-1}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}

CORPUS=$BENCH_DIR/corpus
MARKER=$BENCH_DIR/corpus.marker
UNDO=$BENCH_DIR/mutation.undo
LOGS=$BENCH_DIR/logs
RESULTS=$BENCH_DIR/results.txt
PBSH=$ROOT/target/release/pbsh
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

if [[ $BENCH_SKIP_BUILD != 1 ]]; then
    log "cargo build --release"
    cargo build --release 2>&1 | tail -n 2 >&2
fi
[[ -x $PBSH ]] || { echo "$PBSH missing" >&2; exit 1; }

rm -rf "$LOGS"
mkdir -p "$BENCH_DIR" "$LOGS"

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
small = [p for p in files if "/tree/" in p]
large = [p for p in files if "/large/" in p]
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

marker_want="version=$CORPUS_VERSION gb=$BENCH_GB seed=$BENCH_SEED"
if [[ -d $CORPUS && -f $MARKER ]] && [[ $(head -n 1 "$MARKER") == "$marker_want" ]]; then
    log "reusing corpus $CORPUS ($marker_want)"
else
    log "generating corpus $CORPUS ($marker_want)"
    rm -rf "$CORPUS" "$MARKER"
    gen_corpus >/dev/null
    printf '%s\nbytes=%s\n' "$marker_want" "$(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')" >"$MARKER"
fi
CORPUS_BYTES=$(sed -n 's/^bytes=//p' "$MARKER")
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)
CORPUS_MIB=$(awk -v b="$CORPUS_BYTES" 'BEGIN {printf "%.1f", b / 1048576}')
log "corpus: $CORPUS_FILES files, $CORPUS_MIB MiB"

warm_cache() { find "$CORPUS" -type f -print0 | xargs -0 cat >/dev/null; }

# ---------------------------------------------------------------------------------------------
# Measurement
R_TOOL=() R_OP=() R_WALL=() R_RSS=() R_LOAD=() R_STATUS=() R_REPO=()
FAILURES=""
LAST_RC=0

# measure TOOL OPERATION REPO COMMAND...: syncs (so that earlier writes are not flushed during
# the step), runs COMMAND under /usr/bin/time -v and records the row, with the size of REPO
# afterwards unless REPO is "-".
measure() {
    local tool=$1 op=$2 repo=$3
    shift 3
    local slug=${tool}-${op//[^a-zA-Z0-9]/_}
    local out=$LOGS/$slug.log tf=$LOGS/$slug.time rc=0 load wall rss status
    sync
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "$tool: $op"
    /usr/bin/time -v -o "$tf" timeout "$BENCH_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tf" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tf")
    case $rc in
    0) status=ok ;;
    124) status=TIMEOUT ;;
    *) status="FAIL($rc)" ;;
    esac
    if [[ $rc -ne 0 ]]; then
        FAILURES+="$tool $op: exit $rc: $(tail -n 5 "$out" | tr '\n' ' ')"$'\n'
        log "  -> $status, see $out"
    fi
    [[ $repo == - ]] || R_REPO[${#R_TOOL[@]}]=$(du -sb "$repo" | cut -f1)
    R_TOOL+=("$tool") R_OP+=("$op") R_WALL+=("${wall:-0}") R_RSS+=("${rss:-0}") R_LOAD+=("$load") R_STATUS+=("$status")
    LAST_RC=$rc
}

# check_restore TOOL DIR: untimed comparison of a restored tree with the (changed) corpus.
check_restore() {
    [[ $BENCH_VERIFY_RESTORE == 1 ]] || return 0
    if [[ -d $2 ]] && diff -rq "$CORPUS" "$2" >"$LOGS/$1-restore-diff.log" 2>&1; then
        log "  restored tree matches the corpus"
    else
        FAILURES+="$1 restore: restored tree differs from the corpus ($(head -n 3 "$LOGS/$1-restore-diff.log" | tr '\n' ' '))"$'\n'
        log "  -> restored tree differs, see $LOGS/$1-restore-diff.log"
    fi
}

repo_size() {
    local tool=$1 repo=$2 label=${3:-datastore size}
    R_SIZE[${#R_TOOL[@]}]=$(du -sb "$repo" | cut -f1)
    R_TOOL+=("$tool") R_OP+=("$label") R_LOAD+=("-") R_STATUS+=("ok") R_WALL+=("-") R_RSS+=("-")
}
R_SIZE=()

T0=1800000000
# The metadata-mode series has a datastore of its own: its split archive (mpxar/ppxar) cuts
# other chunks than the legacy pxar, so sharing one datastore would double the size figure.
run_pbsh() {
    local repo=$BENCH_DIR/repo-pbsh meta=$BENCH_DIR/repo-pbsh-meta target=$BENCH_DIR/restore-pbsh
    rm -rf "$repo" "$meta" "$target"
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
    # Restore targets are removed only at the very end: deleting a GiB just before a timed step
    # made that step 3-4x slower on this ext4 (mounted with `discard`), whichever tool ran next.
    mkdir -p "$target-meta"
    measure pbsh "restore metadata snapshot" - "$PBSH" --repository "$meta" restore host/bench root.pxar "$target-meta"
    [[ $LAST_RC -ne 0 ]] || check_restore pbsh-metadata "$target-meta"
    measure pbsh verify - "$PBSH" --repository "$repo" verify
    measure pbsh "verify metadata datastore" - "$PBSH" --repository "$meta" verify
    repo_size pbsh "$repo"
    repo_size pbsh "$meta" "metadata datastore size"
    mutate revert
}

run_restic() {
    local repo=$BENCH_DIR/repo-restic target=$BENCH_DIR/restore-restic
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
    local repo=$BENCH_DIR/repo-borg target=$BENCH_DIR/restore-borg
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

tool_version() {
    case $1 in
    pbsh) "$PBSH" --version ;;
    restic) restic version | cut -d' ' -f1-2 ;;
    borg) borg --version ;;
    esac 2>/dev/null || true
}

for tool in $BENCH_TOOLS; do
    case $tool in
    pbsh) ;;
    restic | borg)
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
    log "=== $tool $(tool_version "$tool")"
    warm_cache
    "run_$tool"
done
# Cleaned up only now, so no tool's timed steps follow a large deletion (see run_pbsh).
if [[ $BENCH_KEEP != 1 ]]; then
    rm -rf "$BENCH_DIR"/repo-* "$BENCH_DIR"/cache-* "$BENCH_DIR/borg-home" "$BENCH_DIR"/restore-*
fi

# ---------------------------------------------------------------------------------------------
# Summary
summary() {
    local i
    echo "pbsh end-to-end benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)"
    echo "$(tool_version pbsh) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')); $(tool_version restic); $(tool_version borg)"
    echo "corpus: $CORPUS_FILES files, $CORPUS_BYTES bytes ($CORPUS_MIB MiB), seed $BENCH_SEED; page cache warm"
    echo "MiB/s = corpus bytes / wall seconds; repo MiB = repository size after the backup;"
    echo "load1 = 1-minute load average when the step started"
    echo
    printf '%-7s %-28s %8s %8s %13s %9s %6s  %s\n' tool operation "wall s" "MiB/s" "peak RSS MiB" "repo MiB" load1 status
    printf '%-7s %-28s %8s %8s %13s %9s %6s  %s\n' ------- ---------------------------- -------- -------- ------------- --------- ------ ------
    for i in "${!R_TOOL[@]}"; do
        if [[ ${R_WALL[$i]} == - ]]; then
            printf '%-7s %-28s %s bytes (%s MiB, %s of corpus)\n' "${R_TOOL[$i]}" "${R_OP[$i]}" "${R_SIZE[$i]}" \
                "$(awk -v b="${R_SIZE[$i]}" 'BEGIN {printf "%.1f", b / 1048576}')" \
                "$(awk -v b="${R_SIZE[$i]}" -v c="$CORPUS_BYTES" 'BEGIN {printf "%.1f %%", 100 * b / c}')"
            continue
        fi
        printf '%-7s %-28s %8.2f %8.1f %13.1f %9s %6s  %s\n' "${R_TOOL[$i]}" "${R_OP[$i]}" "${R_WALL[$i]}" \
            "$(awk -v b="$CORPUS_BYTES" -v s="${R_WALL[$i]}" 'BEGIN {print (s > 0 ? b / 1048576 / s : 0)}')" \
            "$(awk -v k="${R_RSS[$i]}" 'BEGIN {print k / 1024}')" \
            "$(if [[ -n ${R_REPO[$i]:-} ]]; then awk -v b="${R_REPO[$i]}" 'BEGIN {printf "%.1f", b / 1048576}'; else echo -; fi)" \
            "${R_LOAD[$i]}" "${R_STATUS[$i]}"
    done
    local peer op p q header=0
    for peer in restic borg; do
        for op in "backup fresh" "backup unchanged" "backup 1% changed" restore verify; do
            p="" q=""
            for i in "${!R_TOOL[@]}"; do
                [[ ${R_OP[$i]} == "$op" && ${R_STATUS[$i]} == ok ]] || continue
                [[ ${R_TOOL[$i]} == pbsh ]] && p=${R_WALL[$i]}
                [[ ${R_TOOL[$i]} == "$peer" ]] && q=${R_WALL[$i]}
            done
            [[ -n $p && -n $q ]] || continue
            if [[ $header == 0 ]]; then
                echo
                echo "pbsh / peer (time < 1 and throughput > 1 mean pbsh is faster)"
                printf '%-7s %-28s %11s %17s\n' peer operation "time ratio" "throughput ratio"
                header=1
            fi
            printf '%-7s %-28s %11.2f %17.2f\n' "$peer" "$op" \
                "$(awk -v a="$p" -v b="$q" 'BEGIN {print (b > 0 ? a / b : 0)}')" \
                "$(awk -v a="$p" -v b="$q" 'BEGIN {print (a > 0 ? b / a : 0)}')"
        done
    done
    if [[ -n $FAILURES ]]; then
        echo
        echo "failures:"
        printf '%s' "$FAILURES"
    fi
}
summary | tee "$RESULTS"
log "results written to $RESULTS, logs in $LOGS"
