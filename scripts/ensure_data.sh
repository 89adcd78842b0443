#!/usr/bin/env bash
# Make sure Fashion-MNIST is present: the Debian package dataset-fashion-mnist, installed
# when running as root; otherwise say how to get it.
set -euo pipefail
DEBIAN_DIR=/usr/share/datasets/fashion-mnist
for dir in "${GANKIT_DATA:-}" "$DEBIAN_DIR" "${XDG_CACHE_HOME:-$HOME/.cache}/gankit/fashion-mnist"; do
    if [ -n "$dir" ] && ls "$dir"/train-images-idx3-ubyte* >/dev/null 2>&1; then
        echo "data: Fashion-MNIST found in $dir"
        exit 0
    fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "data: installing the Debian package dataset-fashion-mnist"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null; }
    echo "data: Fashion-MNIST installed in $DEBIAN_DIR"
    exit 0
fi
cat >&2 <<MSG
data: Fashion-MNIST not found (looked in \$GANKIT_DATA, $DEBIAN_DIR, ~/.cache/gankit/fashion-mnist).
Get it with one of:
  sudo apt-get install dataset-fashion-mnist
  .venv/bin/gankit data fetch fashion-mnist     # downloads and checks SHA-256
MSG
exit 1
