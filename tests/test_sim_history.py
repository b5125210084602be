"""Seed 10.7: 50 alarm records, first in first out, newest first; the total counts all."""
from __future__ import annotations

from drivers.simbms import SIM_EPOCH, BatterySim
from hmi.model import HISTORY_CAPACITY, AlarmHistory, ProtectionFlag as P, alarm_code


def run_overcharge(seconds: float):
    """Run the overcharge story, noting every record the moment it is stored."""
    sim = BatterySim(seed=1, scenario="overcharge")
    seen = []
    total = 0
    while sim.t < seconds:
        sim.step()
        hist = sim.snapshot(1).history
        if hist.total != total:
            assert hist.total == total + 1          # one trip per second at most, here
            total = hist.total
            seen.append(hist.records[0])
    return sim, seen


def test_history_keeps_the_50_newest_newest_first_and_counts_all():
    sim, seen = run_overcharge(9 * 3600)         # two charge periods
    hist = sim.snapshot(1).history
    assert len(seen) > HISTORY_CAPACITY                 # the story overflows the store
    assert hist.total == len(seen)
    assert len(hist.records) == HISTORY_CAPACITY
    assert list(hist.records) == list(reversed(seen))[:HISTORY_CAPACITY]
    times = [r.time for r in hist.records]
    assert times == sorted(times, reverse=True)
    assert all(r.code == alarm_code(P.CELL_OV) for r in hist.records)
    assert all(SIM_EPOCH < r.time <= SIM_EPOCH + sim.t for r in hist.records)
    assert all(r.value >= 3750 and 1 <= r.index <= 16 for r in hist.records)


def test_a_few_hours_of_overcharge_leave_several_records():
    sim, seen = run_overcharge(2 * 3600)
    assert 5 <= sim.snapshot(1).history.total < HISTORY_CAPACITY


def test_clearing_empties_the_records_but_keeps_the_total():
    sim, seen = run_overcharge(3600)
    before = sim.snapshot(1).history
    assert before.total > 0
    cleared = sim.clear_history(1)
    assert cleared == AlarmHistory(total=before.total, records=())
    assert sim.snapshot(1).history is cleared
    while sim.snapshot(1).history.total == before.total:
        sim.step()
    after = sim.snapshot(1).history
    assert after.total == before.total + 1 and len(after.records) == 1


def test_the_day_stores_no_alarms():
    sim = BatterySim(seed=1, scenario="day")
    sim.run_until(26 * 3600)
    assert all(s.history.total == 0 for s in sim.snapshots())
