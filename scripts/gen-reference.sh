#!/bin/sh
# Regenerates README.md's proxmox-backup-client reference (between <!-- parity:begin --> and
# <!-- parity:end -->) from the parity table in src/shell/parity.rs; tests/cli/parity.rs checks it.
set -eu
cd "$(dirname "$0")/.."
cargo test --quiet --features failpoints --test cli -- --ignored --exact parity::write_readme_reference
echo "README.md reference regenerated"
