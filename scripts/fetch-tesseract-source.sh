#!/usr/bin/env bash
# Debian's tesseract orig tarball (a real upstream source release) for offline test builds:
# enables deb-src once, downloads with `apt-get source`, prints "PATH SHA256 VERSION".
set -euo pipefail
dest=${1:-${TESSKIT_CACHE_DIR:-.cache}/src}
mkdir -p "$dest"
tarball=$(ls "$dest"/tesseract_*.orig.tar.* 2>/dev/null | head -n1 || true)
if [[ -z "$tarball" ]]; then
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
    apt-get update -qq
  fi
  (cd "$dest" && apt-get source --download-only -qq tesseract >/dev/null)
  tarball=$(ls "$dest"/tesseract_*.orig.tar.* | head -n1)
fi
version=$(basename "$tarball" | sed -E 's/^tesseract_([0-9.]+)\.orig.*/\1/')
echo "$(realpath "$tarball") $(sha256sum "$tarball" | cut -d' ' -f1) $version"
