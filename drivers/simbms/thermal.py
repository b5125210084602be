"""Seven temperatures that follow the current: I²R heating relaxing to ambient, first order.

Sensor order is TEMP_SENSORS: BMS board, Pack (the MOSFET heat sink), Cell1..Cell4,
Environment. Each node moves toward its steady-state temperature with its own time
constant, using the exact exponential so a 1 s step and ten 0.1 s steps agree.
"""
from __future__ import annotations

import math
import random
from typing import Optional

# Cells: ~60 kg of cells in a steel case; hours to follow the room, a few °C at 0.5 C.
CELL_TAU_S = 3.0 * 3600
CELL_RTH_K_PER_W = 0.6          # per sensor group, to ambient
# MOSFET bank: charge and discharge FETs in series on one small heat sink.
MOS_R_OHM = 0.0008
MOS_TAU_S = 240.0
MOS_RTH_K_PER_W = 1.3         # ~50 K over the box air at the full 200 A
# BMS board: its own electronics keep it a little above the air around it.
BOARD_TAU_S = 600.0
BOARD_SELF_HEAT_C = 2.5
BOARD_MOS_COUPLING = 0.15
ENV_TAU_S = 120.0


def _alpha(tau: float, dt: float) -> float:
    return 1.0 - math.exp(-dt / tau)


class Thermal:
    __slots__ = ("temps", "present", "_groups", "_cell_rth", "_cell_tau", "_offsets",
                 "_alpha_dt", "_alphas", "cell_sensors")

    def __init__(self, rng: random.Random, r0: tuple[float, ...], ambient: float,
                 initial_cells: Optional[float] = None):
        n = len(r0)
        # A 16-cell pack has a sensor on every quarter of the string; a short string (< 12
        # cells) only two, so Cell3/Cell4 read as absent, as the board reports them.
        self.cell_sensors = 4 if n >= 12 else 2
        per = n / self.cell_sensors
        self._groups = tuple(sum(r0[int(round(k * per)):int(round((k + 1) * per))])
                             for k in range(self.cell_sensors))
        self._cell_rth = tuple(CELL_RTH_K_PER_W * rng.uniform(0.9, 1.1)
                               for _ in range(self.cell_sensors))
        self._cell_tau = tuple(CELL_TAU_S * rng.uniform(0.95, 1.05)
                               for _ in range(self.cell_sensors))
        # Where a sensor sits (near the MOSFETs, by the case wall) shifts it a little.
        self._offsets = tuple(rng.uniform(-0.4, 0.6) for _ in range(4)) + (rng.uniform(-0.3, 0.3),)
        start = ambient if initial_cells is None else initial_cells
        cells = [start + self._offsets[k] for k in range(self.cell_sensors)]
        self.present = (True, True) + tuple(k < self.cell_sensors for k in range(4)) + (True,)
        self.temps = [ambient + BOARD_SELF_HEAT_C, (ambient + start) / 2] + cells + \
            [0.0] * (4 - self.cell_sensors) + [ambient + self._offsets[4]]
        self._alpha_dt = None
        self._alphas = ()

    def _alphas_for(self, dt: float) -> tuple[float, ...]:
        if dt != self._alpha_dt:
            self._alpha_dt = dt
            self._alphas = (_alpha(BOARD_TAU_S, dt), _alpha(MOS_TAU_S, dt),
                            _alpha(ENV_TAU_S, dt)) + tuple(_alpha(t, dt) for t in self._cell_tau)
        return self._alphas

    def step(self, dt: float, current: float, ambient: float) -> None:
        a_board, a_mos, a_env, *a_cells = self._alphas_for(dt)
        temps = self.temps
        i2 = current * current
        cell_sum = 0.0
        for k in range(self.cell_sensors):
            target = ambient + self._offsets[k] + i2 * self._groups[k] * self._cell_rth[k]
            temps[2 + k] += (target - temps[2 + k]) * a_cells[k]
            cell_sum += temps[2 + k]
        inside = 0.5 * (ambient + cell_sum / self.cell_sensors)
        temps[1] += (inside + i2 * MOS_R_OHM * MOS_RTH_K_PER_W - temps[1]) * a_mos
        temps[0] += (ambient + BOARD_SELF_HEAT_C + BOARD_MOS_COUPLING * (temps[1] - ambient)
                     - temps[0]) * a_board
        temps[6] += (ambient + self._offsets[4] - temps[6]) * a_env

    def cell_extremes(self) -> tuple[float, int, float, int]:
        """(hottest °C, its TEMP_SENSORS index, coldest °C, its index), as the BMS reads them."""
        cells = self.temps[2:2 + self.cell_sensors]
        hi = max(cells)
        lo = min(cells)
        return round(hi, 1), 2 + cells.index(hi), round(lo, 1), 2 + cells.index(lo)

    def reported(self) -> tuple[Optional[float], ...]:
        out: list[Optional[float]] = [round(t, 1) for t in self.temps]
        if self.cell_sensors < 4:
            out[2 + self.cell_sensors:6] = [None] * (4 - self.cell_sensors)
        return tuple(out)
