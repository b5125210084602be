"""Seed 10.5: active balancing closes a wide spread; passive bleeds the top of a charge."""
from __future__ import annotations

from drivers.simbms import SCENARIOS, BatterySim, manual_scenario
from drivers.simbms.balancing import PASSIVE_DIFF_MV
from hmi.model import DEFAULT_LIMITS as LIM


def test_active_balancing_narrows_a_wide_spread_and_stops_at_50_mv():
    sim = BatterySim(seed=1, scenario="imbalance")
    sim.step()
    start = sim.snapshot(1)
    assert start.spread_mv > LIM.balance_active_on_mv
    low = start.min_cell[0] - 1
    assert low in start.balancing and len(start.balancing) == 2   # highest → lowest
    spreads = [start.spread_mv]
    while sim.snapshot(1).balancing:
        sim.run_until(sim.t + 60)
        spreads.append(sim.snapshot(1).spread_mv)
        assert sim.t < 8 * 3600, "balancing never finished"
    assert spreads[-1] <= LIM.balance_active_off_mv
    assert spreads[-2] > LIM.balance_active_off_mv        # it stops at the off level
    # Narrowing, minute by minute, apart from a millivolt of rounding.
    assert all(b <= a + 1 for a, b in zip(spreads, spreads[1:]))
    done = sim.snapshot(1)
    sim.run_until(sim.t + 3600)
    assert not sim.snapshot(1).balancing                  # no new start below 150 mV
    assert sim.snapshot(1).spread_mv == done.spread_mv


def test_active_balancing_moves_charge_rather_than_burning_it():
    sim = BatterySim(seed=1, scenario="imbalance")
    before = sim.snapshot(1)
    sim.run_until(3600)
    after = sim.snapshot(1)
    low = before.min_cell[0] - 1
    assert after.cells_mv[low] - before.cells_mv[low] > 40        # the low cell rose
    others = [i for i in range(16) if i != low]
    assert max(after.cells_mv[i] for i in others) <= max(before.cells_mv[i] for i in others)
    assert after.current_a == 0.0        # nothing flows in or out of the pack meanwhile


def test_packs_without_a_wide_spread_do_not_balance_at_rest():
    sim = BatterySim(packs=2, seed=1, scenario="imbalance")
    sim.run_until(600)
    assert sim.snapshot(1).balancing and not sim.snapshot(2).balancing


def test_passive_balancing_bleeds_high_cells_only_while_charging_at_the_top():
    sim = BatterySim(seed=1, scenario=manual_scenario(soc=0.97))
    sim.profile.request_a = 30.0
    saw = False
    for _ in range(3 * 3600):
        sim.step()
        snap = sim.snapshot(1)
        if snap.spread_mv > LIM.balance_active_on_mv:
            continue                                      # active balancing has its own rule
        high = {i for i, mv in enumerate(snap.cells_mv)
                if mv >= max(LIM.balance_start_mv, snap.min_cell[1] + PASSIVE_DIFF_MV)}
        high.discard(snap.min_cell[0] - 1)
        if snap.current_a > 0.5:
            assert snap.balancing == high
            saw = saw or bool(high)
        if saw and snap.current_a < 1.0:
            break
    assert saw, "never bled a cell"
    sim.profile.request_a = 0.0
    sim.step()
    sim.step()
    assert not sim.snapshot(1).balancing                  # charging stopped: so does bleeding


def test_day_balances_at_the_top_of_the_charge_not_in_the_morning():
    sim = BatterySim(seed=1, scenario="day")
    sim.run_until(SCENARIOS["day"].moments["discharging"])
    assert not sim.snapshot(1).balancing
    sim.run_until(SCENARIOS["day"].moments["balancing"])
    assert sim.snapshot(1).balancing
