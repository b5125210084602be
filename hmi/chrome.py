"""The frame around every page: the header (which pack, which page, how fresh) and the
navigation bar. Drawn the same way on every page so a person always knows where to look.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pygame

from hmi import alarms as catalogue
from hmi import format as fmt
from hmi.model import BusState, LinkState, PackView
from hmi.widgets import Canvas, button, chip, columns, text
from screens.base import Page


@dataclass(frozen=True)
class Badge:
    """How fresh the data on this page is, said in the header's right corner."""

    text: str
    tone: str  # "live", "stale", "lost", "replay"


def badge_for(state: BusState, page: Page, pack: Optional[PackView]) -> Optional[Badge]:
    """One pack's link on a pack page; the worst pack's on the master pages; the summary
    link for a source that has only that (CAN); REPLAY when playing a recording."""
    replay = state.source.startswith("replay")
    if page.about_pack and pack is not None:
        link, when = pack.link, pack.snapshot.timestamp if pack.snapshot else None
    elif not state.packs and state.system_link is not None:
        link, when = state.system_link, state.system.timestamp if state.system else None
    elif state.packs:
        lost = [p.address for p in state.packs if p.link.state is LinkState.LOST]
        stale = [p.address for p in state.packs if p.link.state is LinkState.STALE]
        if lost:
            return Badge(f"{len(lost)} LOST", "lost")
        if stale:
            return Badge(f"{len(stale)} STALE", "stale")
        return Badge("REPLAY" if replay else "LIVE", "replay" if replay else "live")
    else:
        return None
    if link.state is LinkState.STALE:
        return Badge(f"STALE · {fmt.age(link.age_s)}", "stale")
    if link.state is LinkState.LOST:
        return Badge("LINK LOST", "lost")
    if replay:
        return Badge(f"REPLAY · {fmt.clock(when)}", "replay")
    return Badge("LIVE", "live")


def header(cv: Canvas, rect: pygame.Rect, page: Page, pack: PackView | None,
           badge: Optional[Badge]) -> None:
    p = cv.profile
    pygame.draw.rect(cv.surface, cv.theme.surface, rect)
    x = rect.x + p.margin
    if page.about_pack and pack is not None:
        r = text(cv, f"PACK-{pack.address}", "title", cv.theme.text, (x, rect.centery), "midleft")
        x = r.right + p.gap * 2
        text(cv, page.title, "body", cv.theme.text_muted, (x, rect.centery), "midleft")
    else:
        text(cv, page.title, "title", cv.theme.text, (x, rect.centery), "midleft")
    if badge is not None:
        draw_badge(cv, badge, (rect.right - p.margin, rect.centery))


def draw_badge(cv: Canvas, badge: Badge, pos: tuple[int, int]) -> pygame.Rect:
    """LIVE quietly with a green dot; STALE amber; LOST red; REPLAY in the accent colour,
    so a recording is never taken for the battery in front of you."""
    th = cv.theme
    if badge.tone == "live":
        r = text(cv, badge.text, "small_bold", th.text_muted, pos, "midright")
        rad = max(3, r.height // 5)
        pygame.draw.circle(cv.surface, th.ok, (r.left - cv.profile.gap - rad, r.centery), rad)
        return r
    fg, bg = {"stale": (th.background, th.warn), "lost": (th.on_alarm, th.alarm),
              "replay": (th.on_accent, th.accent)}[badge.tone]
    return chip(cv, badge.text, fg, bg, pos)


#: Finished bars kept (250 KB each at 800x480). A page stays open for many frames, so a
#: few give nearly every hit; a dozen made the day's soak grow 2.3 MB as they churned.
NAV_BARS_KEPT = 4


def nav_bar(cv: Canvas, rect: pygame.Rect, pages: Sequence[Page], current: str,
            marked: frozenset[str] = frozenset()) -> None:
    """The page buttons; a page in ``marked`` (alarms while one is active) carries a red
    dot, so an active alarm stays in sight after its banner is gone.

    The bar was 30 % of a frame's drawing and changes only with the open page, the dot
    and the page set: it is drawn once per such key into ``cv.parts`` and then blitted,
    with the touch targets that drawing registered.
    """
    key = ("nav", tuple(rect), tuple(p.id for p in pages), current, marked)
    part = cv.parts.get(key) if cv.parts is not None else None
    if part is None:
        own = Canvas(pygame.Surface(rect.size, 0, cv.surface), cv.theme, cv.profile, cv.text)
        _draw_nav_bar(own, own.surface.get_rect(), pages, current, marked)
        part = (own.surface, [(t.rect, t.action) for t in own.targets])
        if cv.parts is not None:
            cv.parts.put(key, part)
    cv.surface.blit(part[0], rect)
    for hit, action in part[1]:
        cv.target(hit.move(rect.topleft), action)


def _draw_nav_bar(cv: Canvas, rect: pygame.Rect, pages: Sequence[Page], current: str,
                  marked: frozenset[str]) -> None:
    p = cv.profile
    pygame.draw.rect(cv.surface, cv.theme.surface, rect)
    gap = p.gap // 2 + 1
    for page, cell in zip(pages, columns(rect, len(pages), 0)):
        # The whole column is the touch target; the drawn button sits inside it.
        drawn = cell.inflate(-gap, -p.gap)
        button(cv, drawn, page.nav_label, ("goto", page.id),
               icon=page.icon, active=page.id == current, role="small_bold", hit=cell)
        if page.id in marked:
            rad = max(4, drawn.height // 9)
            centre = (drawn.right - rad - p.gap // 2, drawn.top + rad + p.gap // 2)
            pygame.draw.circle(cv.surface, cv.theme.on_alarm, centre, rad + 2)
            pygame.draw.circle(cv.surface, cv.theme.alarm, centre, rad)


def alarm_banner(cv: Canvas, head: pygame.Rect, banner, count: int,
                 badge: Optional[Badge]) -> None:
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
    right = (rect.right - p.margin, rect.centery)
    if badge is not None and badge.tone in ("stale", "lost"):
        # Freshness must stay in sight while the banner has the header's place.
        chip(cv, badge.text, cv.theme.alarm, cv.theme.on_alarm, right)
    else:
        text(cv, "Details ›", "label_bold", cv.theme.on_alarm, right, "midright")
    cv.target(rect, ("banner", banner.address, banner.code))


def notice(cv: Canvas, head: pygame.Rect, ok: bool, message: str) -> None:
    """The outcome of a write or a clear, in the header's place for a few seconds, so the
    values it is about stay in sight below it."""
    p = cv.profile
    rect = head
    bg = cv.theme.ok if ok else cv.theme.alarm
    fg = cv.theme.background if ok else cv.theme.on_alarm
    pygame.draw.rect(cv.surface, bg, rect)
    role = cv.text.fit(message, ("body_bold", "label_bold", "small_bold"), rect.width - 2 * p.margin)
    text(cv, message, role, fg, rect.center, "center")
    cv.target(rect, ("noop",))
