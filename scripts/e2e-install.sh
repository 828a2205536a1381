#!/usr/bin/env bash
# Installs what the end-to-end tier needs, outside the extension's own dependencies:
#   apt: chromium (headless browser), ripgrep (code-server's search), libkrb5-dev (code-server native build)
#   code-server 4.100.3 (the last that runs on node 20) into ~/.cache/netstack-atlas/code-server
# Idempotent; prints the install folder on stdout.
set -euo pipefail
CS_VERSION=4.100.3
DIR="${NSA_CODE_SERVER_DIR:-$HOME/.cache/netstack-atlas/code-server}"
log() { echo "e2e-install: $*" >&2; }

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  log "apt-get install ${need[*]}"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi

if [ -x "$DIR/node_modules/.bin/code-server" ] \
   && grep -q "\"version\": \"$CS_VERSION\"" "$DIR/node_modules/code-server/package.json" 2>/dev/null \
   && [ -f "$DIR/.installed-$CS_VERSION" ]; then
  echo "$DIR"; exit 0
fi

# @vscode/ripgrep 1.15.11 downloads ripgrep in its postinstall: hand it Debian's instead.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE"
  tmp=$(mktemp -d); cp /usr/bin/rg "$tmp/rg"; tar -C "$tmp" -czf "$RG_TAR" rg; rm -rf "$tmp"
fi

mkdir -p "$DIR"
# npm ≥ 11 runs install scripts only for packages allowed by name: code-server's postinstall builds its
# native modules, argon2 is its password hashing.
[ -f "$DIR/package.json" ] || echo '{"name":"nsa-e2e-tools","private":true,"allowScripts":{"code-server":true,"argon2":true}}' > "$DIR/package.json"
log "npm install code-server@$CS_VERSION into $DIR (several minutes)"
( cd "$DIR" && npm_config_yes=true npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund --save-exact "code-server@$CS_VERSION" >&2
  # older npm ran the scripts during install already; newer ones may have skipped them: make sure
  if [ ! -d node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin ]; then
    npm_config_yes=true npm_config_unsafe_perm=true npm rebuild code-server argon2 >&2
  fi )
touch "$DIR/.installed-$CS_VERSION"
echo "$DIR"
