#!/usr/bin/env bash
# Load test of `pbsh serve` on loopback (not part of `cargo test`): N parallel backup sessions over
# real TLS + HTTP/2, bounded in count (≤ 32 sessions) and time (300 s); prints sessions, chunks/s, MB/s.
# Usage: scripts/load-serve.sh [SESSIONS=8] [CHUNKS_PER_SESSION=64] [CHUNK_KIB=1024]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin pbsh --example serve_load
# The example runs the pbsh binary next to it (CARGO_BIN_EXE_pbsh points at the release build).
exec target/release/examples/serve_load "${1:-8}" "${2:-64}" "${3:-1024}"
