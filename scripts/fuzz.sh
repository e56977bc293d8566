#!/usr/bin/env bash
# Runs pbsh's fuzz targets (fuzz/, cargo-fuzz; reliability.md B4), one after the other.
#
#   scripts/fuzz.sh [--smoke] [--time SECONDS] [--runs N] [--merge] [TARGET...]
#
# Default: every target (fuzz/fuzz_targets/*.rs) for at most 10^7 executions or 180 s each,
# whichever comes first; each starts from its committed corpus fuzz/corpus/TARGET and writes what
# it finds to fuzz/target/corpus/TARGET (not committed). --smoke: 5 s or 20,000 executions each,
# starting from the seeds (fuzz/corpus/TARGET/seed-*) alone, since loading a whole corpus takes
# longer than that for the slow targets. --merge: afterwards, fold the inputs that reached new
# coverage into fuzz/corpus/TARGET (libFuzzer's -set_cover_merge; keep the committed corpora
# small). A crash is saved in fuzz/artifacts/TARGET/ and ends the script with status 1 after the
# summary.
#
# Uses nightly with AddressSanitizer when `cargo +nightly` works (allocations past 512 MiB are
# then refused at once: -malloc_limit_mb), else the stable toolchain without a sanitizer
# (`-s none`; only the 2 GiB RSS limit then catches runaway allocations). FUZZ_TOOLCHAIN=stable
# forces the latter. Needs cargo-fuzz: `cargo install cargo-fuzz --locked`.
#
# The normal test suite replays every committed corpus file and every minimised crasher in
# tests/fuzz/regressions/ through the same target bodies (tests/fuzz_replay.rs); that replay,
# not this script, is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

time_budget=180
runs=10000000
merge=0
smoke=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
    --smoke) time_budget=5 runs=20000 smoke=1 ;;
    --time) time_budget="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --merge) merge=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
    esac
    shift
done

all_targets=()
for f in fuzz/fuzz_targets/*.rs; do
    all_targets+=("$(basename "$f" .rs)")
done
if [ "${#targets[@]}" -eq 0 ]; then
    targets=("${all_targets[@]}")
fi
for t in "${targets[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
        echo "fuzz.sh: no target $t (targets: ${all_targets[*]})" >&2
        exit 2
    fi
done

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is missing; install it with: cargo install cargo-fuzz --locked" >&2
    exit 1
fi

if [ "${FUZZ_TOOLCHAIN:-}" != stable ] && cargo +nightly --version >/dev/null 2>&1; then
    cargo_fuzz=(cargo +nightly fuzz)
    sanitizer=(-s address)
    mode="nightly + AddressSanitizer"
else
    cargo_fuzz=(cargo fuzz)
    # Its own target dir, so switching modes does not rebuild the other's artifacts.
    sanitizer=(-s none --target-dir target/stable-none)
    mode="stable, no sanitizer (-s none)"
fi
echo "fuzz.sh: $mode; ${#targets[@]} target(s), each up to $runs runs or ${time_budget} s"

build_start=$(date +%s)
(cd fuzz && "${cargo_fuzz[@]}" build "${sanitizer[@]}")
echo "fuzz.sh: build took $(($(date +%s) - build_start)) s"

logs=fuzz/target/logs
mkdir -p "$logs"
summary=()
failed=0
for t in "${targets[@]}"; do
    # Corpus paths are relative to fuzz/, where cargo fuzz runs.
    if [ "$smoke" -eq 1 ]; then
        rm -rf "fuzz/target/smoke-corpus/$t"
        mkdir -p "fuzz/target/smoke-corpus/$t"
        cp fuzz/corpus/"$t"/seed-* "fuzz/target/smoke-corpus/$t/"
        corpora=("target/smoke-corpus/$t")
    else
        mkdir -p "fuzz/target/corpus/$t"
        corpora=("target/corpus/$t" "corpus/$t")
    fi
    mkdir -p "fuzz/artifacts/$t"
    log="$logs/$t.log"
    start=$(date +%s)
    status=0
    (cd fuzz && "${cargo_fuzz[@]}" run "${sanitizer[@]}" "$t" "${corpora[@]}" -- \
        -runs="$runs" -max_total_time="$time_budget" -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -print_final_stats=1) \
        >"$log" 2>&1 || status=$?
    seconds=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then
        execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
    fi
    crash=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | head -1)
    if [ "$status" -ne 0 ] || [ -n "$crash" ]; then
        failed=1
        result="FAILED (exit $status) ${crash:-see $log}"
    else
        result="ok"
    fi
    line=$(printf '%-24s %12s execs %5s s  %s' "$t" "${execs:-?}" "$seconds" "$result")
    echo "$line"
    summary+=("$line")
    if [ "$merge" -eq 1 ] && [ -z "$crash" ] && [ "$status" -eq 0 ]; then
        (cd fuzz && "${cargo_fuzz[@]}" run "${sanitizer[@]}" "$t" "corpus/$t" "${corpora[0]}" -- \
            -set_cover_merge=1 -timeout=30 -rss_limit_mb=2048) >"$logs/$t.merge.log" 2>&1 ||
            echo "fuzz.sh: merge of $t failed, see $logs/$t.merge.log" >&2
    fi
done

echo
echo "fuzz.sh summary ($mode):"
printf '%s\n' "${summary[@]}"
exit "$failed"
