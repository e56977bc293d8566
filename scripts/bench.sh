#!/usr/bin/env bash
# Throughput benchmarks: chunker, blob encoding (zstd, AES-256-GCM) and SHA-256, via criterion.
# Usage: scripts/bench.sh [criterion filter]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench engine -- "${@}" 2>&1 | grep -E '^(chunker|blob_encode)/|thrpt:|^Benchmarking [^ ]+$' | grep -v Warming
