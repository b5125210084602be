"""The simulated battery behaves like LFP cells in a pack, reproducibly and fast enough."""
from __future__ import annotations

import time

import pytest

from drivers.simbms import SCENARIOS, SIM_EPOCH, BatterySim, manual_scenario
from drivers.simbms.ocv import ocv
from drivers.simbms.pack import CELL_R0_OHM
from hmi.model import DEFAULT_LIMITS, TEMP_SENSORS, PackSettings, PackStatus


def bench(**kw) -> BatterySim:
    return BatterySim(packs=1, seed=1, scenario=manual_scenario(**kw))


# -- the OCV curve -------------------------------------------------------------------------
def test_lfp_ocv_curve_has_a_flat_plateau_and_steep_ends():
    assert ocv(0.0) == pytest.approx(2.5, abs=0.01)
    assert ocv(1.0) == pytest.approx(3.45, abs=0.01)
    plateau = [ocv(s / 100) for s in range(15, 91)]
    assert 3.2 <= min(plateau) and max(plateau) <= 3.35
    assert max(plateau) - min(plateau) < 0.12
    assert ocv(0.05) - ocv(0.0) > 0.5                   # the bottom knee
    assert ocv(1.0) - ocv(0.95) > 0.09                  # the top knee
    points = [ocv(s / 1000) for s in range(-50, 1101)]
    assert all(b >= a for a, b in zip(points, points[1:]))


def test_a_pushed_cell_goes_over_3_6_v_at_the_top():
    sim = bench(soc=0.99)
    sim.profile.cv = False
    sim.profile.request_a = 40.0
    sim.run_until(600)
    assert sim.snapshot(1).max_cell[1] > 3600


# -- cells, current, voltage ---------------------------------------------------------------
def test_cell_voltage_jumps_by_i_times_r_when_a_load_starts():
    sim = bench(soc=0.5)
    sim.run_until(60)
    rest = sim.snapshot(1)
    sim.profile.request_a = -100.0
    sim.step(0.01)                       # too short for polarization to build up
    loaded = sim.snapshot(1)
    for before, after in zip(rest.cells_mv, loaded.cells_mv):
        drop = (before - after) / 1000 / 100
        assert 0.8 * 0.25e-3 < drop < 0.5e-3            # 0.25-0.5 mΩ per cell
    assert (rest.voltage_v - loaded.voltage_v) == pytest.approx(100 * 16 * CELL_R0_OHM, rel=0.3)


def test_coulomb_counting():
    sim = bench(soc=0.8)
    start = sim.snapshot(1)
    sim.profile.request_a = -50.0
    sim.run_until(3600)
    snap = sim.snapshot(1)
    assert start.remaining_ah - snap.remaining_ah == pytest.approx(50.0, abs=0.02)
    assert snap.soc == round(100 * snap.remaining_ah / snap.full_ah)
    assert snap.status is PackStatus.DISCHARGE and snap.current_a == -50.0


def test_capacity_spread_between_packs():
    sim = BatterySim(packs=8, seed=3)
    fulls = [s.full_ah for s in sim.snapshots()]
    assert all(196.0 <= f <= 204.0 for f in fulls)
    assert len(set(fulls)) == len(fulls)
    assert all(s.design_ah == 200.0 for s in sim.snapshots())


def test_mixed_scenario_has_100_ah_packs_on_older_firmware():
    sim = BatterySim(seed=1, scenario="mixed")
    snaps = sim.snapshots()
    assert [s.design_ah for s in snaps] == [200.0, 100.0, 200.0, 100.0]
    assert 98.0 <= snaps[1].full_ah <= 102.0
    assert snaps[0].settings.firmware != snaps[1].settings.firmware


def test_pack_voltage_is_the_sum_of_the_cells():
    sim = BatterySim(packs=2, seed=5)
    for t in range(0, 6 * 3600, 900):
        sim.run_until(t)
        for snap in sim.snapshots():
            assert snap.voltage_v == pytest.approx(sum(snap.cells_mv) / 1000, abs=0.01)


def test_reported_values_are_rounded_like_a_bms():
    sim = BatterySim(seed=2)
    sim.run_until(5000)
    snap = sim.snapshot(1)
    assert all(isinstance(mv, int) for mv in snap.cells_mv)
    assert len(snap.temps_c) == len(TEMP_SENSORS)
    for value, digits in [(t, 1) for t in snap.temps_c] + [(snap.current_a, 2),
                                                          (snap.voltage_v, 2),
                                                          (snap.remaining_ah, 2)]:
        assert value == round(value, digits)
    assert snap.timestamp == SIM_EPOCH + sim.t
    assert snap.limits is DEFAULT_LIMITS
    assert isinstance(snap.settings, PackSettings) and snap.settings.firmware == "PS16S-V6.0"
    assert snap.settings.bms_serial and snap.settings.pack_serial


