"""Pack summary: SOC, voltage and current large enough to read from a metre away."""
from __future__ import annotations

import pygame

from hmi import format as fmt
from hmi.model import PackSnapshot, PackStatus, WarningFlag
from hmi.widgets import Canvas, Tone, bar, columns, panel, rows, text, value_unit
from screens.base import Page
from screens.context import PageContext
from screens.common import labelled_value, row


def soc_tone(snap: PackSnapshot) -> Tone:
    if WarningFlag.SOC_LOW in snap.warnings or snap.soc <= 10:
        return Tone.WARN
    return Tone.ACCENT


def status_tone(status: PackStatus) -> Tone:
    return Tone.ALARM if status is PackStatus.PROTECT else Tone.NORMAL


class PackPage(Page):
    id = "pack"
    title = "Summary"
    nav_label = "Pack"
    icon = "home"

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        snap = ctx.pack.snapshot
        p = cv.profile
        left, right = columns(rect, 2, p.gap)
        left.width = round(rect.width * 0.4)
        right.left = left.right + p.gap
        right.width = rect.right - right.left
        self._soc(cv, left, snap)
        top_h = round(right.height * 0.48)
        top = pygame.Rect(right.x, right.y, right.width, top_h)
        bottom = pygame.Rect(right.x, top.bottom + p.gap, right.width,
                             right.bottom - top.bottom - p.gap)
        v_card, a_card = columns(top, 2, p.gap)
        labelled_value(cv, v_card, "Voltage", fmt.volts(snap.voltage_v), "V")
        labelled_value(cv, a_card, "Current", fmt.amps(snap.current_a), "A")
        panel(cv, bottom)
        r1, r2, r3 = rows(bottom.inflate(0, -p.gap), 3, 0)
        row(cv, r1, "Remaining", f"{fmt.amp_hours(snap.remaining_ah)} Ah")
        row(cv, r2, "Status", snap.status.value, status_tone(snap.status))
        row(cv, r3, "Balancing", "ON" if snap.is_balancing else "OFF")

    def _soc(self, cv: Canvas, rect: pygame.Rect, snap: PackSnapshot) -> None:
        p = cv.profile
        panel(cv, rect)
        text(cv, "State of charge", "label", cv.theme.text_muted, (rect.x + p.margin, rect.y + p.gap))
        bar_h = max(p.gap * 2, rect.height // 9)
        bar_rect = pygame.Rect(rect.x + p.margin, 0, rect.width - 2 * p.margin, bar_h)
        foot = text(cv, f"SOH {fmt.percent(snap.soh)} %  ·  {snap.cycles} cycles", "small",
                    cv.theme.text_muted, (rect.centerx, rect.bottom - p.gap), "midbottom")
        bar_rect.bottom = foot.top - p.gap
        bar(cv, bar_rect, snap.soc / 100.0, soc_tone(snap))
        huge = cv.text.font("huge")
        baseline = (rect.y + bar_rect.top) // 2 + huge.get_ascent() // 2 + p.gap
        num_w = cv.text.size(fmt.percent(snap.soc), "huge")[0]
        unit_w = cv.text.size("%", "title")[0]
        x = rect.centerx - (num_w + unit_w + p.gap // 2) // 2
        value_unit(cv, fmt.percent(snap.soc), "%", x, baseline, Tone.NORMAL, value_role="huge",
                   unit_role="title")
