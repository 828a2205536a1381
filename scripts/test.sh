#!/usr/bin/env bash
# The test command: type-check, build, unit tests, then integration tests on linux-source-6.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# from nothing: the tools the integration tests compare against, and the npm packages
need=()
for t in ctags:universal-ctags cscope:cscope ss:iproute2 nstat:iproute2 python3:python3 /usr/bin/time:time prometheus:prometheus prometheus-node-exporter:prometheus-node-exporter; do
  command -v "${t%%:*}" >/dev/null || need+=("${t#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p . --noEmit
node scripts/build.mjs
export NETSTACK_ATLAS_KERNEL="${NETSTACK_ATLAS_KERNEL:-$(bash scripts/kernel-tree.sh)}"
shopt -s nullglob
files=(test/unit/*.test.ts test/metrics/*.test.ts test/integration/*.test.ts)
node --import tsx --test --test-concurrency=1 "${files[@]}"
