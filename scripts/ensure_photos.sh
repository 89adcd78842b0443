#!/usr/bin/env bash
# The 38 photographs of the super-resolution presets (Debian wallpaper packages, about 180 MB):
# installed when running as root; otherwise say how to get them. The tests do not need them.
set -uo pipefail
PACKAGES=(mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "photos: installed (${PACKAGES[*]})"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "photos: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } \
        || { echo "photos: could not install ${missing[*]}" >&2; exit 1; }
    exit 0
fi
echo "photos: missing ${missing[*]}: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
exit 1
