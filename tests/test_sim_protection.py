"""Every protection of the seed's section 9 trips after its delay and releases as specified.

The bench is a ManualProfile: the test sets the charger/load current, the room and the
short between one-second steps, and watches the snapshots the way a screen would.
"""
from __future__ import annotations

import pytest

from drivers.simbms import SIM_EPOCH, BatterySim, manual_scenario
from drivers.simbms.protection import LOAD_RELEASE_S
from hmi.model import DEFAULT_LIMITS as LIM
from hmi.model import PackStatus, ProtectionFlag as P, WarningFlag as W, alarm_code


def bench(**kw) -> BatterySim:
    return BatterySim(packs=1, seed=1, scenario=manual_scenario(**kw))


def step(sim: BatterySim):
    sim.step(1.0)
    return sim.snapshot(1)


def run_until(sim: BatterySim, cond, limit_s: float):
    """Step until cond(snapshot); return that snapshot (fail if it never comes)."""
    end = sim.t + limit_s
    while sim.t < end:
        snap = step(sim)
        if cond(snap):
            return snap
    pytest.fail(f"condition not reached within {limit_s} s (t={sim.t})")


def cell_temps(snap):
    return [t for t in snap.temps_c[2:6] if t is not None]


# -- cell over-voltage ---------------------------------------------------------------------
def overcharged():
    sim = bench(soc=0.97)
    sim.profile.cv = False              # a charger with a failed CV stage
    sim.profile.request_a = 60.0
    first = run_until(sim, lambda s: s.max_cell[1] >= LIM.cell_ov_protect_mv, 4 * 3600)
    return sim, sim.t, first


def test_cell_ov_trips_after_4_s_and_opens_the_charge_fet():
    sim, t_seen, first = overcharged()
    assert P.CELL_OV not in first.protections
    for _ in range(int(LIM.cell_ov_delay_s) - 1):
        snap = step(sim)
        assert snap.max_cell[1] >= LIM.cell_ov_protect_mv
        assert P.CELL_OV not in snap.protections, f"tripped early at {sim.t - t_seen} s"
        assert snap.current_a == 60.0
    snap = step(sim)
    assert sim.t - t_seen == LIM.cell_ov_delay_s
    assert P.CELL_OV in snap.protections
    assert snap.status is PackStatus.PROTECT
    assert not snap.charge_mos and snap.discharge_mos
    assert snap.current_a == 0.0                      # the charger cannot push through
    rec = snap.history.records[0]
    assert (rec.code, rec.time) == (alarm_code(P.CELL_OV), int(SIM_EPOCH + sim.t))
    assert rec.index == first.max_cell[0]          # the cell that crossed, by number
    assert rec.value >= LIM.cell_ov_protect_mv
    assert rec.pack_voltage_v > 55 and rec.soc == 100
    assert W.CELL_OV in snap.warnings


def test_cell_ov_held_for_less_than_its_delay_does_not_trip():
    sim, _, _ = overcharged()
    for _ in range(2):
        step(sim)
    sim.profile.request_a = 0.0                  # the charger gives up after 3 s
    for _ in range(600):
        assert P.CELL_OV not in step(sim).protections


def test_cell_ov_releases_at_3550_mv_while_the_charger_still_pushes():
    sim, _, _ = overcharged()
    run_until(sim, lambda s: P.CELL_OV in s.protections, 10)
    before = sim.snapshot(1)
    released = run_until(sim, lambda s: P.CELL_OV not in s.protections, 3600)
    assert released.max_cell[1] <= LIM.cell_ov_release_mv
    assert before.max_cell[1] > LIM.cell_ov_release_mv
    assert released.charge_mos
    # The broken charger pushes again and the cell climbs back up: current flows once more.
    assert step(sim).current_a == 60.0


def test_cell_ov_releases_as_soon_as_a_discharge_starts():
    sim, _, _ = overcharged()
    tripped = run_until(sim, lambda s: P.CELL_OV in s.protections, 10)
    assert tripped.max_cell[1] > LIM.cell_ov_release_mv
    sim.profile.request_a = -20.0                # a load comes on, through the body diode
    snap = step(sim)
    assert P.CELL_OV not in snap.protections
    assert snap.current_a == -20.0


# -- cell under-voltage --------------------------------------------------------------------
def overdischarged(load_a: float = 60.0):
    sim = bench(soc=0.04)
    sim.profile.request_a = -load_a
    first = run_until(sim, lambda s: s.min_cell[1] <= LIM.cell_uv_protect_mv, 3 * 3600)
    return sim, sim.t, first


def test_cell_uv_trips_after_4_s_and_opens_the_discharge_fet():
    sim, t_seen, first = overdischarged()
    assert P.CELL_UV not in first.protections
    for _ in range(int(LIM.cell_uv_delay_s) - 1):
        snap = step(sim)
        assert P.CELL_UV not in snap.protections, f"tripped early at {sim.t - t_seen} s"
    snap = step(sim)
    assert sim.t - t_seen == LIM.cell_uv_delay_s
    assert P.CELL_UV in snap.protections
    assert snap.charge_mos and not snap.discharge_mos
    assert snap.current_a == 0.0
    assert snap.soc == 0
    rec = snap.history.records[0]
    assert rec.code == alarm_code(P.CELL_UV) and rec.value <= LIM.cell_uv_protect_mv
    assert 1 <= rec.index <= 16


