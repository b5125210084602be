"""The frame around every page: the header (which pack, which page, how fresh) and the
navigation bar. Drawn the same way on every page so a person always knows where to look.
"""
from __future__ import annotations

from typing import Sequence

import pygame

from hmi import alarms as catalogue
from hmi import format as fmt
from hmi.model import LinkState, PackLink, PackView
from hmi.widgets import Canvas, button, chip, columns, text
from screens.base import Page


def header(cv: Canvas, rect: pygame.Rect, page: Page, pack: PackView | None,
           link: PackLink | None) -> None:
    p = cv.profile
    pygame.draw.rect(cv.surface, cv.theme.surface, rect)
    x = rect.x + p.margin
    if page.about_pack and pack is not None:
        r = text(cv, f"PACK-{pack.address}", "title", cv.theme.text, (x, rect.centery), "midleft")
        x = r.right + p.gap * 2
    text(cv, page.title, "body", cv.theme.text_muted, (x, rect.centery), "midleft")
    if link is not None:
        _link_badge(cv, link, (rect.right - p.margin, rect.centery))


def _link_badge(cv: Canvas, link: PackLink, pos: tuple[int, int]) -> pygame.Rect:
    """LIVE quietly; STALE amber with its age; LINK LOST red. Colour means state here."""
    th = cv.theme
    if link.state is LinkState.LIVE:
        r = text(cv, "LIVE", "small_bold", th.text_muted, pos, "midright")
        rad = max(3, r.height // 5)
        pygame.draw.circle(cv.surface, th.ok, (r.left - cv.profile.gap - rad, r.centery), rad)
        return r
    if link.state is LinkState.STALE:
        return chip(cv, f"STALE · {fmt.age(link.age_s)}", th.background, th.warn, pos)
    return chip(cv, "LINK LOST", th.on_alarm, th.alarm, pos)


def nav_bar(cv: Canvas, rect: pygame.Rect, pages: Sequence[Page], current: str) -> None:
    p = cv.profile
    pygame.draw.rect(cv.surface, cv.theme.surface, rect)
    gap = p.gap // 2 + 1
    for page, cell in zip(pages, columns(rect, len(pages), 0)):
        # The whole column is the touch target; the drawn button sits inside it.
        button(cv, cell.inflate(-gap, -p.gap), page.nav_label, ("goto", page.id),
               icon=page.icon, active=page.id == current, role="small_bold", hit=cell)


def alarm_banner(cv: Canvas, head: pygame.Rect, banner, count: int) -> None:
    """A new protection, on whatever page is open; a tap opens its explanation.

    It takes the header's place, full width, so no page loses room or gets covered.
    """
    p = cv.profile
    rect = head
    pygame.draw.rect(cv.surface, cv.theme.alarm, rect)
    info = catalogue.info(banner.code)
    r = text(cv, info.abbreviation, "title", cv.theme.on_alarm, (rect.x + p.margin, rect.centery),
             "midleft")
    more = f"  +{count - 1}" if count > 1 else ""
    text(cv, f"PACK-{banner.address}  ·  {info.title}{more}", "label_bold", cv.theme.on_alarm,
         (r.right + p.gap * 2, rect.centery), "midleft")
    text(cv, "Details ›", "label_bold", cv.theme.on_alarm, (rect.right - p.margin, rect.centery),
         "midright")
    cv.target(rect, ("banner", banner.address, banner.code))


def notice(cv: Canvas, body: pygame.Rect, ok: bool, message: str) -> None:
    """The outcome of a write or a clear, at the foot of the page for a few seconds."""
    p = cv.profile
    h = cv.text.size("Ag", "body_bold")[1] + p.gap * 2
    rect = pygame.Rect(body.x, body.bottom - h, body.width, h)
    bg = cv.theme.ok if ok else cv.theme.alarm
    fg = cv.theme.background if ok else cv.theme.on_alarm
    pygame.draw.rect(cv.surface, bg, rect, border_radius=p.radius)
    role = cv.text.fit(message, ("body_bold", "label_bold", "small_bold"), rect.width - 2 * p.margin)
    text(cv, message, role, fg, rect.center, "center")
    cv.target(rect, ("noop",))
