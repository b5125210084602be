"""The brand page at power-on and on waking: the battery maker's logo or name."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Optional

import pygame

from hmi.widgets import Canvas, text
from screens.base import Page

if TYPE_CHECKING:
    from screens.context import PageContext

log = logging.getLogger(__name__)


class LogoPage(Page):
    id = "logo"
    title = ""
    about_pack = False

    def __init__(self) -> None:
        self._logo_cache: dict[tuple, Optional[pygame.Surface]] = {}

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: Optional[PageContext]) -> None:
        # No data on this page: the splash draws it before there is any (ctx None).
        p = cv.profile
        logo = self._logo(cv, (rect.width * 2 // 3, rect.height // 2))
        y = rect.y + rect.height * 2 // 5
        if logo is not None:
            r = cv.surface.blit(logo, logo.get_rect(midbottom=(rect.centerx, y + p.gap)))
        else:
            r = text(cv, cv.theme.name, "huge", cv.theme.text, (rect.centerx, y + p.gap),
                     "midbottom")
        pygame.draw.rect(cv.surface, cv.theme.accent,
                         pygame.Rect(rect.centerx - r.width // 4, r.bottom + p.gap,
                                     r.width // 2, max(3, p.gap // 2)))
        text(cv, cv.theme.tagline, "title", cv.theme.text_muted,
             (rect.centerx, r.bottom + 3 * p.gap), "midtop")
        text(cv, "Battery monitor", "label", cv.theme.text_muted,
             (rect.centerx, rect.bottom - p.margin), "midbottom")

    def _logo(self, cv: Canvas, box: tuple[int, int]):
        path = cv.theme.logo
        if path is None:
            return None
        key = (str(path), box)
        if key not in self._logo_cache:
            # Pillow scales the logo: its resampling gives the same pixels on every CPU.
            from PIL import Image
            try:
                with Image.open(path) as im:
                    im = im.convert("RGBA")
                    im.thumbnail(box, Image.Resampling.LANCZOS)
                    logo = pygame.image.frombytes(im.tobytes(), im.size, "RGBA")
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                # The theme checked the file at start; it changed since. Show the name.
                log.warning("logo %s unusable now (%s); showing the name instead", path, exc)
                logo = None
            self._logo_cache[key] = logo
        return self._logo_cache[key]
