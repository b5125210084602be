"""A short soak (bench/soak.py runs the 24 h one): every protection, every page, checked
on every frame and every publish; and proof that the checks can see what they look for."""
from __future__ import annotations

import pytest

import drivers.simbms.history
from bench.soak import SIM_PROTECTIONS, Soak
from hmi.bus import Freshness
from hmi.model import HISTORY_CAPACITY
from screens import PAGE_IDS


@pytest.fixture(scope="module")
def short_soak():
    # 60 short circuits in a row push the packs that pass that phase past 50 records;
    # clears and banner taps come often enough to happen in 90 minutes.
    soak = Soak(packs=10, profile="480x320", repeats={"short circuit": 60},
                banner_every_s=600, clear_every_s=1800)
    return soak.run(90 * 60)


def test_no_stale_value_is_drawn_as_live_and_no_check_fails(short_soak):
    r = short_soak
    assert r.stale_drawn_as_live == 0
    assert r.violation_count == 0, "\n".join(r.violations)
    assert r.errors_logged == 0


def test_every_frame_was_checked_in_every_link_state(short_soak):
    r = short_soak
    # One frame a simulated second: each publish changes the frame key.
    assert r.frames == r.seconds
    for shown in ("live", "stale", "withdrawn"):
        assert r.frames_by_values[shown] > 0, f"no frame showed {shown} values"
    assert set(r.pages_drawn) == set(PAGE_IDS)


def test_every_protection_tripped_and_the_history_kept_the_50_newest(short_soak):
    r = short_soak
    assert {name for name in r.trips} == {f.name for f in SIM_PROTECTIONS}
    assert r.trip_checks > 0
    assert r.max_held == HISTORY_CAPACITY
    assert r.records_dropped > 0, "no history ever overflowed: the 50 limit was not met"
    assert r.clears >= 1 and r.banner_taps >= 1


def test_the_frame_check_sees_stale_values_drawn_as_live():
    # A bus that keeps data live for ever, against the soak's own clock: the soak must say so.
    soak = Soak(packs=10, profile="480x320")
    soak.bus.freshness = Freshness(stale_after_s=1e9, lost_after_s=2e9)
    r = soak.run(50 * 60)   # packs 3, 5, 6, 8 and 9 fall silent for 9 s to 200 s by then
    assert r.stale_drawn_as_live > 0
    assert any("expected stale" in v or "expected withdrawn" in v for v in r.violations)


def test_the_history_check_sees_a_history_past_50(monkeypatch):
    monkeypatch.setattr(drivers.simbms.history, "HISTORY_CAPACITY", HISTORY_CAPACITY + 10)
    # Pack 1 starts in the short-circuit phase: 60 trips in about 13 minutes.
    soak = Soak(packs=2, profile="480x320", first_phase=3, repeats={"short circuit": 60},
                outages=False)
    r = soak.run(20 * 60)
    assert any("holds 51 records" in v for v in r.violations), r.violations
