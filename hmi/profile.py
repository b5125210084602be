"""Display profiles: one per panel, each laid out for its own shape at native resolution.

The three panels differ in shape (1.5:1, 1.76:1, 1.67:1) and in pixel density, so a single
stretched canvas would blur text and letterbox. Each profile names its metrics by hand;
pages place things in fractions of the content area and in these metrics only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MM_PER_INCH = 25.4
#: A fingertip: the smallest target an installer hits reliably with a gloved finger.
TOUCH_TARGET_MM = 9.0


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    width: int
    height: int
    diagonal_in: float
    header_h: int
    nav_h: int
    margin: int
    gap: int
    radius: int
    #: Height of a tappable list row (alarm records, packs): HMI.md's ~40 px on the 3.5"
    #: panel; buttons and the navigation bar get the full 9 mm.
    row_h: int
    #: Font sizes in px by role.
    title: int
    body: int
    label: int
    small: int
    value: int
    big: int
    huge: int

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def ppi(self) -> float:
        return math.hypot(self.width, self.height) / self.diagonal_in

    @property
    def min_touch_px(self) -> int:
        return math.ceil(TOUCH_TARGET_MM / MM_PER_INCH * self.ppi)

    def px(self, mm: float) -> int:
        return round(mm / MM_PER_INCH * self.ppi)


PROFILES: dict[str, Profile] = {
    # 3.5" 480x320, 165 ppi: 9 mm = 58.4 px.
    "480x320": Profile("480x320", 480, 320, 3.5, header_h=40, nav_h=60, margin=8, gap=6,
                       radius=6, row_h=40, title=22, body=19, label=16, small=14, value=22, big=40,
                       huge=64),
    # 4.3" 480x272, 128 ppi: 9 mm = 45.5 px. The shortest panel: everything a notch smaller.
    "480x272": Profile("480x272", 480, 272, 4.3, header_h=34, nav_h=46, margin=6, gap=5,
                       radius=5, row_h=34, title=20, body=17, label=14, small=13, value=19, big=34,
                       huge=54),
    # 4.3" 800x480, 217 ppi: 9 mm = 76.9 px.
    "800x480": Profile("800x480", 800, 480, 4.3, header_h=60, nav_h=78, margin=12, gap=10,
                       radius=9, row_h=54, title=34, body=30, label=24, small=21, value=34, big=64,
                       huge=104),
}

DEFAULT_PROFILE = "480x320"


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown panel size {name!r}; choose one of "
                         f"{', '.join(PROFILES)}") from None


def nearest_profile(width: int, height: int) -> Profile:
    """The profile that fits a panel's real size best (for full screen on an unknown panel)."""
    def cost(p: Profile) -> tuple[int, float]:
        fits = p.width <= width and p.height <= height
        return (0 if fits else 1, abs(p.width * p.height - width * height))
    return min(PROFILES.values(), key=cost)
