#!/bin/sh
# Regenerates README.md's proxmox-backup-client reference (between <!-- parity:begin --> and
# <!-- parity:end -->) from the parity table in src/shell/parity.rs; tests/parity.rs checks it.
set -eu
cd "$(dirname "$0")/.."
cargo test --quiet --features failpoints --test parity -- --ignored --exact write_readme_reference
echo "README.md reference regenerated"
