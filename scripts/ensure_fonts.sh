#!/usr/bin/env bash
# Make sure the fonts of the glyph presets and tests are present (Debian packages): installed
# when running as root; otherwise say how to get them. Never fails the build: glyph tests skip
# without their fonts.
set -uo pipefail
# the glyph presets' fonts, and the small set of distinct styles of the zi2zi tests (34 MB);
# the full zi2zi preset adds fonts-noto-cjk, fonts-hanazono, fonts-lxgw-wenkai (its error names them)
PACKAGES=(fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-smiley-sans fonts-seto)
FILES=(/usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/arphic/ukai.ttc
       /usr/share/fonts/truetype/arphic/uming.ttc /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
       /usr/share/fonts/truetype/smiley-sans/SmileySans-Oblique.ttf /usr/share/fonts/truetype/seto/setofont.ttf)
missing=()
for i in "${!FILES[@]}"; do
    [ -f "${FILES[$i]}" ] || missing+=("${PACKAGES[$i]}")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "fonts: glyph fonts found (${PACKAGES[*]})"
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "fonts: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } \
        || echo "fonts: could not install ${missing[*]}; glyph presets and tests need them" >&2
    exit 0
fi
echo "fonts: missing ${missing[*]} (glyph presets and tests need them): sudo apt-get install ${missing[*]}" >&2
exit 0
