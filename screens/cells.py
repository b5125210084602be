"""Cell voltages: two columns, highest and lowest marked, spread and balancing shown."""
from __future__ import annotations

import pygame

from hmi import format as fmt
from hmi.model import MAX_CELLS, PackSnapshot, ProtectionFlag, ProtectionLimits
from hmi.widgets import Canvas, Tone, baseline_text, columns, mid_baseline, marker, panel, rows, text, value_unit
from screens.base import Page
from screens.context import PageContext

ROWS_PER_COLUMN = MAX_CELLS // 2


def cell_tone(mv: int, limits: ProtectionLimits) -> Tone:
    if mv >= limits.cell_ov_protect_mv or mv <= limits.cell_uv_protect_mv:
        return Tone.ALARM
    if mv >= limits.cell_ov_alarm_mv or mv <= limits.cell_uv_alarm_mv:
        return Tone.WARN
    return Tone.NORMAL


def marked_tone(snap: PackSnapshot, i: int) -> Tone:
    """A cell's colour: by its voltage, and red for the highest cell while over-voltage
    protection is on (the lowest for under-voltage), even after it has relaxed below the
    limit: that is the cell that tripped it."""
    mv = snap.cells_mv[i]
    if ProtectionFlag.CELL_OV in snap.protections and i + 1 == snap.max_cell[0]:
        return Tone.ALARM
    if ProtectionFlag.CELL_UV in snap.protections and i + 1 == snap.min_cell[0]:
        return Tone.ALARM
    return cell_tone(mv, snap.limits)


def spread_tone(spread: int, limits: ProtectionLimits) -> Tone:
    # Past the active-balancing start the installer should look; twice that is a bad cell.
    if spread > 2 * limits.balance_active_on_mv:
        return Tone.ALARM
    if spread > limits.balance_active_on_mv:
        return Tone.WARN
    return Tone.NORMAL


class CellsPage(Page):
    id = "cells"
    title = "Cell voltages"
    nav_label = "Cells"
    icon = "cells"

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        snap = ctx.pack.snapshot
        p = cv.profile
        side = pygame.Rect(rect.x, rect.y, round(rect.width * 0.3), rect.height)
        grid = pygame.Rect(side.right + p.gap, rect.y, rect.right - side.right - p.gap,
                           rect.height)
        self._summary(cv, side, snap)
        self._grid(cv, grid, snap)

    def _summary(self, cv: Canvas, rect: pygame.Rect, snap: PackSnapshot) -> None:
        p = cv.profile
        hi_n, hi_mv = snap.max_cell
        lo_n, lo_mv = snap.min_cell
        spread = snap.spread_mv
        cards = rows(rect, 3, p.gap)
        for card, label, value, tone, up in (
                (cards[0], f"Highest · cell {hi_n:02d}", fmt.millivolts(hi_mv),
                 marked_tone(snap, hi_n - 1), True),
                (cards[1], f"Lowest · cell {lo_n:02d}", fmt.millivolts(lo_mv),
                 marked_tone(snap, lo_n - 1), False),
                (cards[2], "Spread", fmt.millivolts(spread), spread_tone(spread, snap.limits),
                 None)):
            panel(cv, card)
            r = text(cv, label, "small", cv.theme.text_muted, (card.x + p.margin, card.y + p.gap // 2))
            # The value under its label, inside the card: a smaller face in the short cards
            # of the pack-detail page. (pygame's descent is negative.)
            for role in ("value", "body_bold"):
                font = cv.text.font(role)
                if r.bottom + font.get_ascent() - font.get_descent() <= card.bottom - p.gap // 2:
                    break
            baseline = min(card.bottom - p.gap // 2 + font.get_descent(),
                           r.bottom + font.get_ascent())
            v = value_unit(cv, value, "mV", card.x + p.margin, baseline, tone, value_role=role,
                           unit_role="small")
            if up is None and snap.balancing:
                self._balancing_legend(cv, card, len(snap.balancing))
            if up is not None:
                size = cv.text.size("0", role)[1] // 2
                marker(cv, (card.right - p.margin - size // 2, v.centery), size, up,
                       cv.color(Tone.NORMAL))

    def _balancing_legend(self, cv: Canvas, card: pygame.Rect, count: int) -> None:
        p = cv.profile
        r = text(cv, f"{count} balancing", "small", cv.theme.text_muted,
                 (card.right - p.margin, card.y + p.gap // 2), "topright")
        rad = self._dot_radius(cv)
        pygame.draw.circle(cv.surface, cv.color(Tone.ACCENT),
                           (r.left - p.gap // 2 - rad, r.centery), rad)

    @staticmethod
    def _dot_radius(cv: Canvas) -> int:
        return max(3, cv.text.size("0", "body")[1] // 6)

    def _grid(self, cv: Canvas, rect: pygame.Rect, snap: PackSnapshot) -> None:
        p = cv.profile
        n = snap.cell_count
        hi_n, _ = snap.max_cell
        lo_n, _ = snap.min_cell
        per_col = (n + 1) // 2
        cols = columns(rect, 2, p.gap)
        for c, col in enumerate(cols):
            panel(cv, col)
            # Rows keep the 16-cell height so a cell sits in the same place on every pack.
            slots = rows(col.inflate(0, -p.gap), ROWS_PER_COLUMN, 0)
            for r in range(per_col):
                i = c * per_col + r
                if i >= n:
                    break
                self._cell(cv, slots[r], i, snap, i + 1 == hi_n, i + 1 == lo_n)

    def _cell(self, cv: Canvas, slot: pygame.Rect, i: int, snap: PackSnapshot,
              highest: bool, lowest: bool) -> None:
        p = cv.profile
        mv = snap.cells_mv[i]
        # Number and value share one baseline, as in a printed table.
        baseline = mid_baseline(cv, "body_bold", slot.centery)
        baseline_text(cv, f"{i + 1:02d}", "label", cv.theme.text_muted, slot.x + p.margin,
                      baseline)
        mark = cv.text.size("0", "body")[1] // 2
        right = slot.right - p.margin - mark - p.gap
        value_unit(cv, fmt.millivolts(mv), "mV", right, baseline, marked_tone(snap, i),
                   value_role="body_bold", unit_role="small", align="right")
        if highest or lowest:
            marker(cv, (slot.right - p.margin - mark // 2, slot.centery), mark, highest,
                   cv.color(Tone.NORMAL))
        if i in snap.balancing:
            # A filled dot in the accent colour beside the number: "this cell is balancing".
            num_w = cv.text.size(f"{i + 1:02d}", "label")[0]
            rad = self._dot_radius(cv)
            pygame.draw.circle(cv.surface, cv.color(Tone.ACCENT),
                               (slot.x + p.margin + num_w + p.gap + rad, slot.centery), rad)
