#!/usr/bin/env bash
# The main job, from nothing: install, build, fetch the Debian 6.1 tree (or use the given one),
# index its network scope and print what was found. Extra arguments go to `netstack-atlas index`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
node scripts/build.mjs
tree="${1:-}"
if [ -z "$tree" ] || [[ "$tree" == --* ]]; then tree="$(bash scripts/kernel-tree.sh)"; else shift; fi
node dist/cli.js index "$tree" "$@"
