"""The real photographs this kind of machine can install (Debian wallpaper packages; see
docs/guide/data.md): 38 photos, their packages and authors, 8 held out for testing by name."""

from __future__ import annotations

from pathlib import Path

from gankit.errors import GankitError

_LOMIRI = "/usr/share/backgrounds"
_PLASMA = "/usr/share/wallpapers"
_MATE = "/usr/share/backgrounds/mate/nature"

PHOTOS: dict[str, tuple[str, str]] = {  # name -> (file, Debian package); authors in the lomiri names
    **{n: (f"{_LOMIRI}/{n}.jpg", "lomiri-wallpapers-16.04") for n in (
        "Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Kleiber_by_Lukas_Baubkus",
        "Picture_0B_by_freespace", "Picture_1A_by_freespace", "Wine_by_Jakkub_Mede",
        "aitzgorri_by_Aitzol_Berasategi", "analogpattern_by_Peter_Nerlich", "free_by_Peter_Nerlich",
        "friends_by_Aitzol_Berasategi", "greentock_by_Peter_Nerlich", "life_by_Aitzol_Berasategi",
        "picosdeeuropa_by_Aitzol_Berasategi", "sunset_by_Aitzol_Berasategi")},
    "seeding_by_Clements_Engelhardt": (f"{_LOMIRI}/seeding_by_Clements_Engelhardt.jpg",
                                       "lomiri-wallpapers-20.04"),
    **{n: (f"{_PLASMA}/{n}/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers") for n in (
        "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Grey",
        "Kite", "OneStandsOut", "Path", "summer_1am")},
    **{n: (f"{_MATE}/{n}.jpg", "mate-backgrounds") for n in (
        "Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops",
        "Storm", "TwoWings", "Wood", "YellowFlower")},
}
TEST_PHOTOS = ("Kleiber_by_Lukas_Baubkus", "picosdeeuropa_by_Aitzol_Berasategi", "EveningGlow",
               "ColorfulCups", "LadyBird", "Wood", "Storm", "free_by_Peter_Nerlich")


def installed_photos(split: str) -> list[Path]:
    """The photo files of `split` (train: 30, test: the 8 of TEST_PHOTOS), or one line naming
    the packages to install."""
    missing = sorted({pkg for path, pkg in PHOTOS.values() if not Path(path).is_file()})
    if missing:
        raise GankitError(f"the photo dataset needs the Debian packages {' '.join(missing)} "
                          f"(sudo apt-get install {' '.join(missing)}; make data-photos does it as root), or "
                          "give data.root = a folder of your own photos")
    names = [n for n in PHOTOS if (n in TEST_PHOTOS) == (split != "train")]
    return [Path(PHOTOS[n][0]) for n in names]
