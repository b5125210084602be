"""Pieces several pages share: the lost-link panel and labelled value cards."""
from __future__ import annotations

import pygame

from hmi import format as fmt
from hmi.model import PackView
from hmi.widgets import Canvas, Tone, panel, text, value_unit

#: What to check first, by source, when a pack goes silent.
LOST_HINTS = {
    "sim": "The simulated pack stopped answering.",
    "modbus": "Check the RS485 cable and the pack's address switch.",
    "can": "Check the CAN cable and that the master battery is on.",
    "replay": "The recording has no data for this time.",
    "": "No data source is set up: check 'source' in /etc/bms-hmi/hmi.toml.",
}


def lost_panel(cv: Canvas, rect: pygame.Rect, pack: PackView, source: str,
               who: str = "") -> None:
    """Values withdrawn: say that the link is lost, since when, and what to check."""
    panel(cv, rect)
    p = cv.profile
    cx = rect.centerx
    y = rect.y + rect.height // 4
    r = text(cv, "Link lost", "big", cv.theme.alarm, (cx, y), "midtop")
    since = pack.link.last_seen
    who = who or f"PACK-{pack.address}"
    line = (f"No data from {who} since {fmt.clock(since)}"
            if since is not None else f"No data from {who} yet")
    r = text(cv, line, "body_bold", cv.theme.text, (cx, r.bottom + p.gap), "midtop")
    if pack.link.detail:
        r = text(cv, pack.link.detail, "label", cv.theme.text_muted, (cx, r.bottom + p.gap // 2),
                 "midtop")
    hint = LOST_HINTS.get(source.split(":", 1)[0], "")
    if hint:
        text(cv, hint, "label", cv.theme.text_muted, (cx, r.bottom + p.gap), "midtop")


def labelled_value(cv: Canvas, rect: pygame.Rect, label: str, value: str, unit: str,
                   tone: Tone = Tone.NORMAL, role: str = "big") -> None:
    """A card: small label at the top left, a large numeral with its unit below it."""
    panel(cv, rect)
    p = cv.profile
    r = text(cv, label, "label", cv.theme.text_muted, (rect.x + p.margin, rect.y + p.gap))
    avail = rect.width - 2 * p.margin
    unit_w = cv.text.size(unit, "body")[0] + p.gap if unit else 0
    role = cv.text.fit(value, (role, "value", "body_bold"), avail - unit_w)
    font = cv.text.font(role)
    baseline = min(rect.bottom - p.gap - font.get_descent() // 2,
                   r.bottom + font.get_ascent() + p.gap)
    value_unit(cv, value, unit, rect.x + p.margin, baseline, tone, value_role=role)


def row(cv: Canvas, rect: pygame.Rect, label: str, value: str, tone: Tone = Tone.NORMAL,
        role: str = "body_bold") -> None:
    """A label on the left and its value on the right, on one line."""
    p = cv.profile
    text(cv, label, "label", cv.theme.text_muted, (rect.x + p.margin, rect.centery), "midleft")
    text(cv, value, role, cv.color(tone), (rect.right - p.margin, rect.centery), "midright")


def unavailable_panel(cv: Canvas, rect: pygame.Rect, title: str, reason: str) -> None:
    """A page whose values the source does not carry at all: say so, never show zeros."""
    panel(cv, rect)
    p = cv.profile
    r = text(cv, title, "title", cv.theme.text_muted, (rect.centerx, rect.centery - p.gap),
             "midbottom")
    text(cv, reason, "label", cv.theme.text_muted, (rect.centerx, r.bottom + p.gap), "midtop")
