"""Every pack of the system, master included, one row each; a tap opens its detail."""
from __future__ import annotations

import pygame

from hmi import format as fmt
from hmi.model import LinkState, PackView
from hmi.widgets import Canvas, Tone, button, panel, rows, text
from screens.base import Page
from screens.context import PageContext
from screens.common import unavailable_panel

#: Column positions as fractions of the list width: Pack, SOC, V, A, State, Age.
COLS = (0.0, 0.16, 0.30, 0.47, 0.63, 0.82)
HEADINGS = ("Pack", "SOC", "Volt", "Amp", "State", "Age")


class PacksPage(Page):
    id = "packs"
    title = "Packs"
    nav_label = "Packs"
    icon = "packs"
    master_only = True
    about_pack = False

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        if not ctx.state.packs and ctx.state.system_link is not None:
            unavailable_panel(cv, rect, "Not available on CAN",
                              "The inverter link carries only the system summary.")
            return
        p = cv.profile
        touch = p.min_touch_px
        side = pygame.Rect(rect.right - touch, rect.y, touch, rect.height)
        body = pygame.Rect(rect.x, rect.y, rect.width - touch - p.gap, rect.height)
        head_h = cv.text.size("Ag", "small")[1] + p.gap
        inner_x = body.x + p.margin
        inner_w = body.width - 2 * p.margin
        for frac, h in zip(COLS, HEADINGS):
            text(cv, h, "small_bold", cv.theme.text_muted,
                 (inner_x + round(frac * inner_w), body.y + head_h // 2), "midleft")
        lst = pygame.Rect(body.x, body.y + head_h, body.width, body.height - head_h)
        panel(cv, lst)
        packs = ctx.state.packs
        visible = max(1, lst.height // p.row_h)
        max_first = max(0, len(packs) - visible)
        first = min(ctx.ui.scroll_of(self.id), max_first)
        cv.target(lst, ("scroll_area", self.id, p.row_h, max_first))
        for k, pack in enumerate(packs[first:first + visible]):
            r = pygame.Rect(lst.x, lst.y + k * p.row_h, lst.width, p.row_h)
            if (first + k) % 2:
                pygame.draw.rect(cv.surface, cv.theme.surface_high, r)
            self._row(cv, r, pack, inner_x, inner_w)
        up, mid, down = rows(side, 3, p.gap)
        button(cv, up, "", ("scroll", self.id, -visible, max_first), icon="up", enabled=first > 0)
        last = min(len(packs), first + visible)
        text(cv, f"{first + 1}-{last}", "small_bold", cv.theme.text_muted, mid.midtop, "midtop")
        text(cv, f"of {len(packs)}", "small", cv.theme.text_muted, mid.midbottom, "midbottom")
        button(cv, down, "", ("scroll", self.id, visible, max_first), icon="down",
               enabled=first < max_first)

    def _row(self, cv: Canvas, r: pygame.Rect, pack: PackView, x0: int, w: int) -> None:
        snap = pack.snapshot
        cells = [f"{pack.address:02d}"]
        if snap is None:
            cells += [fmt.MISSING] * 3 + ["Offline"]
        else:
            cells += [f"{fmt.percent(snap.soc)} %", fmt.volts(snap.voltage_v),
                      fmt.amps(snap.current_a), snap.status.value]
        link = pack.link
        age = "live" if link.state is LinkState.LIVE else fmt.age(link.age_s)
        cells.append(age)
        stale = link.state is not LinkState.LIVE
        for i, (frac, s) in enumerate(zip(COLS, cells)):
            if i == 0:
                tone = Tone.NORMAL
            elif i == 4 and snap is not None and snap.protections | snap.faults:
                tone = Tone.ALARM
            elif i == 5:
                tone = {LinkState.LIVE: Tone.MUTED, LinkState.STALE: Tone.WARN,
                        LinkState.LOST: Tone.ALARM}[link.state]
            else:
                tone = Tone.STALE if stale else Tone.NORMAL
            role = "body_bold" if i == 0 else "label_bold"
            text(cv, s, role, cv.color(tone), (x0 + round(frac * w), r.centery), "midleft")
        if snap is not None and (snap.protections or snap.faults):
            # The alarm mark: a red bar at the row's start, seen before any text is read.
            pygame.draw.rect(cv.surface, cv.theme.alarm, pygame.Rect(r.x, r.y + 4, 4, r.height - 8))
        # A chevron: this row opens the pack.
        text(cv, "›", "title", cv.theme.text_muted, (r.right - cv.profile.margin, r.centery),
             "midright")
        cv.target(r, ("open_pack", pack.address))