# -- temperatures --------------------------------------------------------------------------
def test_current_heats_cells_and_mosfets_and_they_relax_to_the_room():
    sim = bench(soc=0.9, ambient_c=25.0)
    sim.profile.request_a = -150.0
    sim.run_until(3000)
    hot = sim.snapshot(1)
    assert hot.current_a == -150.0
    bms, mos, *cells, env = hot.temps_c
    assert all(c > 25.5 for c in cells)                  # I²R in the cells
    assert mos > max(cells) + 5                          # the FETs run hotter
    assert bms > env                                     # the board sits above the room
    assert env == pytest.approx(25.0, abs=0.5)
    sim.profile.request_a = 0.0
    sim.run_until(sim.t + 12 * 3600)
    cool = sim.snapshot(1)
    assert all(abs(c - 25.0) < 1.0 for c in cool.temps_c[2:6])
    assert cool.temps_c[1] < mos - 5
    assert 25.0 < cool.temps_c[0] < 29.0


def test_temperatures_relax_the_same_in_small_steps():
    coarse, fine = bench(ambient_c=10.0, cell_temp_c=30.0), bench(ambient_c=10.0,
                                                                  cell_temp_c=30.0)
    coarse.step(600.0)
    for _ in range(6000):
        fine.step(0.1)
    assert coarse.snapshot(1).temps_c == pytest.approx(fine.snapshot(1).temps_c, abs=0.11)


# -- cell counts, settings ------------------------------------------------------------------
def test_an_8_cell_pack():
    sim = BatterySim(packs=2, seed=1, cells=8)
    sim.run_until(3 * 3600)                 # through the CV charge at 28.0 V
    for snap in sim.snapshots():
        assert snap.cell_count == 8
        assert snap.voltage_v == pytest.approx(sum(snap.cells_mv) / 1000, abs=0.01)
        assert 25.0 < snap.voltage_v < 29.0
        assert snap.settings.cells_in_series == 8
        assert snap.temps_c[2] is not None and snap.temps_c[4] is None   # two cell sensors
        assert snap.soc == 100
        assert all(i < 8 for i in snap.balancing)


@pytest.mark.parametrize("kwargs,words", [
    (dict(packs=0), "packs"), (dict(packs=31), "packs"), (dict(packs=2.5), "packs"),
    (dict(cells=7), "cells"), (dict(cells=17), "cells"),
    (dict(scenario="nope"), "imbalance"), (dict(seed="x"), "seed"),
])
def test_bad_construction_says_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words):
        BatterySim(**kwargs)


def test_unknown_scenario_lists_the_names():
    with pytest.raises(ValueError) as info:
        BatterySim(scenario="tuesday")
    assert all(name in str(info.value) for name in SCENARIOS)


def test_defaults_and_addresses():
    sim = BatterySim()
    assert sim.addresses == (1,) and sim.t == 0.0
    assert BatterySim(packs=30).addresses == tuple(range(1, 31))
    assert BatterySim(scenario="pack-offline").addresses == (1, 2, 3)
    assert sim.snapshot(2) is None
    with pytest.raises(ValueError, match="address"):
        sim.settings(2)


def test_step_and_run_until():
    sim = BatterySim()
    sim.step()
    assert sim.t == 1.0
    sim.step(2.5)
    assert sim.t == pytest.approx(3.5)
    sim.run_until(10.25)
    assert sim.t == pytest.approx(10.25)
    sim.run_until(5)                       # never backwards
    assert sim.t == pytest.approx(10.25)
    with pytest.raises(ValueError):
        sim.step(-1)


# -- determinism and sharing ----------------------------------------------------------------
def test_same_seed_same_snapshots_other_seed_differs():
    a, b, c = (BatterySim(packs=3, seed=s, scenario="day") for s in (11, 11, 12))
    for sim in (a, b, c):
        sim.run_until(4000)
    assert a.snapshots() == b.snapshots()
    assert a.snapshots() != c.snapshots()
    assert [s.cells_mv for s in a.snapshots()] != [s.cells_mv for s in c.snapshots()]


def test_pack_one_does_not_depend_on_how_many_packs_run():
    one, many = BatterySim(packs=1, seed=4), BatterySim(packs=5, seed=4)
    one.run_until(3000)
    many.run_until(3000)
    assert one.snapshot(1) == many.snapshot(1)


def test_unchanged_parts_are_shared_between_snapshots():
    sim = BatterySim(seed=1)
    first = sim.snapshot(1)
    assert sim.snapshot(1) is first                  # nothing stepped: the same object
    sim.step()
    second = sim.snapshot(1)
    assert second is not first
    assert second.settings is first.settings and second.history is first.history


# -- speed ---------------------------------------------------------------------------------
def test_thirty_packs_run_at_least_1000_simulated_seconds_per_second():
    sim = BatterySim(packs=30, seed=1, scenario="day")
    sim.run_until(5000)                    # mid-charge: every pack carries current
    best = 0.0
    for _ in range(3):                     # best of three: a busy machine is not the sim
        start_t, start = sim.t, time.perf_counter()
        sim.run_until(start_t + 300)
        best = max(best, 300 / (time.perf_counter() - start))
    assert best >= 1000, f"{best:.0f} simulated s per wall s"
