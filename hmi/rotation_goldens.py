"""The rotation goldens: one page at each rotation, as a panel mounted that way shows it.

Shared by tests/test_rotation.py and tools/update_goldens.py so that what is
compared is exactly what was rendered. Kept apart from ``scenes.golden_cases``: these
are pictures of the whole panel (turned), not layouts, and the contact sheet leaves them out.
"""
from __future__ import annotations

from typing import Callable, Iterator

import pygame

from hmi.display import turn
from hmi.geometry import ROTATIONS
from hmi.profile import PROFILES
from hmi.scenes import Scene, render_scene
from hmi.theme import Theme

#: The pack page: header, nav bar and gauge make any wrong turn or mirror obvious.
PAGE = "pack"
SCENE = Scene("normal")
PROFILE = "480x320"


def case_names() -> list[str]:
    return [f"rotation-{deg}-{PROFILE}" for deg in ROTATIONS]


def rotation_cases(theme: Theme) -> Iterator[tuple[str, Callable[[], pygame.Surface]]]:
    """(golden file stem, render function) for each rotation; the page renders once."""
    frame: list[pygame.Surface] = []

    def page() -> pygame.Surface:
        if not frame:
            frame.append(render_scene(SCENE, PAGE, PROFILES[PROFILE], theme))
        return frame[0]

    for name, deg in zip(case_names(), ROTATIONS):
        yield name, (lambda d=deg: turn(page(), d))
