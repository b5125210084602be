"""Alarms: active protections on top, then the BMS's history, newest first.

The list scrolls by drag and by the up/down buttons; a tap on a record opens its
explanation; the trash icon asks before the history is cleared on the BMS.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

import pygame

from hmi import alarms as catalogue
from hmi.model import AlarmRecord, PackSnapshot, alarm_code
from hmi.widgets import Canvas, Tone, button, modal, panel, rows, text, wrap
from screens.base import Page
from screens.context import PageContext


@dataclass(frozen=True)
class Entry:
    """One row of the list: an active alarm (no record) or a history record."""

    code: int
    active: bool
    record: Optional[AlarmRecord]
    #: Index into the history records, for opening the detail.
    index: int


def entries(snap: PackSnapshot) -> list[Entry]:
    """Active alarms first (with the newest record of the same code, which says where and
    at what value it tripped), then the whole history."""
    history = snap.history.records if snap.history else ()
    newest = {}
    for i, r in reversed(list(enumerate(history))):
        newest[r.code] = (i, r)
    active = []
    for f in (*sorted(snap.protections), *sorted(snap.faults)):
        code = alarm_code(f)
        i, r = newest.get(code, (-1, None))
        active.append(Entry(code, True, r, i))
    return active + [Entry(r.code, False, r, i) for i, r in enumerate(history)]


def record_time(epoch: int) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(epoch))


class AlarmsPage(Page):
    id = "alarms"
    title = "Alarms"
    nav_label = "Alarms"
    icon = "alarms"

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        snap = ctx.pack.snapshot
        p = cv.profile
        btn = p.min_touch_px
        side = pygame.Rect(rect.right - btn, rect.y, btn, rect.height)
        body = pygame.Rect(rect.x, rect.y, rect.width - btn - p.gap, rect.height)
        history = snap.history
        held = len(history.records) if history else 0
        total = history.total if history else 0
        head_h = cv.text.size("Ag", "label")[1] + p.gap
        text(cv, f"Latest {held}  ·  Total {total}", "label_bold", cv.theme.text_muted,
             (body.x + p.margin, body.y + head_h // 2), "midleft")
        n_active = len(snap.protections) + len(snap.faults)
        if n_active:
            text(cv, f"{n_active} active", "label_bold", cv.theme.alarm,
                 (body.right - p.margin, body.y + head_h // 2), "midright")
        items = entries(snap)
        lst = pygame.Rect(body.x, body.y + head_h, body.width, body.height - head_h)
        panel(cv, lst)
        visible = max(1, lst.height // p.row_h)
        max_first = max(0, len(items) - visible)
        first = min(ctx.ui.scroll_of(self.id), max_first)
        cv.target(lst, ("scroll_area", self.id, p.row_h, max_first))
        if not items:
            text(cv, "No alarms recorded", "body", cv.theme.text_muted, lst.center, "center")
        for k, entry in enumerate(items[first:first + visible]):
            r = pygame.Rect(lst.x, lst.y + k * p.row_h, lst.width, p.row_h)
            self._row(cv, r, entry, snap, stripe=(first + k) % 2 == 1)
        up, down, trash = rows(side, 3, p.gap)
        button(cv, up, "", ("scroll", self.id, -visible, max_first), icon="up",
               enabled=first > 0)
        button(cv, down, "", ("scroll", self.id, visible, max_first), icon="down",
               enabled=first < max_first)
        button(cv, trash, "", ("ask_clear",), icon="trash", enabled=held > 0)

    def draw_overlay(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        if ctx.pack is None or ctx.pack.snapshot is None:
            return
        if ctx.ui.dialog[:1] == ("alarm_detail",):
            self._detail(cv, rect, ctx)
        elif ctx.ui.dialog[:1] == ("confirm_clear",):
            self._confirm_clear(cv, rect, ctx)

    def _row(self, cv: Canvas, r: pygame.Rect, e: Entry, snap: PackSnapshot, stripe: bool) -> None:
        p = cv.profile
        if e.active:
            pygame.draw.rect(cv.surface, cv.color(Tone.ALARM), r.inflate(-4, -4), width=2,
                             border_radius=p.radius)
        elif stripe:
            pygame.draw.rect(cv.surface, cv.theme.surface_high, r)
        info = catalogue.info(e.code)
        x = r.x + p.margin
        when = "ACTIVE" if e.active else record_time(e.record.time)
        when_tone = Tone.ALARM if e.active else Tone.MUTED
        t = text(cv, when, "label_bold" if e.active else "label", cv.color(when_tone),
                 (x, r.centery), "midleft")
        x = max(t.right, x + cv.text.size("00-00 00:00", "label")[0]) + p.gap * 2
        a = text(cv, info.abbreviation, "body_bold", cv.color(Tone.ALARM if e.active else Tone.NORMAL),
                 (x, r.centery), "midleft")
        detail = ""
        if e.record is not None:
            detail = catalogue.where_text(e.record)
            value = catalogue.value_text(e.record)
            text(cv, value, "label", cv.theme.text, (r.right - p.margin, r.centery), "midright")
        if detail:
            text(cv, detail, "label", cv.theme.text_muted, (a.right + p.gap * 2, r.centery),
                 "midleft")
        cv.target(r, ("open_alarm", e.index, e.code))

    def _detail(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        p = cv.profile
        code = ctx.ui.dialog[2] if len(ctx.ui.dialog) > 2 else None
        index = ctx.ui.dialog[1]
        snap = ctx.pack.snapshot
        record = None
        if snap.history and 0 <= index < len(snap.history.records):
            record = snap.history.records[index]
        if record is None:
            record = AlarmRecord(time=int(snap.timestamp), code=code if code is not None else 0)
        inner = modal(cv, rect)
        info = catalogue.info(record.code)
        r = text(cv, info.abbreviation, "title", cv.theme.alarm, inner.topleft)
        stamp = "active now" if index < 0 else time.strftime(
            "%Y-%m-%d %H:%M:%S", time.localtime(record.time))
        text(cv, f"PACK-{snap.address}  ·  {stamp}", "label", cv.theme.text_muted,
             (inner.right, r.centery), "midright")
        y = r.bottom + p.gap
        close_h = p.min_touch_px
        width = inner.width
        for n, line in enumerate(catalogue.explain(record, snap.limits)):
            role = "body_bold" if n == 0 else "label"
            for part in wrap(cv, line, role, width):
                if y + cv.text.size(part, role)[1] > inner.bottom - close_h - p.gap:
                    break
                y = text(cv, part, role, cv.theme.text, (inner.x, y)).bottom
            y += p.gap // 2
        close = pygame.Rect(0, 0, p.min_touch_px * 2, close_h)
        close.bottomright = inner.bottomright
        button(cv, close, "Close", ("close_dialog",))

    def _confirm_clear(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        p = cv.profile
        inner = modal(cv, rect)
        r = text(cv, "Clear the alarm history?", "title", cv.theme.text, inner.topleft)
        y = r.bottom + p.gap
        for line in wrap(cv, f"All records stored on the BMS of PACK-{ctx.pack.address} are "
                             "deleted. This cannot be undone.", "label", inner.width):
            y = text(cv, line, "label", cv.theme.text_muted, (inner.x, y)).bottom
        bh = p.min_touch_px
        cancel = pygame.Rect(inner.x, inner.bottom - bh, inner.width // 2 - p.gap, bh)
        clear = pygame.Rect(inner.centerx + p.gap, inner.bottom - bh, inner.width // 2 - p.gap, bh)
        button(cv, cancel, "Cancel", ("close_dialog",))
        button(cv, clear, "Clear history", ("clear_history",), active=True)
