#!/usr/bin/env bash
# Prints the path of a Linux 6.1 source tree (network scope and MAINTAINERS), installing Debian's linux-source-6.1
# and extracting it into a cache folder when missing. Never commit what this extracts.
set -euo pipefail
tarball=/usr/src/linux-source-6.1.tar.xz
dest="${NETSTACK_ATLAS_KERNEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/netstack-atlas/kernel}"
tree="$dest/linux-source-6.1"
# an older extraction (before MAINTAINERS was part of the scope) gets the file added: check the file,
# not only the marker
if [ -f "$tree/.netstack-atlas-extracted" ] && [ -f "$tree/MAINTAINERS" ]; then
  echo "$tree"
  exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "installing linux-source-6.1 (Debian package)…" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq linux-source-6.1 >&2
fi
mkdir -p "$dest"
if [ -f "$tree/.netstack-atlas-extracted" ]; then
  echo "adding MAINTAINERS to the extraction in $dest…" >&2
  tar -xJf "$tarball" -C "$dest" 'linux-source-6.1/MAINTAINERS'
  echo "$tree"
  exit 0
fi
echo "extracting the network scope of $tarball into $dest…" >&2
tar -xJf "$tarball" -C "$dest" \
  --wildcards 'linux-source-6.1/Makefile' 'linux-source-6.1/MAINTAINERS' 'linux-source-6.1/net/*' 'linux-source-6.1/include/*' \
  'linux-source-6.1/drivers/net/*' 'linux-source-6.1/Documentation/networking/*'
touch "$tree/.netstack-atlas-extracted"
echo "$tree"
