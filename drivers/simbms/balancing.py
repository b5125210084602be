"""Seed 10.5: active balancing on a wide spread, passive bleeding at the top of a charge.

Active: once the spread (max - min) exceeds the on-level the energy-transfer circuit moves
charge from the highest cell to the lowest, until the spread is down to the off-level.
Passive: while charging, cells at or above the balance start voltage and clearly above
the lowest cell bleed through their resistors. Neither runs while a cell or MOSFET is
hot (10.5.4).
"""
from __future__ import annotations

from hmi.model import ProtectionLimits

ACTIVE_A = 3.0              # transfer circuit current taken from the high cell
ACTIVE_EFFICIENCY = 0.9     # the low cell receives this share; the rest is heat
PASSIVE_A = 0.5             # bleed resistor current at ~3.5 V
PASSIVE_DIFF_MV = 15        # "difference value can be set": a high cell must lead by this


class Balancer:
    __slots__ = ("limits", "active_on", "cells", "flows")

    def __init__(self, limits: ProtectionLimits):
        self.limits = limits
        self.active_on = False
        self.cells: frozenset[int] = frozenset()
        #: (cell index, amps into the cell) to apply over the next step.
        self.flows: tuple[tuple[int, float], ...] = ()

    def decide(self, volts: list[float], max_mv: int, imax: int, min_mv: int, imin: int,
               charging: bool, hot: bool) -> None:
        lim = self.limits
        spread = max_mv - min_mv
        if self.active_on:
            if spread <= lim.balance_active_off_mv:
                self.active_on = False
        elif spread > lim.balance_active_on_mv:
            self.active_on = True
        if hot:
            if self.cells:
                self.cells, self.flows = frozenset(), ()
            return
        flows: list[tuple[int, float]] = []
        if self.active_on and imax != imin:
            flows.append((imax, -ACTIVE_A))
            flows.append((imin, ACTIVE_A * ACTIVE_EFFICIENCY))
        if charging and max_mv >= lim.balance_start_mv:
            # Compared as the BMS reads them: whole millivolts.
            floor_v = (max(lim.balance_start_mv, min_mv + PASSIVE_DIFF_MV) - 0.5) / 1000.0
            flows.extend((i, -PASSIVE_A) for i, v in enumerate(volts)
                         if v >= floor_v and i != imin)
        if flows or self.flows:
            self.flows = tuple(flows)
            cells = frozenset(i for i, _ in flows)
            if cells != self.cells:  # keep the same object while nothing changes
                self.cells = cells
