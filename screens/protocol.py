"""Inverter settings: protocol brand, battery address, charge voltage limit; play applies.

The page edits a draft; nothing reaches the BMS until the play button, the installer PIN
and a before/after confirmation. The draft lives in UiState, the applied values come
from the BMS's own settings, so the page never shows a value as applied that the BMS did
not read back.
"""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from hmi.model import ADDRESS_RANGE, CHARGE_VOLTAGE_LIMIT_RANGE_V, PackSettings
from hmi.widgets import Canvas, Tone, button, columns, modal, panel, rows, text, wrap
from screens.base import Page
from screens.context import PageContext
from screens.dialogs import pin_pad

BRANDS_PER_PAGE = 6


@dataclass(frozen=True)
class Draft:
    protocol_id: int
    address: int
    #: Tenths of a volt, so 0.1 V steps add up exactly.
    cvl_dv: int

    @classmethod
    def of(cls, s: PackSettings) -> "Draft":
        return cls(s.protocol_id, s.address, round(s.charge_voltage_limit_v * 10))

    def changes(self, s: PackSettings) -> tuple[tuple[str, object], ...]:
        out = []
        if self.protocol_id != s.protocol_id:
            out.append(("protocol_id", self.protocol_id))
        if self.address != s.address:
            out.append(("address", self.address))
        if self.cvl_dv != round(s.charge_voltage_limit_v * 10):
            out.append(("charge_voltage_limit_v", self.cvl_dv / 10))
        return tuple(out)


def clamp_draft(d: Draft) -> Draft:
    """Out-of-range values cannot be entered: the buttons stop at the ends."""
    lo_a, hi_a = ADDRESS_RANGE
    lo_v, hi_v = (round(v * 10) for v in CHARGE_VOLTAGE_LIMIT_RANGE_V)
    return Draft(d.protocol_id, min(hi_a, max(lo_a, d.address)), min(hi_v, max(lo_v, d.cvl_dv)))


def current_draft(ctx: PageContext) -> Draft | None:
    settings = ctx.pack.snapshot.settings if ctx.pack and ctx.pack.snapshot else None
    if settings is None:
        return None
    return Draft(*ctx.ui.draft) if ctx.ui.draft else Draft.of(settings)


def address_warnings(new: int, old: int, ctx: PageContext) -> list[str]:
    """What an installer must know before changing a battery's address."""
    if new == old:
        return []
    out = []
    if old == 1:
        out.append("This is the master (address 01): with another address it becomes a "
                   "slave, and the system and packs pages move to the new master.")
    if any(p.address == new for p in ctx.state.packs if p.address != ctx.pack.address):
        out.append(f"Address {new:02d} is already used by PACK-{new}.")
    out.append("The new address takes effect after the BMS restarts.")
    return out


