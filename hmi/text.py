"""Fonts by role and a cache of rendered text: glyph rasterising is the costly part on a Pi."""
from __future__ import annotations

import pygame

from hmi.cache import LruCache
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


#: Rendered text kept, by count and by pixel bytes. A page at 800x480 draws about 100
#: texts; the byte bound matters where big numerals crowd in: by count alone the cache
#: drifted from 7.5 to 9 MB over a day's soak as the mix of strings changed.
CACHE_ENTRIES = 512
CACHE_BYTES = 4 * 1024 * 1024


class TextRenderer:
    def __init__(self, theme: Theme, profile: Profile, cache_size: int = CACHE_ENTRIES,
                 cache_bytes: int = CACHE_BYTES):
        if not pygame.font.get_init():
            pygame.font.init()
        self.theme = theme
        self.profile = profile
        self._fonts: dict[str, pygame.font.Font] = {}
        self._cache: LruCache[pygame.Surface] = LruCache(cache_size, cache_bytes, surface_bytes)

    @property
    def cached_bytes(self) -> int:
        """Pixel bytes of the surfaces in the cache now."""
        return self._cache.bytes

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
        if surf is None:
            surf = self.font(role).render(text, True, color)
            self._cache.put(key, surf)
        return surf

    def size(self, text: str, role: str) -> tuple[int, int]:
        return self.font(role).size(text)

    def fit(self, text: str, roles: tuple[str, ...], width: int) -> str:
        """The first role in which ``text`` fits ``width`` (the last one if none does)."""
        for role in roles:
            if self.size(text, role)[0] <= width:
                return role
        return roles[-1]


def surface_bytes(surface: pygame.Surface) -> int:
    return surface.get_pitch() * surface.get_height()
