#!/usr/bin/env bash
# The long tier of the fault matrix (reliability.md F2/F3/F4): the crash tests and the real-server
# row with many more seeds. PBSH_FAULT_SEEDS (default 200) sets the seeds of the local kill
# matrix and of the `pbsh serve` matrix; the real-server row takes at most 50.
#   scripts/soak.sh                 # 200 seeds
#   PBSH_FAULT_SEEDS=1000 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PBSH_FAULT_SEEDS="${PBSH_FAULT_SEEDS:-200}"
echo "soak: PBSH_FAULT_SEEDS=$PBSH_FAULT_SEEDS"
start=$(date +%s)
cargo test --release --features failpoints --test crash -- --nocapture --test-threads=1 fault_matrix
cargo test --release --features failpoints --test interop -- --nocapture faults
echo "soak: done in $(( $(date +%s) - start )) s"
