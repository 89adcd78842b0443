"""Fonts by short name (the Debian packages of docs/guide/data.md) or by path, and the
character sets glyph datasets are rendered from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gankit.errors import GankitError


@dataclass(frozen=True)
class Font:
    name: str
    path: str
    index: int = 0  # the face of a .ttc collection
    package: str = ""  # the Debian package that installs it


_DEB = "/usr/share/fonts"
FONTS = {f.name: f for f in [
    Font("wqy-microhei", f"{_DEB}/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    Font("wqy-zenhei", f"{_DEB}/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    Font("ukai", f"{_DEB}/truetype/arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
    Font("uming", f"{_DEB}/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
    Font("noto-sans-sc", f"{_DEB}/opentype/noto/NotoSansCJK-Regular.ttc", 2, "fonts-noto-cjk"),
    Font("noto-serif-sc", f"{_DEB}/opentype/noto/NotoSerifCJK-Regular.ttc", 2, "fonts-noto-cjk"),
    Font("noto-sans-sc-bold", f"{_DEB}/opentype/noto/NotoSansCJK-Bold.ttc", 2, "fonts-noto-cjk"),
    Font("noto-serif-sc-bold", f"{_DEB}/opentype/noto/NotoSerifCJK-Bold.ttc", 2, "fonts-noto-cjk"),
    Font("hanamin", f"{_DEB}/truetype/hanazono/HanaMinA.ttf", 0, "fonts-hanazono"),
    Font("tw-sung", f"{_DEB}/truetype/cns11643/TW-Sung-98_1.ttf", 0, "fonts-cns11643-sung"),
    Font("lxgw-wenkai", f"{_DEB}/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf", 0, "fonts-lxgw-wenkai"),
    Font("smiley-sans", f"{_DEB}/truetype/smiley-sans/SmileySans-Oblique.ttf", 0, "fonts-smiley-sans"),
    Font("seto", f"{_DEB}/truetype/seto/setofont.ttf", 0, "fonts-seto"),
]}


def dejavu() -> Font:
    """DejaVu Sans, which matplotlib ships (Latin glyphs on every machine)."""
    import matplotlib

    return Font("dejavu-sans", str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"))


def resolve_font(spec: str) -> Font:
    """A font by short name (`gankit data glyphs --help` lists them), `dejavu-sans`, or a
    .ttf/.otf/.ttc path with an optional face index (`PATH:2`)."""
    if spec == "dejavu-sans":
        return dejavu()
    if spec in FONTS:
        font = FONTS[spec]
        if not Path(font.path).is_file():
            raise GankitError(f"font {spec} is not installed ({font.path}): sudo apt-get install "
                              f"{font.package} (make data installs it when run as root)")
        return font
    path, _, index = spec.rpartition(":") if spec.rsplit(":", 1)[-1].isdigit() else (spec, "", "0")
    if Path(path).suffix.lower() not in (".ttf", ".otf", ".ttc"):
        raise GankitError(f"font {spec!r}: not a known name ({', '.join(FONTS)}, dejavu-sans) nor a "
                          ".ttf/.otf/.ttc path")
    if not Path(path).is_file():
        raise GankitError(f"font file {path} does not exist")
    return Font(Path(path).stem, str(Path(path).resolve()), int(index))


def gb2312_hanzi() -> str:
    """The 6,763 GB2312 hanzi in code order (lead bytes 0xB0-0xF7)."""
    chars = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the five unassigned codes at the end of level 1
    return "".join(chars)


def charset(spec: str) -> tuple[str, str]:
    """(characters, a name for the record): `gb2312`, `ascii` (printable, no space), a text
    file of characters (whitespace ignored, first occurrence kept), or `chars:STRING`."""
    if spec == "gb2312":
        return gb2312_hanzi(), "gb2312"
    if spec == "ascii":
        return "".join(chr(c) for c in range(0x21, 0x7F)), "ascii"
    if spec.startswith("chars:"):
        text, name = spec[len("chars:"):], "given characters"
    else:
        path = Path(spec)
        if not path.is_file():
            raise GankitError(f"charset {spec!r}: not gb2312, ascii, chars:STRING or a text file")
        try:
            text, name = path.read_text(encoding="utf-8"), str(path.resolve())
        except UnicodeDecodeError:
            raise GankitError(f"{path}: a charset file must be UTF-8 text") from None
    chars = "".join(dict.fromkeys(c for c in text if not c.isspace()))
    if not chars:
        raise GankitError(f"charset {spec!r} holds no characters")
    return chars, name


SPLITS = ("train", "val", "test")


def character_split(index: int) -> str:
    """The split of the index-th character of a charset (docs/guide/data.md): every tenth from
    the first is test, every tenth from the sixth validation, the rest train."""
    return "test" if index % 10 == 0 else "val" if index % 10 == 5 else "train"
