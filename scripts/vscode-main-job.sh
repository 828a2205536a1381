#!/usr/bin/env bash
# The main job for the VS Code experience, from nothing: build and package the extension, install
# code-server (and Chromium for the tests), start a real VS Code in the browser on a kernel tree (the
# argument, or Debian's linux-source-6.1 fetched by scripts/kernel-tree.sh) with the extension
# installed and the stack map opening, and print the URL. Runs until interrupted.
#   bash scripts/vscode-main-job.sh [TREE] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
tree=""; port="${PORT:-8080}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    *) tree="$1"; shift ;;
  esac
done
tools="$(bash scripts/e2e-install.sh)"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent package >/dev/null
[ -n "$tree" ] || tree="$(bash scripts/kernel-tree.sh)"
tree="$(cd "$tree" && pwd)"
state="${XDG_CACHE_HOME:-$HOME/.cache}/netstack-atlas/vscode"
mkdir -p "$state/user-data/User" "$state/extensions"
settings="$state/user-data/User/settings.json"
[ -f "$settings" ] || cat > "$settings" <<'JSON'
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "netstackAtlas.map.openOnStart": true
}
JSON
cs="$tools/node_modules/.bin/code-server"
common=(--user-data-dir "$state/user-data" --extensions-dir "$state/extensions" --disable-telemetry --disable-update-check)
"$cs" "${common[@]}" --force --install-extension netstack-atlas.vsix >/dev/null
url="http://127.0.0.1:$port/?folder=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$tree")"
echo "Netstack Atlas in VS Code (code-server) on $tree:"
echo "  $url"
echo "  (indexing starts when the folder opens; then run 'Netstack Atlas: Open Stack Map' from the status bar or F1)"
exec "$cs" "${common[@]}" --auth none --bind-addr "127.0.0.1:$port" --disable-workspace-trust --disable-getting-started-override "$tree"