def test_cell_uv_releases_at_2700_mv_as_the_cell_recovers():
    sim, _, _ = overdischarged()
    tripped = run_until(sim, lambda s: P.CELL_UV in s.protections, 10)
    assert tripped.min_cell[1] < LIM.cell_uv_release_mv
    released = run_until(sim, lambda s: P.CELL_UV not in s.protections, 3600)
    assert released.min_cell[1] >= LIM.cell_uv_release_mv
    assert released.discharge_mos


def test_cell_uv_releases_as_soon_as_charging_starts():
    sim, _, _ = overdischarged()
    tripped = run_until(sim, lambda s: P.CELL_UV in s.protections, 10)
    assert tripped.min_cell[1] < LIM.cell_uv_release_mv
    sim.profile.request_a = 10.0
    snap = step(sim)
    assert P.CELL_UV not in snap.protections and snap.current_a == 10.0


# -- over-current --------------------------------------------------------------------------
@pytest.mark.parametrize("flag,amps,delay", [
    (P.CHARGE_OC, 210.0, LIM.charge_oc_delay_s),
    (P.DISCHARGE_OC, -210.0, LIM.discharge_oc_delay_s),
])
def test_over_current_trips_after_8_s_and_recovers_after_30_s(flag, amps, delay):
    sim = bench(soc=0.5)
    sim.profile.cv = False
    sim.profile.request_a = amps
    first = step(sim)
    t_seen = sim.t
    assert first.current_a == amps and flag not in first.protections
    while sim.t - t_seen < delay - 1:
        assert flag not in step(sim).protections
    snap = step(sim)
    assert sim.t - t_seen == delay and flag in snap.protections
    assert snap.current_a == 0.0
    if amps > 0:
        assert not snap.charge_mos and snap.discharge_mos
    else:
        assert snap.charge_mos and not snap.discharge_mos
    rec = snap.history.records[0]
    assert (rec.code, rec.index, rec.value) == (alarm_code(flag), 0, amps)
    t_trip = sim.t
    while sim.t - t_trip < LIM.oc_recovery_s - 1:
        snap = step(sim)
        assert flag in snap.protections and snap.current_a == 0.0
    snap = step(sim)
    assert sim.t - t_trip == LIM.oc_recovery_s and flag not in snap.protections
    # Still overloaded: the current flows again and trips again one delay later.
    again = run_until(sim, lambda s: flag in s.protections, 60)
    assert again.history.total == 2
    assert sim.t - t_trip == LIM.oc_recovery_s + 1 + delay


def test_over_current_shorter_than_its_delay_does_not_trip():
    sim = bench(soc=0.5)
    sim.profile.cv = False
    sim.profile.request_a = 210.0
    for _ in range(int(LIM.charge_oc_delay_s) - 1):
        assert step(sim).current_a == 210.0
    sim.profile.request_a = 100.0
    for _ in range(60):
        assert not step(sim).protections
    assert sim.snapshot(1).history.total == 0


def test_over_current_warning_at_the_alarm_level():
    sim = bench(soc=0.5)
    sim.profile.cv = False
    sim.profile.request_a = LIM.charge_oc_alarm_a - 1
    assert W.CHARGE_OC not in step(sim).warnings
    sim.profile.request_a = LIM.charge_oc_alarm_a
    assert W.CHARGE_OC in step(sim).warnings
    sim.profile.request_a = -LIM.discharge_oc_alarm_a
    assert W.DISCHARGE_OC in step(sim).warnings


# -- short circuit -------------------------------------------------------------------------
def test_short_circuit_trips_at_once_and_releases_after_the_load_is_gone():
    sim = bench(soc=0.8)
    sim.profile.request_a = -30.0
    for _ in range(10):
        step(sim)
    sim.profile.short = True
    snap = step(sim)
    assert P.SHORT_CIRCUIT in snap.protections
    assert not snap.discharge_mos and snap.charge_mos and snap.current_a == 0.0
    rec = snap.history.records[0]
    assert rec.code == alarm_code(P.SHORT_CIRCUIT) and rec.index == 0
    assert rec.value < -1000                      # thousands of amps for microseconds
    for _ in range(60):                           # the short stays: so does the protection
        assert P.SHORT_CIRCUIT in step(sim).protections
    sim.profile.short = False                     # the faulty load is unplugged
    gone = step(sim)
    t_gone = sim.t
    assert P.SHORT_CIRCUIT in gone.protections
    released = run_until(sim, lambda s: P.SHORT_CIRCUIT not in s.protections, 10)
    assert sim.t - t_gone == LOAD_RELEASE_S
    assert released.discharge_mos
    assert step(sim).current_a == -30.0
    assert released.history.total == 1


