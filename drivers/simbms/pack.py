"""One battery pack: its cells, MOSFETs, sensors, BMS logic and what it reports.

A step is one BMS sample: the current the outside world asks for, gated by the MOSFETs,
flows for ``dt``; then the BMS measures, protects, balances and keeps its SOC estimate.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Optional

from hmi.model import (AlarmHistory, AlarmRecord, PackSettings, PackSnapshot, ProtectionFlag,
                       ProtectionLimits, alarm_code)
from drivers.simbms.balancing import Balancer
from drivers.simbms.cells import CellString
from drivers.simbms.history import History
from drivers.simbms.protection import (ACTIVE_A, HOT, Protector, Sample, warnings)
from drivers.simbms.settings import FIRMWARE, apply_changes, default_settings
from drivers.simbms.thermal import Thermal

#: Wall-clock time of simulated second 0: 2026-06-15 08:00:00 UTC.
SIM_EPOCH = 1781510400

DESIGN_AH = 200.0
CELL_R0_OHM = 0.30e-3           # 200 Ah prismatic LFP, ohmic (AC-ish) resistance
CELL_R1_OHM = 0.60e-3           # polarization resistance on the plateau
POLARIZATION_TAU_S = 90.0
SHORT_R_OHM = 0.015             # cable and fault resistance of a hard short at the terminals
#: End of a CV charge: the current has tapered below this share of design capacity.
FULL_TAIL_C = 0.05
FULL_CELL_V = 3.45              # ... while the average cell sits at or above this


@dataclass(frozen=True)
class PackSetup:
    """How a scenario wants a pack to start."""

    soc: float
    design_ah: float = DESIGN_AH
    firmware: str = FIRMWARE
    cell_temp_c: Optional[float] = None      # None: the cells sit at the room temperature
    low_cell: Optional[tuple[int, float]] = None   # (cell index, SOC behind the others)


class Pack:
    __slots__ = ("address", "limits", "design_ah", "full_ah", "cells", "thermal", "protector",
                 "balancer", "history", "settings", "current", "polar_current", "remaining_ah",
                 "discharged_ah", "base_cycles", "version", "max_mv", "min_mv", "_snap",
                 "_snap_version", "_polar_alpha", "_polar_dt", "_quiet", "_soh", "_full_reported")

    def __init__(self, address: int, cells: int, seed: int, setup: PackSetup,
                 ambient_c: float, limits: ProtectionLimits):
        rng = random.Random(f"{seed}:pack:{address}")
        self.address = address
        self.limits = limits
        self.design_ah = setup.design_ah
        self.full_ah = setup.design_ah * rng.uniform(0.98, 1.02)
        self._full_reported = round(self.full_ah, 2)
        self._soh = min(100, round(100.0 * self.full_ah / setup.design_ah))
        scale = DESIGN_AH / setup.design_ah   # smaller cells, proportionally higher resistance
        weak = rng.randrange(cells)
        caps = [self.full_ah * (1.0 + rng.gauss(0.0, 0.003)) for _ in range(cells)]
        caps[weak] = self.full_ah * rng.uniform(0.99, 0.995)
        socs = [setup.soc + rng.gauss(0.0, 0.002) for _ in range(cells)]
        r0 = [CELL_R0_OHM * scale * min(1.15, max(0.85, 1.0 + rng.gauss(0.0, 0.05)))
              for _ in range(cells)]
        r1 = [CELL_R1_OHM * scale * min(1.15, max(0.85, 1.0 + rng.gauss(0.0, 0.05)))
              for _ in range(cells)]
        r0[weak] = CELL_R0_OHM * scale * 1.3
        r1[weak] *= 1.2
        if setup.low_cell is not None:
            i, behind = setup.low_cell
            socs[i % cells] -= behind
        self.cells = CellString(caps, socs, r0, r1)
        self.thermal = Thermal(rng, self.cells.r0, ambient_c, setup.cell_temp_c)
        self.protector = Protector(limits)
        self.balancer = Balancer(limits)
        self.history = History()
        self.settings: PackSettings = default_settings(address, cells, rng, setup.firmware)
        self.base_cycles = rng.randint(8, 60)
        self.discharged_ah = 0.0
        self.current = 0.0
        self.polar_current = 0.0
        self.remaining_ah = self.full_ah * min(1.0, max(0.0, setup.soc))
        self.version = 0
        self._snap: Optional[PackSnapshot] = None
        self._snap_version = -1
        self._polar_dt = None
        self._polar_alpha = 0.0
        self._quiet = False
        self.cells.evaluate(0.0, 0.0)
        self.max_mv = int(self.cells.vmax * 1000 + 0.5)
        self.min_mv = int(self.cells.vmin * 1000 + 0.5)

    # -- physics -------------------------------------------------------------------------
    def _gate(self, request: float, cv: bool) -> float:
        """The current that actually flows: a MOSFET that is open carries nothing.

        Each direction needs only its own MOSFET; the other one's body diode conducts
        (that is how a BMS lets a discharge start while over-voltage holds the charge FET
        open). The diode's drop and heat are ignored.
        """
        prot = self.protector
        if request > 0.0:
            if not prot.charge_mos:
                return 0.0
            if cv:
                # The charger holds the pack at the BMS's charge voltage limit (CV stage).
                cells = self.cells
                room = (self.settings.charge_voltage_limit_v - cells.emf(self.current)) \
                    / cells.r0_sum
                if room < request:
                    return room if room > 0.0 else 0.0
            return request
        if request < 0.0 and prot.discharge_mos:
            return request
        return 0.0

    def step(self, t_end: float, dt: float, request: float, cv: bool, short: bool,
             ambient_c: float) -> None:
        cells = self.cells
        prot = self.protector
        short_a = 0.0
        if short and prot.discharge_mos:
            # The short trips within microseconds: its charge is nothing, its current a record.
            short_a = -cells.emf(self.current) / (cells.r0_sum + SHORT_R_OHM)
            current = 0.0
        else:
            current = self._gate(request, cv)
        self.current = current

        if dt != self._polar_dt:
            self._polar_dt = dt
            self._polar_alpha = 1.0 - math.exp(-dt / POLARIZATION_TAU_S)
        flows = self.balancer.flows
        if current != 0.0 or flows or not self._quiet:
            ah = current * dt / 3600.0
            cells.charge(ah)
            self.remaining_ah = min(self.full_ah, max(0.0, self.remaining_ah + ah))
            if ah < 0.0:
                self.discharged_ah -= ah
            if flows:
                cells.move_many(flows, dt / 3600.0)
            self.polar_current += (current - self.polar_current) * self._polar_alpha
            cells.evaluate(current, self.polar_current)
            # Once current and polarization have died away nothing moves but temperatures.
            self._quiet = current == 0.0 and abs(self.polar_current) < 1e-4
        self.thermal.step(dt, current, ambient_c)
        self._sample(t_end, short_a, short)
        self.version += 1

    def _sample(self, t: float, short_a: float, short: bool) -> None:
        """The BMS's side of a step: measure, protect, record, balance, estimate SOC."""
        cells = self.cells
        prot = self.protector
        self.max_mv = max_mv = int(cells.vmax * 1000 + 0.5)
        self.min_mv = min_mv = int(cells.vmin * 1000 + 0.5)
        hot, hot_i, cold, cold_i = self.thermal.cell_extremes()
        mos_c = round(self.thermal.temps[1], 1)
        trips = prot.update(Sample(t, max_mv, cells.imax, min_mv, cells.imin, self.current,
                                   hot, hot_i, cold, cold_i, mos_c, short_a, short))
        if trips:
            self._on_trips(t, trips)
            max_mv, min_mv = self.max_mv, self.min_mv
        current = self.current
        if current > ACTIVE_A:
            if current < FULL_TAIL_C * self.design_ah and cells.vsum >= FULL_CELL_V * cells.n:
                self.remaining_ah = self.full_ah   # end-of-charge calibration
        self.balancer.decide(cells.volts, max_mv, cells.imax, min_mv, cells.imin,
                             current > ACTIVE_A, bool(prot.active & HOT))

    def _on_trips(self, t: float, trips) -> None:
        cells = self.cells
        voltage = round(cells.vsum, 2)
        for trip in trips:
            if trip.flag is ProtectionFlag.CELL_OV:
                self.remaining_ah = self.full_ah     # a BMS calls a cell at OV full
            elif trip.flag is ProtectionFlag.CELL_UV:
                self.remaining_ah = 0.0
            self.history.add(AlarmRecord(time=int(SIM_EPOCH + t), code=alarm_code(trip.flag),
                                         index=trip.index, value=trip.value,
                                         pack_voltage_v=voltage, soc=self.soc))
        prot = self.protector
        if (self.current > 0.0 and not prot.charge_mos) or \
                (self.current < 0.0 and not prot.discharge_mos):
            # The FET opens within milliseconds: the next reading already shows no current.
            self.current = 0.0
            cells.evaluate(0.0, self.polar_current)
            self._quiet = False
            self.max_mv = int(cells.vmax * 1000 + 0.5)
            self.min_mv = int(cells.vmin * 1000 + 0.5)

    # -- what the BMS reports ----------------------------------------------------------------
    @property
    def soc(self) -> int:
        return min(100, max(0, round(100.0 * self.remaining_ah / self.full_ah)))

    def write_settings(self, changes: dict[str, object]) -> PackSettings:
        new = apply_changes(self.settings, changes)
        if new is not self.settings:
            self.settings = new
            self.version += 1
        return new

    def clear_history(self) -> AlarmHistory:
        self.version += 1
        return self.history.clear()

    def snapshot(self, t: float) -> PackSnapshot:
        if self._snap is not None and self._snap_version == self.version:
            return self._snap
        cells = self.cells
        current = self.current
        temps = self.thermal.reported()
        soc = self.soc
        prot = self.protector
        snap = PackSnapshot(
            address=self.address,
            timestamp=SIM_EPOCH + t,
            cells_mv=tuple([int(v * 1000 + 0.5) for v in cells.volts]),
            temps_c=temps,
            # Seed 10.2: the shunt resolves 0.1 A; below that it reads zero.
            current_a=round(current, 2) if abs(current) >= 0.1 else 0.0,
            voltage_v=round(cells.vsum, 2),
            soc=soc,
            soh=self._soh,
            remaining_ah=round(self.remaining_ah, 2),
            full_ah=self._full_reported,
            design_ah=self.design_ah,
            cycles=self.base_cycles + int(self.discharged_ah / self.full_ah),
            balancing=self.balancer.cells,
            charge_mos=prot.charge_mos,
            discharge_mos=prot.discharge_mos,
            warnings=warnings(self.limits, self.max_mv, self.min_mv, current, temps,
                              self.thermal.cell_sensors, soc),
            protections=prot.flags,
            limits=self.limits,
            settings=self.settings,
            history=self.history.current,
        )
        self._snap, self._snap_version = snap, self.version
        return snap
