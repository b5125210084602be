"""The protection state machine of the seed's section 9 / 10.2-10.4: trips, delays, releases.

It sees what the BMS samples at the end of each step (cell extremes in mV, current, the
temperatures rounded as reported) and decides which MOSFET stays closed. A delayed trip
needs its condition to hold at every sample from the first one that saw it until the
delay has passed, so a value over the limit for less than the delay never trips.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from hmi.model import ProtectionFlag as P
from hmi.model import ProtectionLimits, WarningFlag as W

#: The state detection threshold: below this the pack is neither charging nor discharging.
ACTIVE_A = 0.5
#: Seed section 9, "Load release delay 2000ms": a short clears this long after the load goes.
LOAD_RELEASE_S = 2.0
#: Register 9 has a SOC-low warning but the parameter table gives it no level.
SOC_LOW_PCT = 10

OPENS_CHARGE = frozenset({P.CELL_OV, P.CHARGE_OC, P.CHARGE_OT, P.CHARGE_UT, P.MOSFET_OT})
OPENS_DISCHARGE = frozenset({P.CELL_UV, P.DISCHARGE_OC, P.SHORT_CIRCUIT, P.DISCHARGE_OT,
                             P.DISCHARGE_UT, P.MOSFET_OT})
#: Seed 10.5.4: no balancing while a high-temperature protection holds.
HOT = frozenset({P.CHARGE_OT, P.DISCHARGE_OT, P.MOSFET_OT})
#: Sensor number of the MOSFET ("Pack") sensor in TEMP_SENSORS order, 1-based.
MOS_SENSOR = 2


class Sample(NamedTuple):
    """What the BMS measured at one sample (sensor indexes are 0-based TEMP_SENSORS)."""

    t: float
    max_mv: int
    max_cell: int
    min_mv: int
    min_cell: int
    current: float
    hot_c: float
    hot_sensor: int
    cold_c: float
    cold_sensor: int
    mos_c: float
    short_a: float          # current a short would draw this instant, 0 without one
    short_present: bool


class Trip(NamedTuple):
    flag: P
    index: int              # cell 1-16, sensor 1-7, 0 for none
    value: Optional[float]  # mV, °C or A


class Protector:
    __slots__ = ("limits", "active", "flags", "charge_mos", "discharge_mos", "_since",
                 "_tripped_at", "_short_gone", "_hot_c", "_cold_c")

    def __init__(self, limits: ProtectionLimits):
        self.limits = limits
        self._hot_c = min(limits.charge_ot_protect_c, limits.discharge_ot_protect_c)
        self._cold_c = max(limits.charge_ut_protect_c, limits.discharge_ut_protect_c)
        self.active: set[P] = set()
        self.flags: frozenset[P] = frozenset()
        self.charge_mos = True
        self.discharge_mos = True
        self._since: dict[P, float] = {}
        self._tripped_at: dict[P, float] = {}
        self._short_gone: Optional[float] = None

    def _calm(self, s: Sample) -> bool:
        """Nothing is near a trip: the common case, answered without the full walk."""
        lim = self.limits
        return (lim.cell_uv_protect_mv < s.min_mv and s.max_mv < lim.cell_ov_protect_mv
                and -lim.discharge_oc_protect_a < s.current < lim.charge_oc_protect_a
                and not s.short_a and s.mos_c < lim.mosfet_ot_protect_c
                and s.hot_c < self._hot_c and s.cold_c > self._cold_c)

    def _held(self, flag: P, condition: bool, t: float, delay: float) -> bool:
        """True once ``condition`` has held at every sample for ``delay`` seconds."""
        if not condition:
            self._since.pop(flag, None)
            return False
        first = self._since.setdefault(flag, t)
        return t - first >= delay - 1e-6

    def update(self, s: Sample) -> list[Trip]:
        lim = self.limits
        active = self.active
        if not active and not self._since and self._calm(s):
            return []
        trips: list[Trip] = []
        charging = s.current > ACTIVE_A
        discharging = s.current < -ACTIVE_A

        # Cell over-voltage: release at the release voltage, or as soon as a discharge starts.
        if P.CELL_OV in active:
            if s.max_mv <= lim.cell_ov_release_mv or discharging:
                active.discard(P.CELL_OV)
        elif self._held(P.CELL_OV, s.max_mv >= lim.cell_ov_protect_mv, s.t, lim.cell_ov_delay_s):
            trips.append(Trip(P.CELL_OV, s.max_cell + 1, float(s.max_mv)))

        if P.CELL_UV in active:
            if s.min_mv >= lim.cell_uv_release_mv or charging:
                active.discard(P.CELL_UV)
        elif self._held(P.CELL_UV, s.min_mv <= lim.cell_uv_protect_mv, s.t, lim.cell_uv_delay_s):
            trips.append(Trip(P.CELL_UV, s.min_cell + 1, float(s.min_mv)))

        # Over-current: only time releases it (the seed's timed recovery).
        for flag, over, delay in (
                (P.CHARGE_OC, s.current >= lim.charge_oc_protect_a, lim.charge_oc_delay_s),
                (P.DISCHARGE_OC, s.current <= -lim.discharge_oc_protect_a,
                 lim.discharge_oc_delay_s)):
            if flag in active:
                if s.t - self._tripped_at[flag] >= lim.oc_recovery_s - 1e-6:
                    active.discard(flag)
            elif self._held(flag, over, s.t, delay):
                trips.append(Trip(flag, 0, round(s.current, 1)))

        # Short circuit: trips within microseconds, clears once the load has been gone a while.
        if P.SHORT_CIRCUIT in active:
            if s.short_present:
                self._short_gone = None
            else:
                if self._short_gone is None:
                    self._short_gone = s.t
                if s.t - self._short_gone >= LOAD_RELEASE_S - 1e-6:
                    active.discard(P.SHORT_CIRCUIT)
        elif s.short_a:
            self._short_gone = None
            trips.append(Trip(P.SHORT_CIRCUIT, 0, round(s.short_a, 1)))

        # Battery temperatures guard the direction that is flowing; release is by
        # temperature alone, whatever the current does meanwhile.
        hot_no = s.hot_sensor + 1
        cold_no = s.cold_sensor + 1
        for flag, trip_now, released in (
                (P.CHARGE_OT, charging and s.hot_c >= lim.charge_ot_protect_c,
                 s.hot_c <= lim.charge_ot_release_c),
                (P.DISCHARGE_OT, discharging and s.hot_c >= lim.discharge_ot_protect_c,
                 s.hot_c <= lim.discharge_ot_release_c)):
            if flag in active:
                if released:
                    active.discard(flag)
            elif trip_now:
                trips.append(Trip(flag, hot_no, s.hot_c))
        for flag, trip_now, released in (
                (P.CHARGE_UT, charging and s.cold_c <= lim.charge_ut_protect_c,
                 s.cold_c >= lim.charge_ut_release_c),
                (P.DISCHARGE_UT, discharging and s.cold_c <= lim.discharge_ut_protect_c,
                 s.cold_c >= lim.discharge_ut_release_c)):
            if flag in active:
                if released:
                    active.discard(flag)
            elif trip_now:
                trips.append(Trip(flag, cold_no, s.cold_c))

        if P.MOSFET_OT in active:
            if s.mos_c <= lim.mosfet_ot_release_c:
                active.discard(P.MOSFET_OT)
        elif s.mos_c >= lim.mosfet_ot_protect_c:
            trips.append(Trip(P.MOSFET_OT, MOS_SENSOR, s.mos_c))

        for trip in trips:
            active.add(trip.flag)
            self._tripped_at[trip.flag] = s.t
            self._since.pop(trip.flag, None)
        if len(active) != len(self.flags) or trips:
            self.flags = frozenset(active)
            self.charge_mos = not (active & OPENS_CHARGE)
            self.discharge_mos = not (active & OPENS_DISCHARGE)
        return trips


def warnings(lim: ProtectionLimits, max_mv: int, min_mv: int, current: float,
             temps: tuple[Optional[float], ...], cell_sensors: int, soc: int) -> frozenset[W]:
    """Register 9 at the alarm levels: nothing switched off, something close to a limit."""
    out: set[W] = set()
    if max_mv >= lim.cell_ov_alarm_mv:
        out.add(W.CELL_OV)
    if min_mv <= lim.cell_uv_alarm_mv:
        out.add(W.CELL_UV)
    if current >= lim.charge_oc_alarm_a:
        out.add(W.CHARGE_OC)
    if current <= -lim.discharge_oc_alarm_a:
        out.add(W.DISCHARGE_OC)
    cells = [t for t in temps[2:2 + cell_sensors] if t is not None]
    hot, cold = max(cells), min(cells)
    # Idle counts for both directions: either could start next.
    if current > -ACTIVE_A:
        if hot >= lim.charge_ot_alarm_c:
            out.add(W.CHARGE_OT)
        if cold <= lim.charge_ut_alarm_c:
            out.add(W.CHARGE_UT)
    if current < ACTIVE_A:
        if hot >= lim.discharge_ot_alarm_c:
            out.add(W.DISCHARGE_OT)
        if cold <= lim.discharge_ut_alarm_c:
            out.add(W.DISCHARGE_UT)
    env, mos = temps[6], temps[1]
    if env is not None and env >= lim.env_ot_alarm_c:
        out.add(W.ENV_OT)
    if env is not None and env <= lim.env_ut_alarm_c:
        out.add(W.ENV_UT)
    if mos is not None and mos >= lim.mosfet_ot_alarm_c:
        out.add(W.MOSFET_OT)
    if soc <= SOC_LOW_PCT:
        out.add(W.SOC_LOW)
    return frozenset(out)
