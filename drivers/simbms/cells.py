"""A series string of LFP cells: coulomb counting, per-cell spread, terminal voltages.

Every cell carries the same string current, so the string keeps one shared charge
counter and each cell only an offset that balancing moves. A cell's terminal voltage is
``OCV(soc) + I·R0 + I_f·R1·gain(soc)``: ohmic drop plus a polarization that follows the
current with a delay (``I_f``, filtered by the pack) and grows at the knee the current
is heading into.
"""
from __future__ import annotations

from drivers.simbms.ocv import (CHARGE_GAIN_GRID, CHARGE_GAIN_SLOPE, DISCHARGE_GAIN_GRID,
                                DISCHARGE_GAIN_SLOPE, GRID_LAST, GRID_MIN, GRID_SCALE,
                                OCV_GRID, OCV_SLOPE)

_LAST = float(GRID_LAST)


class CellString:
    __slots__ = ("n", "capacity_ah", "r0", "r1", "offset_ah", "shared_ah", "_a", "_k",
                 "volts", "r0_sum", "vmax", "imax", "vmin", "imin", "vsum")

    def __init__(self, capacity_ah: list[float], soc: list[float], r0: list[float],
                 r1: list[float]):
        self.n = len(capacity_ah)
        self.capacity_ah = tuple(capacity_ah)
        self.r0 = tuple(r0)
        self.r1 = tuple(r1)
        self.offset_ah = [c * s for c, s in zip(capacity_ah, soc)]
        self.shared_ah = 0.0
        self.r0_sum = sum(r0)
        # Grid position of cell i = _a[i] + shared_ah * _k[i]: two multiplies in the loop.
        self._k = tuple(GRID_SCALE / c for c in capacity_ah)
        self._a = [0.0] * self.n
        for i in range(self.n):
            self._refresh(i)
        self.volts = [0.0] * self.n
        self.vmax = self.vmin = self.vsum = 0.0
        self.imax = self.imin = 0

    def _refresh(self, i: int) -> None:
        self._a[i] = (self.offset_ah[i] / self.capacity_ah[i] - GRID_MIN) * GRID_SCALE

    def charge(self, ah: float) -> None:
        """String current × time: every cell gets the same charge."""
        self.shared_ah += ah

    def move(self, i: int, ah: float) -> None:
        """Charge into (or, negative, out of) one cell only: a balancer's work."""
        self.offset_ah[i] += ah
        self._refresh(i)

    def move_many(self, flows: tuple[tuple[int, float], ...], hours: float) -> None:
        """Balancer currents (cell index, amps in) flowing for ``hours``."""
        offsets, caps, a = self.offset_ah, self.capacity_ah, self._a
        for i, amps in flows:
            offsets[i] += amps * hours
            a[i] = (offsets[i] / caps[i] - GRID_MIN) * GRID_SCALE

    def soc(self, i: int) -> float:
        return (self.offset_ah[i] + self.shared_ah) / self.capacity_ah[i]

    def evaluate(self, current: float, polar_current: float) -> None:
        """Terminal voltages for this current; sets volts, vsum and the extremes."""
        q = self.shared_ah
        o, os_ = OCV_GRID, OCV_SLOPE
        if polar_current > 0.0:
            g, gs = CHARGE_GAIN_GRID, CHARGE_GAIN_SLOPE
        else:
            g, gs = DISCHARGE_GAIN_GRID, DISCHARGE_GAIN_SLOPE
        last = _LAST
        out = []
        put = out.append
        for a, k, r0, r1 in zip(self._a, self._k, self.r0, self.r1):
            x = a + q * k
            if x < 0.0:
                x = 0.0
            elif x > last:
                x = last
            i = int(x)
            f = x - i
            put(o[i] + os_[i] * f + r0 * current + r1 * polar_current * (g[i] + gs[i] * f))
        self.volts = out
        self.vsum = sum(out)
        self.vmax = vmax = max(out)
        self.imax = out.index(vmax)
        self.vmin = vmin = min(out)
        self.imin = out.index(vmin)

    def emf(self, current: float) -> float:
        """String voltage with the ohmic drop taken out: what a CV charger works against."""
        return self.vsum - current * self.r0_sum