# -- temperatures --------------------------------------------------------------------------
TEMP_CASES = [
    # flag, request A, room °C, cells start °C, trips when, releases when, room to release
    (P.CHARGE_OT, 20.0, 80.0, 64.0, lambda s: max(cell_temps(s)) >= LIM.charge_ot_protect_c,
     lambda s: max(cell_temps(s)) <= LIM.charge_ot_release_c, 30.0),
    (P.DISCHARGE_OT, -20.0, 80.0, 64.0,
     lambda s: max(cell_temps(s)) >= LIM.discharge_ot_protect_c,
     lambda s: max(cell_temps(s)) <= LIM.discharge_ot_release_c, 30.0),
    (P.CHARGE_UT, 20.0, -10.0, 3.0, lambda s: min(cell_temps(s)) <= LIM.charge_ut_protect_c,
     lambda s: min(cell_temps(s)) >= LIM.charge_ut_release_c, 20.0),
    (P.DISCHARGE_UT, -20.0, -20.0, -4.0,
     lambda s: min(cell_temps(s)) <= LIM.discharge_ut_protect_c,
     lambda s: min(cell_temps(s)) >= LIM.discharge_ut_release_c, 20.0),
]


@pytest.mark.parametrize("flag,amps,room,start,over,back,room_after", TEMP_CASES,
                         ids=[c[0].name for c in TEMP_CASES])
def test_battery_temperature_protection(flag, amps, room, start, over, back, room_after):
    sim = bench(soc=0.5, ambient_c=room, cell_temp_c=start)
    sim.profile.request_a = amps
    while True:
        snap = step(sim)
        if over(snap):
            break
        assert flag not in snap.protections, "tripped before the sensor reached the limit"
        assert sim.t < 4 * 3600, "never reached the limit"
    # No delay in the seed's table: the first reading at the limit trips.
    assert flag in snap.protections and snap.current_a == 0.0
    if amps > 0:
        assert not snap.charge_mos and snap.discharge_mos
    else:
        assert snap.charge_mos and not snap.discharge_mos
    rec = snap.history.records[0]
    assert rec.code == alarm_code(flag)
    assert 3 <= rec.index <= 6                     # Cell1..Cell4 in TEMP_SENSORS order
    assert rec.value == snap.temps_c[rec.index - 1]
    sim.profile.ambient_c = room_after
    while True:
        snap = step(sim)
        if flag not in snap.protections:
            break
        assert not back(snap), "still held although past the release temperature"
        assert sim.t < 12 * 3600, "never released"
    assert back(snap)


def test_temperature_protection_guards_only_its_direction():
    # 66 °C while discharging is discharge OT, never charge OT (and the reverse).
    sim = bench(soc=0.5, ambient_c=80.0, cell_temp_c=64.0)
    sim.profile.request_a = -20.0
    run_until(sim, lambda s: P.DISCHARGE_OT in s.protections, 4 * 3600)
    assert P.CHARGE_OT not in sim.snapshot(1).protections
    sim = bench(soc=0.5, ambient_c=-10.0, cell_temp_c=3.0)
    sim.profile.request_a = -20.0
    run_until(sim, lambda s: min(cell_temps(s)) <= 0.0, 4 * 3600)
    assert not sim.snapshot(1).protections        # cold discharge is allowed down to -5 °C
    assert sim.snapshot(1).current_a == -20.0


def test_mosfet_over_temperature_opens_both_fets_and_releases_at_70():
    sim = bench(soc=0.5, ambient_c=70.0, cell_temp_c=60.0)
    sim.profile.request_a = -200.0
    while True:
        snap = step(sim)
        if snap.temps_c[1] >= LIM.mosfet_ot_protect_c:
            break
        assert P.MOSFET_OT not in snap.protections
        assert (W.MOSFET_OT in snap.warnings) == (snap.temps_c[1] >= LIM.mosfet_ot_alarm_c)
        assert sim.t < 3600
    assert P.MOSFET_OT in snap.protections
    assert not snap.charge_mos and not snap.discharge_mos and snap.current_a == 0.0
    rec = snap.history.records[0]
    assert (rec.code, rec.index) == (alarm_code(P.MOSFET_OT), 2)   # sensor 2 = "Pack"
    assert not snap.balancing
    while True:
        snap = step(sim)
        if P.MOSFET_OT not in snap.protections:
            break
        assert snap.temps_c[1] > LIM.mosfet_ot_release_c and snap.current_a == 0.0
        assert sim.t < 3600
    assert snap.temps_c[1] <= LIM.mosfet_ot_release_c


def test_open_charge_fet_blocks_the_charger_but_not_a_load():
    sim = bench(soc=0.5, ambient_c=-10.0, cell_temp_c=2.5)
    sim.profile.request_a = 30.0
    run_until(sim, lambda s: P.CHARGE_UT in s.protections, 3600)
    for _ in range(30):
        assert step(sim).current_a == 0.0
    sim.profile.request_a = -30.0
    assert step(sim).current_a == -30.0
