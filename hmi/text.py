"""Fonts by role and a cache of rendered text: glyph rasterising is the costly part on a Pi."""
from __future__ import annotations

from collections import OrderedDict

import pygame

from hmi.profile import Profile
from hmi.theme import Color, Theme

#: role → (profile attribute for the size, bold?)
ROLES: dict[str, tuple[str, bool]] = {
    "title": ("title", True),
    "body": ("body", False),
    "body_bold": ("body", True),
    "label": ("label", False),
    "label_bold": ("label", True),
    "small": ("small", False),
    "small_bold": ("small", True),
    "value": ("value", True),
    "big": ("big", True),
    "huge": ("huge", True),
}


class TextRenderer:
    def __init__(self, theme: Theme, profile: Profile, cache_size: int = 512):
        if not pygame.font.get_init():
            pygame.font.init()
        self.theme = theme
        self.profile = profile
        self._fonts: dict[str, pygame.font.Font] = {}
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._cache_size = cache_size

    def font(self, role: str) -> pygame.font.Font:
        f = self._fonts.get(role)
        if f is None:
            attr, bold = ROLES[role]
            path = self.theme.font_bold if bold else self.theme.font_regular
            f = pygame.font.Font(str(path), getattr(self.profile, attr))
            self._fonts[role] = f
        return f

    def render(self, text: str, role: str, color: Color) -> pygame.Surface:
        key = (text, role, color)
        surf = self._cache.get(key)
        if surf is not None:
            self._cache.move_to_end(key)
            return surf
        surf = self.font(role).render(text, True, color)
        self._cache[key] = surf
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return surf

    def size(self, text: str, role: str) -> tuple[int, int]:
        return self.font(role).size(text)

    def fit(self, text: str, roles: tuple[str, ...], width: int) -> str:
        """The first role in which ``text`` fits ``width`` (the last one if none does)."""
        for role in roles:
            if self.size(text, role)[0] <= width:
                return role
        return roles[-1]
