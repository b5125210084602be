"""The seven temperatures, each against the limits that apply to that sensor."""
from __future__ import annotations

import pygame

from hmi import format as fmt
from hmi.model import TEMP_SENSORS, PackSnapshot
from hmi.widgets import Canvas, Tone, baseline_text, columns, mid_baseline, panel, rows, text, value_unit
from screens.base import Page
from screens.context import PageContext


def temp_state(snap: PackSnapshot, i: int) -> tuple[Tone, str]:
    """(tone, tag) for sensor ``i``: HIGH/LOW beside a value past its alarm or protect level."""
    value = snap.temps_c[i]
    if value is None:
        return Tone.MUTED, "absent"
    lo_protect, lo_alarm, hi_alarm, hi_protect = snap.limits.temp_band(TEMP_SENSORS[i])
    if value >= hi_protect:
        return Tone.ALARM, "HIGH"
    if value <= lo_protect:
        return Tone.ALARM, "LOW"
    if value >= hi_alarm:
        return Tone.WARN, "HIGH"
    if value <= lo_alarm:
        return Tone.WARN, "LOW"
    return Tone.NORMAL, ""


class TempsPage(Page):
    id = "temps"
    title = "Temperatures"
    nav_label = "Temp"
    icon = "temps"

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        snap = ctx.pack.snapshot
        p = cv.profile
        grid = [rows(col, 4, p.gap) for col in columns(rect, 2, p.gap)]
        # Seed order, left to right: BMS, Pack / Cell1, Cell2 / Cell3, Cell4 / Environment.
        slots = [grid[i % 2][i // 2] for i in range(len(TEMP_SENSORS))]
        for i, slot in enumerate(slots):
            self._sensor(cv, slot, snap, i)
        self._limits(cv, grid[1][3], snap)

    def _sensor(self, cv: Canvas, slot: pygame.Rect, snap: PackSnapshot, i: int) -> None:
        p = cv.profile
        tone, tag = temp_state(snap, i)
        panel(cv, slot, border=cv.color(tone) if tone in (Tone.WARN, Tone.ALARM) else None,
              width=max(2, p.gap // 2))
        baseline = mid_baseline(cv, "value", slot.centery)
        baseline_text(cv, TEMP_SENSORS[i], "label", cv.theme.text_muted, slot.x + p.margin,
                      baseline)
        value = snap.temps_c[i]
        if value is None:
            text(cv, f"{fmt.MISSING}  absent", "label", cv.theme.text_muted,
                 (slot.right - p.margin, slot.centery), "midright")
            return
        r = value_unit(cv, fmt.celsius(value), "°C", slot.right - p.margin, baseline, tone,
                       value_role="value", unit_role="small", align="right")
        if tag:
            text(cv, tag, "small_bold", cv.color(tone), (r.left - p.gap, slot.centery), "midright")

    def _limits(self, cv: Canvas, slot: pygame.Rect, snap: PackSnapshot) -> None:
        """The cell limits in the free eighth slot: what "HIGH" is measured against."""
        p = cv.profile
        lim = snap.limits
        a, b = rows(slot, 2, 0)
        text(cv, f"Cells charge  {lim.charge_ut_protect_c:.0f} … {lim.charge_ot_protect_c:.0f} °C",
             "small", cv.theme.text_muted, (slot.x + p.margin, a.centery), "midleft")
        text(cv, f"Cells discharge  {lim.discharge_ut_protect_c:.0f} … "
                 f"{lim.discharge_ot_protect_c:.0f} °C",
             "small", cv.theme.text_muted, (slot.x + p.margin, b.centery), "midleft")
