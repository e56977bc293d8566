#!/bin/sh
# Regenerates the committed shell completion scripts of the one-shot CLI.
set -eu
cd "$(dirname "$0")/.."
cargo build --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for shell in bash zsh fish; do
    XDG_DATA_HOME="$tmp" "${CARGO_TARGET_DIR:-target}/debug/pbsh" completion "$shell" > "completions/pbsh.$shell"
done
echo "completions/ regenerated"
