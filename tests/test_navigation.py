"""Touch navigation at every panel size: the bar changes pages, taps act on release."""
import pytest

from hmi.profile import PROFILES
from tests.harness import Harness


@pytest.mark.parametrize("profile", list(PROFILES))
def test_nav_bar_reaches_every_page_at_every_profile(profile):
    h = Harness(profile, packs=2, start_page="pack")
    expected = ["pack", "cells", "temps", "alarms", "protocol", "system", "packs"]
    bar = [t.action[1] for t in h.app._targets if t.action[0] == "goto"]
    assert bar == expected
    for page in reversed(expected):
        rect = h.target("goto", page)
        assert rect.bottom == PROFILES[profile].height, "the bar sits at the bottom edge"
        h.tap_at(rect.center)
        assert h.page == page


@pytest.mark.parametrize("profile", list(PROFILES))
def test_touch_targets_are_at_least_nine_mm(profile):
    h = Harness(profile, start_page="cells")
    p = PROFILES[profile]
    for rect in h.targets(lambda a: a[0] == "goto"):
        assert rect.height >= p.min_touch_px and rect.width >= p.min_touch_px, rect


def test_slave_battery_has_no_system_or_packs_pages():
    h = Harness(packs=1, local_address=2, start_page="pack")
    pages = [t.action[1] for t in h.app._targets if t.action[0] == "goto"]
    assert "system" not in pages and "packs" not in pages
    assert pages[:5] == ["pack", "cells", "temps", "alarms", "protocol"]


def test_tap_acts_on_release_and_only_on_the_same_target():
    h = Harness(start_page="pack")
    cells = h.target("goto", "cells")
    temps = h.target("goto", "temps")
    h.app.press(cells.center)
    h.frame()
    assert h.page == "pack", "nothing happens on press"
    h.app.release(temps.center)  # slid off onto another button
    h.frame()
    assert h.page == "pack"
    h.app.press(cells.center)
    h.app.release(cells.center)
    h.frame()
    assert h.page == "cells"


def test_logo_moves_on_to_the_pack_page_by_itself():
    h = Harness(start_page="logo")
    assert h.page == "logo"
    h.advance(1)
    assert h.page == "logo"
    h.advance(2)
    assert h.page == "pack"


def test_page_shows_lost_link_when_the_pack_falls_silent():
    h = Harness(start_page="pack")
    h.advance(6, publish=False)
    state = h.bus.view()
    assert state.local.link.state.value == "stale" and state.local.snapshot is not None
    h.advance(10, publish=False)
    state = h.bus.view()
    assert state.local.link.state.value == "lost" and state.local.snapshot is None
    h.publish()
    h.frame()
    assert h.bus.view().local.live


def test_each_page_id_opens_the_page_that_has_that_id():
    from screens import PAGE_IDS, all_pages
    pages = all_pages()
    assert tuple(pages) == PAGE_IDS
    assert [p.id for p in pages.values()] == list(PAGE_IDS)