class ProtocolPage(Page):
    id = "protocol"
    title = "Inverter"
    nav_label = "Inverter"
    icon = "inverter"

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        p = cv.profile
        settings = ctx.pack.snapshot.settings
        draft = current_draft(ctx)
        if settings is None or draft is None:
            panel(cv, rect)
            text(cv, "Settings not available on this link", "body", cv.theme.text_muted,
                 rect.center, "center")
            return
        brands = ctx.extras.get("protocols", {})
        touch = p.min_touch_px
        grid_h = rect.height - touch - p.gap
        grid = pygame.Rect(rect.x, rect.y, rect.width - touch - p.gap, grid_h)
        pager = pygame.Rect(grid.right + p.gap, rect.y, touch, grid_h)
        self._brands(cv, grid, pager, brands, draft, settings, ctx.ui.scroll_of(self.id))
        lower = pygame.Rect(rect.x, grid.bottom + p.gap, rect.width - touch - p.gap, touch)
        addr_row, cvl_row = columns(lower, 2, p.gap)
        self._stepper(cv, addr_row, ("Battery address", "Address"), f"{draft.address:02d}",
                      f"{settings.address:02d}", "address",
                      draft.address > ADDRESS_RANGE[0], draft.address < ADDRESS_RANGE[1])
        lo_v, hi_v = (round(v * 10) for v in CHARGE_VOLTAGE_LIMIT_RANGE_V)
        self._stepper(cv, cvl_row, ("Charge limit", "Charge V"), f"{draft.cvl_dv / 10:.1f} V",
                      f"{settings.charge_voltage_limit_v:.1f} V", "cvl",
                      draft.cvl_dv > lo_v, draft.cvl_dv < hi_v)
        play = pygame.Rect(lower.right + p.gap, lower.y, touch, lower.height)
        changed = bool(draft.changes(settings))
        button(cv, play, "", ("apply",), icon="play", active=changed, enabled=changed)

    def _brands(self, cv: Canvas, grid: pygame.Rect, pager: pygame.Rect, brands: dict[int, str],
                draft: Draft, settings: PackSettings, first_page: int) -> None:
        p = cv.profile
        ids = list(brands)
        pages = max(1, (len(ids) + BRANDS_PER_PAGE - 1) // BRANDS_PER_PAGE)
        page = min(first_page, pages - 1)
        shown = ids[page * BRANDS_PER_PAGE:(page + 1) * BRANDS_PER_PAGE]
        cells = [c for r in rows(grid, 2, p.gap) for c in columns(r, 3, p.gap)]
        for pid, cell in zip(shown, cells):
            name = brands[pid]
            button(cv, cell, name, ("brand", pid), active=pid == draft.protocol_id,
                   role=cv.text.fit(name, ("label_bold", "small_bold"), cell.width - p.gap))
            if pid == settings.protocol_id and pid != draft.protocol_id:
                # The BMS's present choice, so an installer sees what they are changing from.
                pygame.draw.rect(cv.surface, cv.theme.accent, cell, width=2,
                                 border_radius=p.radius)
        up, mid, down = rows(pager, 3, p.gap)
        button(cv, up, "", ("scroll", self.id, -1, pages - 1), icon="up", enabled=page > 0)
        text(cv, f"{page + 1}/{pages}", "small_bold", cv.theme.text_muted, mid.center, "center")
        button(cv, down, "", ("scroll", self.id, 1, pages - 1), icon="down",
               enabled=page < pages - 1)

    def _stepper(self, cv: Canvas, r: pygame.Rect, labels: tuple[str, str], value: str,
                 applied: str, field: str, can_dec: bool, can_inc: bool) -> None:
        """Label and value left of the − and + buttons; ``labels`` = (full, short), the
        short one where the full one would run into the − button (480x320)."""
        p = cv.profile
        panel(cv, r)
        touch = min(r.height, p.min_touch_px)
        plus = pygame.Rect(r.right - touch, r.y, touch, r.height)
        minus = pygame.Rect(plus.x - p.gap - touch, r.y, touch, r.height)
        button(cv, minus, "", ("step", field, -1), icon="minus", enabled=can_dec)
        button(cv, plus, "", ("step", field, +1), icon="plus", enabled=can_inc)
        room = minus.x - p.gap - (r.x + p.margin)
        label = labels[0] if cv.text.size(labels[0], "small")[0] <= room else labels[1]
        text(cv, label, "small", cv.theme.text_muted, (r.x + p.margin, r.y + p.gap // 2))
        changed = value != applied
        text(cv, value, cv.text.fit(value, ("value", "body_bold"), room),
             cv.color(Tone.ACCENT if changed else Tone.NORMAL),
             (r.x + p.margin, r.bottom - p.gap // 2), "bottomleft")
        # An edited value is drawn in the accent colour until applied; the before → after
        # list comes with the confirmation, where there is room for it.

    def draw_overlay(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        kind = ctx.ui.dialog[:1]
        if kind == ("pin",):
            pin_pad(cv, rect, ctx.ui.dialog[1], ctx.ui.dialog[2])
        elif kind == ("confirm_write",):
            self._confirm(cv, rect, ctx)

    def _confirm(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        """Before → after for every changed value, then Cancel or Write."""
        p = cv.profile
        settings = ctx.pack.snapshot.settings
        draft = current_draft(ctx)
        brands = ctx.extras.get("protocols", {})
        inner = modal(cv, rect)
        r = text(cv, f"Write to PACK-{ctx.pack.address}?", "title", cv.theme.text, inner.topleft)
        y = r.bottom + p.gap
        col1 = inner.x
        col2 = inner.x + inner.width * 2 // 5
        col3 = inner.x + inner.width * 7 // 10
        text(cv, "now", "small_bold", cv.theme.text_muted, (col2, y))
        y = text(cv, "new", "small_bold", cv.theme.text_muted, (col3, y)).bottom + p.gap // 2
        for field, new in draft.changes(settings):
            if field == "protocol_id":
                label, before, after = ("Protocol", brands.get(settings.protocol_id, "?"),
                                        brands.get(new, "?"))
            elif field == "address":
                label, before, after = "Address", f"{settings.address:02d}", f"{new:02d}"
            else:
                label, before, after = ("Charge limit", f"{settings.charge_voltage_limit_v:.1f} V",
                                        f"{new:.1f} V")
            line_h = cv.text.size("Ag", "body_bold")[1]
            cy = y + line_h // 2
            text(cv, label, "label", cv.theme.text_muted, (col1, cy), "midleft")
            text(cv, before, "body", cv.theme.text, (col2, cy), "midleft")
            y = text(cv, after, "body_bold", cv.theme.accent, (col3, cy), "midleft").bottom + p.gap // 2
        for warning in address_warnings(draft.address, settings.address, ctx):
            for line in wrap(cv, warning, "label_bold", inner.width):
                y = text(cv, line, "label_bold", cv.theme.warn, (inner.x, y)).bottom
        bh = p.min_touch_px
        cancel = pygame.Rect(inner.x, inner.bottom - bh, inner.width // 2 - p.gap, bh)
        write = pygame.Rect(inner.centerx + p.gap, inner.bottom - bh, inner.width // 2 - p.gap, bh)
        button(cv, cancel, "Cancel", ("close_dialog",))
        button(cv, write, "Write", ("confirm_write",), active=True)
