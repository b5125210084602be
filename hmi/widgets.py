"""Drawing pieces every page shares, so the same thing looks the same everywhere.

A page draws through a :class:`Canvas`: the surface, theme, profile, text cache, and the
list of touch targets it registers while drawing. Colours are asked for by tone; when the
page's data is stale, every value tone turns to the stale grey in one place.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional

import pygame

from hmi import icons
from hmi.cache import LruCache
from hmi.profile import Profile
from hmi.text import TextRenderer
from hmi.theme import Color, Theme


class Tone(enum.Enum):
    NORMAL = "text"
    MUTED = "text_muted"
    OK = "ok"
    WARN = "warn"
    ALARM = "alarm"
    STALE = "stale"
    ACCENT = "accent"


@dataclass(frozen=True, slots=True)
class Target:
    """A touch target: where, and what the app does when it is released on."""

    rect: pygame.Rect
    action: tuple


@dataclass
class Canvas:
    surface: pygame.Surface
    theme: Theme
    profile: Profile
    text: TextRenderer
    stale: bool = False
    targets: list[Target] = field(default_factory=list)
    #: Finished pieces kept between frames (the app's); None draws everything afresh.
    parts: Optional[LruCache] = None

    def color(self, tone: Tone) -> Color:
        # Stale data keeps its layout but loses its meaning-colours: grey, not green.
        if self.stale and tone in (Tone.NORMAL, Tone.OK, Tone.WARN, Tone.ALARM, Tone.ACCENT):
            tone = Tone.STALE
        return getattr(self.theme, tone.value)

    def target(self, rect: pygame.Rect, action: tuple) -> None:
        self.targets.append(Target(pygame.Rect(rect), action))


def text(cv: Canvas, s: str, role: str, color: Color, pos: tuple[int, int],
         anchor: str = "topleft") -> pygame.Rect:
    surf = cv.text.render(s, role, color)
    rect = surf.get_rect(**{anchor: pos})
    cv.surface.blit(surf, rect)
    return rect


def baseline_text(cv: Canvas, s: str, role: str, color: Color, x: int, baseline: int,
                  align: str = "left") -> pygame.Rect:
    """Text placed on a baseline, so a big numeral and its small unit line up."""
    surf = cv.text.render(s, role, color)
    top = baseline - cv.text.font(role).get_ascent()
    rect = surf.get_rect(top=top, left=x) if align == "left" else surf.get_rect(top=top, right=x)
    cv.surface.blit(surf, rect)
    return rect


def mid_baseline(cv: Canvas, role: str, cy: int) -> int:
    """The baseline that centres a line of digits on ``cy`` (by the digit height, so
    numbers sit in the middle of a row whatever the font's ascent and descent)."""
    digit_top = cv.text.font(role).metrics("0")[0][3]
    return cy + digit_top // 2


def value_unit(cv: Canvas, value: str, unit: str, x: int, baseline: int, tone: Tone,
               value_role: str = "big", unit_role: str = "body",
               align: str = "left") -> pygame.Rect:
    """A numeral with its unit on one baseline; ``align='right'`` ends at ``x``."""
    gap = max(2, cv.profile.gap // 2)
    unit_w = cv.text.size(unit, unit_role)[0] if unit else 0
    value_w = cv.text.size(value, value_role)[0]
    left = x if align == "left" else x - value_w - (gap + unit_w if unit else 0)
    r = baseline_text(cv, value, value_role, cv.color(tone), left, baseline)
    if unit:
        u = baseline_text(cv, unit, unit_role, cv.color(Tone.MUTED), r.right + gap, baseline)
        r = r.union(u)
    return r


def panel(cv: Canvas, rect: pygame.Rect, role: str = "surface",
          border: Optional[Color] = None, width: int = 0) -> None:
    pygame.draw.rect(cv.surface, getattr(cv.theme, role), rect, border_radius=cv.profile.radius)
    if border is not None:
        pygame.draw.rect(cv.surface, border, rect, width=max(1, width),
                         border_radius=cv.profile.radius)


def bar(cv: Canvas, rect: pygame.Rect, fraction: float, tone: Tone) -> None:
    """A horizontal level bar; the fill is clamped, the track always drawn."""
    fraction = min(1.0, max(0.0, fraction))
    pygame.draw.rect(cv.surface, cv.theme.surface_high, rect, border_radius=cv.profile.radius)
    w = round(rect.width * fraction)
    if w > 0:
        pygame.draw.rect(cv.surface, cv.color(tone), pygame.Rect(rect.x, rect.y, w, rect.height),
                         border_radius=cv.profile.radius)


def chip(cv: Canvas, s: str, fg: Color, bg: Color, pos: tuple[int, int],
         anchor: str = "midright", role: str = "small_bold") -> pygame.Rect:
    """A rounded label for a state (STALE, LINK LOST, PROTECT)."""
    tw, th = cv.text.size(s, role)
    pad = cv.profile.gap
    rect = pygame.Rect(0, 0, tw + 2 * pad, th + pad // 2)
    setattr(rect, anchor, pos)
    pygame.draw.rect(cv.surface, bg, rect, border_radius=rect.height // 2)
    text(cv, s, role, fg, rect.center, "center")
    return rect


def button(cv: Canvas, rect: pygame.Rect, label: str, action: tuple, *, icon: str = "",
           active: bool = False, enabled: bool = True, role: str = "label_bold",
           hit: Optional[pygame.Rect] = None) -> None:
    """A touch button: icon above label when there is room, label alone otherwise.

    ``hit`` is a larger touch area than the drawn button (the gaps around it count too).
    """
    bg = cv.theme.accent if active else cv.theme.surface_high
    fg = cv.theme.on_accent if active else (cv.theme.text if enabled else cv.theme.stale)
    pygame.draw.rect(cv.surface, bg, rect, border_radius=cv.profile.radius)
    if icon and label:
        th = cv.text.size(label, role)[1]
        isz = min(rect.height - th - cv.profile.gap, rect.width // 2)
        block = isz + th
        top = rect.y + (rect.height - block) // 2
        icons.draw(cv.surface, icon, pygame.Rect(rect.centerx - isz // 2, top, isz, isz), fg)
        text(cv, label, role, fg, (rect.centerx, top + isz + th // 2), "center")
    elif icon:
        isz = min(rect.width, rect.height) * 3 // 5
        icons.draw(cv.surface, icon, pygame.Rect(0, 0, isz, isz).move(
            rect.centerx - isz // 2, rect.centery - isz // 2), fg)
    else:
        text(cv, label, role, fg, rect.center, "center")
    if enabled:
        cv.target(hit or rect, action)


def marker(cv: Canvas, center: tuple[int, int], size: int, up: bool, color: Color) -> None:
    """A filled triangle: up for the highest cell, down for the lowest."""
    x, y = center
    h = size // 2
    pts = [(x - h, y + h // 2), (x + h, y + h // 2), (x, y - h)] if up else \
        [(x - h, y - h // 2), (x + h, y - h // 2), (x, y + h)]
    pygame.draw.polygon(cv.surface, color, pts)


def columns(rect: pygame.Rect, n: int, gap: int) -> list[pygame.Rect]:
    """``n`` equal columns across ``rect`` with ``gap`` between (remainder to the last)."""
    w = (rect.width - gap * (n - 1)) // n
    out = []
    for i in range(n):
        x = rect.x + i * (w + gap)
        out.append(pygame.Rect(x, rect.y, (rect.right - x) if i == n - 1 else w, rect.height))
    return out


def rows(rect: pygame.Rect, n: int, gap: int) -> list[pygame.Rect]:
    h = (rect.height - gap * (n - 1)) // n
    out = []
    for i in range(n):
        y = rect.y + i * (h + gap)
        out.append(pygame.Rect(rect.x, y, rect.width, (rect.bottom - y) if i == n - 1 else h))
    return out


def wrap(cv: Canvas, s: str, role: str, width: int) -> list[str]:
    """Break ``s`` into lines no wider than ``width`` (a long word stays whole)."""
    lines: list[str] = []
    line = ""
    for word in s.split():
        trial = f"{line} {word}".strip()
        if line and cv.text.size(trial, role)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def modal(cv: Canvas, rect: pygame.Rect) -> pygame.Rect:
    """Dim what is behind, draw the dialog card, and swallow taps outside it.

    Returns the card's inner rectangle for the dialog's content.
    """
    shade = pygame.Surface(cv.surface.get_size(), pygame.SRCALPHA)
    shade.fill((*cv.theme.background, 200))
    cv.surface.blit(shade, (0, 0))
    cv.target(cv.surface.get_rect(), ("noop",))
    panel(cv, rect, "surface", border=cv.theme.outline, width=2)
    return rect.inflate(-2 * cv.profile.margin, -2 * cv.profile.gap)
