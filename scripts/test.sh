#!/usr/bin/env bash
# The test command: type-check, build, unit tests, then integration tests on linux-source-6.1.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . --noEmit
node scripts/build.mjs
export NETSTACK_ATLAS_KERNEL="${NETSTACK_ATLAS_KERNEL:-$(bash scripts/kernel-tree.sh)}"
shopt -s nullglob
files=(test/unit/*.test.ts test/metrics/*.test.ts test/integration/*.test.ts)
node --import tsx --test --test-concurrency=1 "${files[@]}"
