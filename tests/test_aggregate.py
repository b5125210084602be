"""System totals on the master: weighted SOC, sums, extremes with their place, and packs
without live data left out (never averaged in as zeros)."""
import pytest

from hmi.aggregate import summarize
from hmi.model import LinkState, PackLink, PackSnapshot, PackView, ProtectionFlag

LIVE = PackLink(LinkState.LIVE, 1.0)
STALE = PackLink(LinkState.STALE, 8.0)
LOST = PackLink(LinkState.LOST, 40.0)


def pack(address, *, soc, full, current=0.0, volts=52.0, cells=None, temps=None, link=LIVE,
         protections=frozenset()):
    snap = PackSnapshot(address=address, timestamp=0.0,
                        cells_mv=tuple(cells or (3300,) * 16),
                        temps_c=tuple(temps or (20.0,) * 7), current_a=current,
                        voltage_v=volts, soc=soc, remaining_ah=full * soc / 100, full_ah=full,
                        protections=protections)
    return PackView(address, None if link.state is LinkState.LOST else snap, link)


def test_soc_is_weighted_by_capacity_not_averaged():
    s = summarize([pack(1, soc=20, full=100), pack(2, soc=80, full=200)])
    assert s.soc == pytest.approx(60.0)
    assert s.remaining_ah == pytest.approx(180.0) and s.full_ah == pytest.approx(300.0)


def test_stale_and_lost_packs_are_excluded_and_listed():
    s = summarize([pack(1, soc=50, full=200, current=-10, volts=52.0),
                   pack(2, soc=0, full=200, current=0, volts=0.0, link=STALE),
                   pack(3, soc=0, full=200, link=LOST),
                   pack(4, soc=70, full=200, current=-30, volts=52.4)])
    assert s.included == (1, 4) and s.excluded == (2, 3) and s.configured == 4
    assert s.soc == pytest.approx(60.0)
    assert s.current_a == pytest.approx(-40.0)
    assert s.voltage_v == pytest.approx(52.2)


def test_extremes_name_their_place():
    cells_a = [3300] * 16
    cells_a[6] = 3412
    cells_b = [3300] * 16
    cells_b[11] = 3190
    temps_b = [20.0] * 7
    temps_b[4] = 41.5  # Cell3
    temps_b[6] = -3.0  # Environment
    s = summarize([pack(1, soc=50, full=200, cells=cells_a),
                   pack(2, soc=50, full=200, cells=cells_b, temps=temps_b)])
    assert (s.max_cell.value, s.max_cell.place) == (3412, "1-7")
    assert (s.min_cell.value, s.min_cell.place) == (3190, "2-12")
    assert (s.max_temp.value, s.max_temp.place) == (41.5, "2-Cell3")
    assert (s.min_temp.value, s.min_temp.place) == (-3.0, "2-Environment")


def test_active_alarms_across_packs_and_absent_sensors_ignored():
    temps = [None] + [20.0] * 6
    s = summarize([pack(1, soc=50, full=200, temps=temps),
                   pack(2, soc=50, full=200, protections=frozenset({ProtectionFlag.CELL_OV}))])
    assert s.active_alarms == ((2, "CELL_OV"),)
    assert s.min_temp.value == 20.0


def test_nothing_live_gives_no_numbers_at_all():
    s = summarize([pack(1, soc=50, full=200, link=STALE)])
    assert s.soc is None and s.current_a is None and s.max_cell is None
    assert s.excluded == (1,)


def test_a_lost_pack_says_since_when_or_why_on_the_system_page():
    from hmi.model import LinkState, PackLink
    from screens.system import excluded_text
    heard = PackLink(LinkState.LOST, 40.0, 1781510400.0 + 3600, "no reply")
    never = PackLink(LinkState.LOST, None, None, "no data yet")
    assert excluded_text([2], {2: heard}) == "P2 lost since 09:00:00"  # TZ=UTC in tests
    assert excluded_text([2], {2: never}) == "P2 lost, no data yet"
    assert excluded_text([2, 5], {2: heard, 5: never}) == "P2 lost, P5 lost"
