"""Each scenario's named moments show what their names promise (seed 1, default packs).

The UI team screenshots these times; if physics changes move a moment, this fails first.
"""
from __future__ import annotations

import pytest

from drivers.simbms import SCENARIOS, BatterySim
from hmi.model import PackStatus, ProtectionFlag as P, alarm_code


def day_charging(sim):
    return all(s.status is PackStatus.CHARGE and s.current_a > 20 for s in sim.snapshots())


CHECKS = {
    ("day", "discharging"): lambda sim: all(
        s.status is PackStatus.DISCHARGE and not s.balancing for s in sim.snapshots()),
    ("day", "charging"): day_charging,
    ("day", "balancing"): lambda sim: all(
        s.status is PackStatus.CHARGE and s.balancing and s.soc >= 95 for s in sim.snapshots()),
    ("day", "evening"): lambda sim: all(
        s.status is PackStatus.DISCHARGE and s.current_a < -20 for s in sim.snapshots()),
    ("overcharge", "protect"): lambda sim: all(
        P.CELL_OV in s.protections and not s.charge_mos and s.current_a == 0
        and s.status is PackStatus.PROTECT and s.history.total >= 3 for s in sim.snapshots()),
    ("cold", "charge_blocked"): lambda sim: all(
        P.CHARGE_UT in s.protections and not s.charge_mos and s.current_a == 0
        and min(s.temps_c[2:6]) <= 5 for s in sim.snapshots()),
    ("cold", "discharge_blocked"): lambda sim: all(
        P.DISCHARGE_UT in s.protections and not s.discharge_mos and s.current_a == 0
        and min(s.temps_c[2:6]) < -2 for s in sim.snapshots()),
    ("short", "protect"): lambda sim: all(
        P.SHORT_CIRCUIT in s.protections and not s.discharge_mos and s.current_a == 0
        for s in sim.snapshots()),
    ("short", "recovered"): lambda sim: all(
        not s.protections and s.status is PackStatus.DISCHARGE
        and s.history.records and s.history.records[0].code == alarm_code(P.SHORT_CIRCUIT)
        for s in sim.snapshots()),
    ("imbalance", "wide"): lambda sim: (sim.snapshot(1).spread_mv > 150
                                        and len(sim.snapshot(1).balancing) == 2),
    ("imbalance", "narrowed"): lambda sim: (sim.snapshot(1).spread_mv <= 50
                                            and not sim.snapshot(1).balancing),
    ("pack-offline", "offline"): lambda sim: (sim.snapshot(2) is None and
                                              [s.address for s in sim.snapshots()] == [1, 3]),
    ("pack-offline", "back"): lambda sim: [s.address for s in sim.snapshots()] == [1, 2, 3],
    ("mixed", "charging"): day_charging,
}


def test_every_moment_has_a_check():
    named = {(s.name, m) for s in SCENARIOS.values() for m in s.moments}
    assert named == set(CHECKS)


def test_scenarios_describe_themselves():
    for name, scenario in SCENARIOS.items():
        assert scenario.name == name and len(scenario.description) > 20
        assert scenario.moments and all(isinstance(v, float) for v in scenario.moments.values())
    assert set(SCENARIOS) >= {"day", "overcharge", "cold", "short", "imbalance",
                              "pack-offline"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_moments_hold(name):
    sim = BatterySim(seed=1, scenario=name)
    for moment, at in sorted(SCENARIOS[name].moments.items(), key=lambda kv: kv[1]):
        sim.run_until(at)
        assert CHECKS[(name, moment)](sim), f"{name}.{moment} at {at:.0f} s: " + \
            repr([(s.address, s.status, s.current_a, s.protections, s.spread_mv)
                  for s in sim.snapshots()])


@pytest.mark.parametrize("name", ["day", "short"])
def test_moments_hold_on_four_packs(name):
    # Whole-house events reach every pack alike. (Over-charged packs trip each on its own
    # cells' schedule, so "overcharge" promises its moment for the default single pack.)
    sim = BatterySim(packs=4, seed=1, scenario=name)
    for moment, at in sorted(SCENARIOS[name].moments.items(), key=lambda kv: kv[1]):
        sim.run_until(at)
        assert CHECKS[(name, moment)](sim), f"{name}.{moment} on 4 packs"


def test_offline_pack_keeps_living_while_silent():
    sim = BatterySim(seed=1, scenario="pack-offline")
    sim.run_until(299)
    before = sim.snapshot(2)
    assert sim.is_answering(2)
    sim.run_until(SCENARIOS["pack-offline"].moments["offline"])
    assert not sim.is_answering(2) and sim.is_answering(1)
    sim.run_until(SCENARIOS["pack-offline"].moments["back"])
    after = sim.snapshot(2)
    assert after.timestamp - before.timestamp == pytest.approx(901)
    assert after.remaining_ah != before.remaining_ah


# -- settings and history through the library -----------------------------------------------
def test_write_settings_each_field():
    sim = BatterySim(packs=2, seed=1)
    old = sim.settings(1)
    new = sim.write_settings(1, {"protocol_id": 22, "address": 50,
                                 "charge_voltage_limit_v": 57.6})
    assert (new.protocol_id, new.address, new.charge_voltage_limit_v) == (22, 50, 57.6)
    assert sim.settings(1) is new and sim.snapshot(1).settings is new
    assert new.firmware == old.firmware and new.bms_serial == old.bms_serial
    assert sim.settings(2) == BatterySim(packs=2, seed=1).settings(2)
    assert sim.snapshot(1).address == 1            # a new address waits for a restart
    assert sim.write_settings(1, {"protocol_id": 0, "address": 0,
                                  "charge_voltage_limit_v": 48}).charge_voltage_limit_v == 48.0


@pytest.mark.parametrize("changes,words", [
    ({"protocol_id": 23}, "out of range"), ({"protocol_id": -1}, "out of range"),
    ({"address": 51}, "out of range"), ({"charge_voltage_limit_v": 47.9}, "out of range"),
    ({"charge_voltage_limit_v": 60.1}, "out of range"),
    ({"charge_voltage_limit_v": 56.05}, "0.1"), ({"protocol_id": 1.5}, "whole"),
    ({"address": True}, "whole"), ({"charge_voltage_limit_v": "56"}, "number"),
    ({"charge_voltage_limit_v": float("nan")}, "number"),
    ({"firmware": "x"}, "writable"), ({"protocol_id": 3, "colour": 1}, "colour"),
])
def test_refused_writes_change_nothing(changes, words):
    sim = BatterySim(seed=1)
    before = sim.settings(1)
    with pytest.raises(ValueError, match=words):
        sim.write_settings(1, changes)
    assert sim.settings(1) is before


def test_a_new_charge_limit_drives_the_charger():
    low, high = BatterySim(seed=1), BatterySim(seed=1)
    low.write_settings(1, {"charge_voltage_limit_v": 54.4})
    for sim in (low, high):
        sim.run_until(3 * 3600)
    assert low.snapshot(1).voltage_v <= 54.4 < high.snapshot(1).voltage_v
