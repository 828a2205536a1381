#!/usr/bin/env bash
# The end-to-end tier: installs code-server + Chromium (scripts/e2e-install.sh), builds and packages
# the extension, then runs the webview fast tier (test/webview) and the code-server scenarios
# (test/e2e) with screenshots in test-output/. Set NETSTACK_ATLAS_KERNEL to use a given tree.
set -euo pipefail
cd "$(dirname "$0")/.."
export NSA_CODE_SERVER_DIR="$(bash scripts/e2e-install.sh)"
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p . --noEmit
npx tsc -p webview --noEmit
npm run --silent package >/dev/null
node scripts/build.mjs   # the tests also use the CLI and the worker with source maps
export NETSTACK_ATLAS_KERNEL="${NETSTACK_ATLAS_KERNEL:-$(bash scripts/kernel-tree.sh)}"
mkdir -p test-output
node --import tsx --test --test-concurrency=1 test/webview/*.test.ts test/e2e/*.test.ts
