#!/usr/bin/env bash
# The test command, from nothing: installs what the tests need, type-checks, builds and packages,
# then runs every tier in one node test run: unit, metrics (live, on loopback and in a netns),
# integration on linux-source-6.1, the webview in headless Chromium, and the code-server end-to-end
# scenarios (screenshots in test-output/).
set -euo pipefail
cd "$(dirname "$0")/.."
# the tools the tests compare against or drive
need=()
for t in ctags:universal-ctags cscope:cscope ss:iproute2 nstat:iproute2 python3:python3 /usr/bin/time:time prometheus:prometheus prometheus-node-exporter:prometheus-node-exporter nsenter:util-linux perf:linux-perf nft:nftables; do
  command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
export NSA_CODE_SERVER_DIR="$(bash scripts/e2e-install.sh)"   # code-server + Chromium, cached
npx tsc -p . --noEmit
npx tsc -p webview --noEmit
npm run --silent package >/dev/null
node scripts/build.mjs
export NETSTACK_ATLAS_KERNEL="${NETSTACK_ATLAS_KERNEL:-$(bash scripts/kernel-tree.sh)}"
mkdir -p test-output
shopt -s nullglob
files=(test/unit/*.test.ts test/metrics/*.test.ts test/integration/*.test.ts test/runtime/*.test.ts test/webview/*.test.ts test/e2e/*.test.ts)
node --import tsx --test --test-concurrency=1 "${files[@]}"
