"""The parallel system as the master shows it: sums, weighted SOC and extremes.

Only packs with live data count. A stale or lost pack is listed as excluded; it is never
averaged in as zeros, because an installer would read a wrong SOC as a real one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from hmi.model import TEMP_SENSORS, PackView, SystemSnapshot


@dataclass(frozen=True, slots=True)
class Extreme:
    """A value and where it is: pack address and cell number or sensor name."""

    value: float
    address: int
    where: str

    @property
    def place(self) -> str:
        return f"{self.address}-{self.where}"


@dataclass(frozen=True, slots=True)
class SystemSummary:
    included: tuple[int, ...]
    excluded: tuple[int, ...]
    configured: int
    current_a: Optional[float]
    voltage_v: Optional[float]
    soc: Optional[float]
    remaining_ah: Optional[float]
    full_ah: Optional[float]
    max_cell: Optional[Extreme]
    min_cell: Optional[Extreme]
    max_temp: Optional[Extreme]
    min_temp: Optional[Extreme]
    active_alarms: tuple[tuple[int, str], ...]


def summarize(packs: Iterable[PackView]) -> SystemSummary:
    packs = tuple(packs)
    live = [p.snapshot for p in packs if p.live]
    included = tuple(s.address for s in live)
    excluded = tuple(p.address for p in packs if not p.live)
    if not live:
        return SystemSummary((), excluded, len(packs), None, None, None, None, None,
                             None, None, None, None, ())
    full = sum(s.full_ah for s in live)
    remaining = sum(s.remaining_ah for s in live)
    # Weighted by capacity: a 100 Ah pack at 20 % and a 200 Ah pack at 80 % hold 60 % of
    # the energy, not 50 %.
    soc = (100.0 * remaining / full) if full > 0 else sum(s.soc for s in live) / len(live)
    cells = [(mv, s.address, f"{i + 1}") for s in live for i, mv in enumerate(s.cells_mv)]
    temps = [(t, s.address, TEMP_SENSORS[i]) for s in live for i, t in enumerate(s.temps_c)
             if t is not None]
    # Ties go to the lowest address, then the lowest cell: the same answer every frame.
    hi_cell = max(cells, key=lambda c: (c[0], -c[1], -int(c[2])))
    lo_cell = min(cells, key=lambda c: (c[0], c[1], int(c[2])))
    hi_t = max(temps, key=lambda c: (c[0], -c[1])) if temps else None
    lo_t = min(temps, key=lambda c: (c[0], c[1])) if temps else None
    alarms = tuple((s.address, f.name) for s in live
                   for f in sorted(s.protections) + sorted(s.faults))
    return SystemSummary(
        included=included, excluded=excluded, configured=len(packs),
        current_a=sum(s.current_a for s in live),
        voltage_v=sum(s.voltage_v for s in live) / len(live),
        soc=soc, remaining_ah=remaining, full_ah=full,
        max_cell=Extreme(*hi_cell), min_cell=Extreme(*lo_cell),
        max_temp=Extreme(*hi_t) if hi_t else None, min_temp=Extreme(*lo_t) if lo_t else None,
        active_alarms=alarms)


def to_system_snapshot(summary: SystemSummary, timestamp: float) -> SystemSnapshot:
    """The summary in the shape CAN carries it (what a master would broadcast)."""
    temps = [e.value for e in (summary.max_temp, summary.min_temp) if e is not None]
    return SystemSnapshot(
        timestamp=timestamp, voltage_v=summary.voltage_v, current_a=summary.current_a,
        soc=summary.soc, soh=None,
        temperature_c=(sum(temps) / len(temps)) if temps else None,
        packs=len(summary.included),
        min_cell_mv=int(summary.min_cell.value) if summary.min_cell else None,
        max_cell_mv=int(summary.max_cell.value) if summary.max_cell else None,
        min_temp_c=summary.min_temp.value if summary.min_temp else None,
        max_temp_c=summary.max_temp.value if summary.max_temp else None,
        protections=frozenset(name for _, name in summary.active_alarms))
