"""The parallel system on the master: totals over the packs that are live, and which
packs are left out and why."""
from __future__ import annotations

from typing import Optional

import pygame

from hmi import format as fmt
from hmi.aggregate import Extreme, summarize
from hmi.model import LinkState, PackView
from hmi.widgets import Canvas, Tone, columns, panel, rows, text
from screens.base import Page
from screens.context import PageContext
from screens.common import labelled_value, lost_panel, row


#: Sensor names short enough for "value (pack-place)" on the narrowest panel.
SHORT_PLACE = {"Environment": "Env", "Cell1": "C1", "Cell2": "C2", "Cell3": "C3", "Cell4": "C4"}


def _at(value: str, place: Optional[str]) -> str:
    """"3256 mV  (1-12)": a value with where it is, written the same for every source."""
    return f"{value}  ({place})" if place else value


def _extreme(e: Extreme | None, unit: str, fmt_value) -> str:
    if e is None:
        return fmt.MISSING
    return _at(f"{fmt_value(e.value)} {unit}", f"{e.address}-{SHORT_PLACE.get(e.where, e.where)}")


def excluded_text(addresses, links) -> str:
    """"P2 lost since 08:09:59" (or "P2 lost, no data yet") for one pack; "P2 stale, P5
    lost" for several."""
    if not addresses:
        return "none"
    if len(addresses) == 1:
        a = addresses[0]
        link = links[a]
        if link.state is LinkState.LOST:
            # Never heard since this screen started: no time to give, so the reason.
            if link.last_seen is None:
                return f"P{a} lost, {link.detail or 'never heard'}"
            return f"P{a} lost since {fmt.clock(link.last_seen)}"
        return f"P{a} {link.state.value} {fmt.age(link.age_s)}"
    return ", ".join(f"P{a} {links[a].state.value}" for a in addresses)


class SystemPage(Page):
    id = "system"
    title = "System"
    nav_label = "System"
    icon = "system"
    master_only = True
    about_pack = False

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        if not ctx.state.packs and ctx.state.system_link is not None:
            self._from_summary_link(cv, rect, ctx)
            return
        p = cv.profile
        s = summarize(ctx.state.packs)
        # Totals over fewer packs than configured say so in their labels.
        part = f" ({len(s.included)}/{s.configured})" if s.excluded else ""
        left, right = self._layout(cv, rect, s.soc, s.voltage_v, s.current_a, part)
        links = {v.address: v.link for v in ctx.state.packs}
        lost = any(links[a].state is LinkState.LOST for a in s.excluded)
        online_tone = Tone.ALARM if lost else Tone.WARN if s.excluded else Tone.NORMAL
        lrows = rows(left.inflate(0, -p.gap), 4, 0)
        row(cv, lrows[0], "Packs online", f"{len(s.included)} / {s.configured}", online_tone)
        excluded = excluded_text(s.excluded, links)
        row(cv, lrows[1], "Excluded", excluded, online_tone if s.excluded else Tone.MUTED,
            role="label_bold")
        row(cv, lrows[2], "Remaining", f"{fmt.amp_hours(s.remaining_ah)} Ah")
        row(cv, lrows[3], "Full", f"{fmt.amp_hours(s.full_ah)} Ah")
        rrows = rows(right.inflate(0, -p.gap), 5, 0)
        row(cv, rrows[0], "Cell max", _extreme(s.max_cell, "mV", fmt.millivolts), role="label_bold")
        row(cv, rrows[1], "Cell min", _extreme(s.min_cell, "mV", fmt.millivolts), role="label_bold")
        row(cv, rrows[2], "Temp max", _extreme(s.max_temp, "°C", fmt.celsius), role="label_bold")
        row(cv, rrows[3], "Temp min", _extreme(s.min_temp, "°C", fmt.celsius), role="label_bold")
        n = len(s.active_alarms)
        row(cv, rrows[4], "Active alarms", str(n), Tone.ALARM if n else Tone.NORMAL,
            role="label_bold")

    def _layout(self, cv: Canvas, rect: pygame.Rect, soc, volts, amps, part: str = ""
                ) -> tuple[pygame.Rect, pygame.Rect]:
        """The three headline numbers on top; returns the two detail panels below them.
        The same places whatever the source, so a person finds SOC where it always is."""
        p = cv.profile
        top = pygame.Rect(rect.x, rect.y, rect.width, round(rect.height * 0.42))
        soc_c, v_c, a_c = columns(top, 3, p.gap)
        labelled_value(cv, soc_c, "System SOC" + part, fmt.percent(soc), "%")
        labelled_value(cv, v_c, "Voltage" + part, fmt.volts(volts), "V")
        labelled_value(cv, a_c, "Current" + part, fmt.amps(amps), "A")
        bottom = pygame.Rect(rect.x, top.bottom + p.gap, rect.width,
                             rect.bottom - top.bottom - p.gap)
        left, right = columns(bottom, 2, p.gap)
        panel(cv, left)
        panel(cv, right)
        return left, right

    def _from_summary_link(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        """A source that carries only the system summary (CAN): show what it carries and
        say plainly what it does not."""
        p = cv.profile
        sysm = ctx.state.system
        link = ctx.state.system_link
        stale = link.state is LinkState.STALE
        cv.stale = stale
        if sysm is None:
            lost_panel(cv, rect, PackView(0, None, link), ctx.state.source, "the master battery")
            cv.stale = False
            return
        left, right = self._layout(cv, rect, sysm.soc, sysm.voltage_v, sysm.current_a)
        lrows = rows(left.inflate(0, -p.gap), 4, 0)
        row(cv, lrows[0], "Packs", fmt.MISSING if sysm.packs is None else str(sysm.packs))
        row(cv, lrows[1], "Temperature", f"{fmt.celsius(sysm.temperature_c)} °C")
        row(cv, lrows[2], "Charge limit",
            f"{fmt.volts(sysm.charge_voltage_limit_v, 1)} V  {fmt.amps_plain(sysm.charge_current_limit_a)} A",
            role="label_bold")
        row(cv, lrows[3], "Discharge limit",
            f"{fmt.amps_plain(sysm.discharge_current_limit_a)} A", role="label_bold")
        rrows = rows(right.inflate(0, -p.gap), 4, 0)
        for r, label, mv, name in ((rrows[0], "Cell max", sysm.max_cell_mv, sysm.max_cell_name),
                                   (rrows[1], "Cell min", sysm.min_cell_mv, sysm.min_cell_name)):
            # The BMS's own name for the place, as it sent it (e.g. "2-12").
            value = _at(f"{fmt.millivolts(mv)} mV", name)
            # A name may be 8 wide letters: a smaller face rather than over the label.
            room = r.width - 3 * p.margin - cv.text.size(label, "label")[0]
            row(cv, r, label, value, role=cv.text.fit(value, ("label_bold", "small_bold"), room))
        n = len(sysm.protections)
        row(cv, rrows[2], "Protections", ", ".join(sorted(sysm.protections)) or "none",
            Tone.ALARM if n else Tone.NORMAL, role="label_bold")
        text(cv, "No per-pack data on CAN", "small", cv.theme.text_muted,
             (rrows[3].x + p.margin, rrows[3].centery), "midleft")
        cv.stale = False

