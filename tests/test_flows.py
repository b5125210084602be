"""What a person does on the alarms and inverter pages, and sleep/wake, end to end."""
from pathlib import Path

import pytest

from hmi.backlight import SysfsBacklight
from hmi.model import HISTORY_CAPACITY
from tests.harness import Harness


def history_of(h, address=1):
    return h.bus.view().pack(address).snapshot.history


def with_history(profile="480x320", **kw):
    """A pack whose history is full: the overcharge scenario trips OV again and again."""
    h = Harness(profile, scenario="overcharge", at="protect", start_page="alarms", **kw)
    assert len(history_of(h).records) > 0
    return h


# -- alarms ------------------------------------------------------------------------------
def scroll_limits(h):
    (action,) = [t.action for t in h.app._targets if t.action[0] == "scroll_area"]
    return action[3]


def test_scroll_by_buttons_and_by_drag_and_stops_at_the_ends():
    h = with_history()
    max_first = scroll_limits(h)
    assert max_first > 0, "more records than fit"
    assert not h.targets(lambda a: a[:2] == ("scroll", "alarms") and a[2] < 0), \
        "up is disabled at the top"
    h.tap("scroll", "alarms")                    # the only scroll button: down
    page = h.app.ui.scroll_of("alarms")
    assert page > 0
    h.tap_at(h.target("scroll", "alarms").center)  # now both exist; the later one is down
    h.tap(*[a for a in (t.action for t in h.app._targets) if a[:2] == ("scroll", "alarms")
            and a[2] < 0][0])
    assert h.app.ui.scroll_of("alarms") == min(max_first, 2 * page) - page
    h.app.ui = type(h.app.ui)(page="alarms")
    h.frame()
    area = h.target("scroll_area", "alarms")
    h.drag((area.centerx, area.bottom - 5), (area.centerx, area.top + 5))  # finger moves up
    assert h.app.ui.scroll_of("alarms") > 0, "a drag scrolls"
    for _ in range(60):
        h.drag((area.centerx, area.bottom - 5), (area.centerx, area.top + 5))
    assert h.app.ui.scroll_of("alarms") == max_first, "stops at the end"
    assert not h.targets(lambda a: a[:2] == ("scroll", "alarms") and a[2] > 0)


def test_a_drag_does_not_open_the_record_under_the_finger():
    h = with_history()
    row = h.target("open_alarm")
    h.drag(row.center, (row.centerx, row.centery - 3 * h.app.profile.row_h))
    assert h.app.ui.dialog == ()


def test_tap_on_a_record_explains_it_in_plain_words():
    h = with_history()
    rec = history_of(h).records[0]
    h.tap("open_alarm", 0)
    assert h.app.ui.dialog[:2] == ("alarm_detail", 0)
    h.tap("close_dialog")
    assert h.app.ui.dialog == ()
    assert rec.code is not None


def test_clear_asks_first_and_shows_cleared_only_after_the_driver_confirms():
    h = with_history()
    before = history_of(h)
    h.tap("ask_clear")
    assert h.app.ui.dialog == ("confirm_clear",)
    h.tap("close_dialog")                       # cancel: nothing sent
    assert h.commands == [] and history_of(h) == before
    h.tap("ask_clear")
    h.tap("clear_history")
    assert [c.kind for c in h.commands] == ["clear_history"]
    assert history_of(h).records == ()
    assert history_of(h).total == before.total
    assert h.app.notice is not None and h.app.notice.ok and "cleared" in h.app.notice.text


def test_a_clear_the_bms_refuses_leaves_the_list_as_it_was():
    h = with_history(fail_with="exception 2 at 610")
    before = history_of(h)
    h.tap("ask_clear")
    h.tap("clear_history")
    assert history_of(h) == before
    assert not h.app.notice.ok and "exception 2" in h.app.notice.text


# -- inverter settings -------------------------------------------------------------------
def enter_pin(h, pin):
    for d in pin:
        h.tap("pin_key", d)
    h.tap("pin_ok")


def settings_of(h):
    return h.bus.view().local.snapshot.settings


def test_apply_needs_the_pin_writes_reads_back_and_only_then_says_applied():
    h = Harness(start_page="protocol")
    old = settings_of(h)
    h.tap("brand", 3)                                # SMA
    h.tap("step", "cvl", +1)
    h.tap("step", "cvl", +1)
    assert settings_of(h) == old, "editing changes nothing on the BMS"
    h.tap("apply")
    enter_pin(h, "9999")
    assert h.app.ui.dialog == ("pin", "", "Wrong PIN") and h.commands == []
    enter_pin(h, "1234")
    assert h.app.ui.dialog == ("confirm_write",)
    h.tap("confirm_write")
    (cmd,) = h.commands
    assert dict(cmd.changes) == {"protocol_id": 3,
                                 "charge_voltage_limit_v": round(old.charge_voltage_limit_v + 0.2, 1)}
    new = settings_of(h)
    assert new.protocol_id == 3
    assert new.charge_voltage_limit_v == pytest.approx(old.charge_voltage_limit_v + 0.2)
    assert h.app.notice.ok and h.app.notice.text.startswith("Applied")
    assert h.app.ui.draft == ()


def test_a_failed_write_says_why_and_changes_nothing_on_screen():
    h = Harness(start_page="protocol", fail_with="read back 56.0 V, wrote 56.1 V")
    old = settings_of(h)
    h.tap("step", "cvl", +1)
    h.tap("apply")
    enter_pin(h, "1234")
    h.tap("confirm_write")
    assert settings_of(h) == old
    assert h.app.ui.draft == (), "the page shows the BMS's values again"
    assert not h.app.notice.ok and "read back" in h.app.notice.text


def test_values_out_of_range_cannot_be_entered():
    h = Harness(start_page="protocol")
    for _ in range(200):
        if not h.targets(lambda a: a == ("step", "cvl", 1)):
            break
        h.tap("step", "cvl", +1)
    assert h.app.ui.draft[2] == 600, "stops at 60.0 V"
    for _ in range(60):
        if not h.targets(lambda a: a == ("step", "address", -1)):
            break
        h.tap("step", "address", -1)
    assert h.app.ui.draft[1] == 0


def test_an_address_change_warns_that_the_bms_must_restart():
    h = Harness(start_page="protocol")
    h.tap("step", "address", +1)
    h.tap("apply")
    enter_pin(h, "1234")
    assert h.app.ui.dialog == ("confirm_write",)
    # The warning is drawn in the confirmation; the write then goes through as usual.
    h.tap("confirm_write")
    assert settings_of(h).address == 2


# -- banner, sleep and wake --------------------------------------------------------------
def test_a_new_protection_raises_a_banner_on_any_page_and_a_tap_opens_it():
    h = Harness(scenario="short", at=600, start_page="temps")
    assert h.app.banners == ()
    h.advance(40)
    assert h.app.banners, "the short circuit trips within the scenario's window"
    banner = h.app.banners[-1]
    h.tap("banner", banner.address, banner.code)
    assert h.page == "alarms" and h.app.ui.dialog[0] == "alarm_detail"
    assert h.app.banners == ()


def test_sleep_after_idle_and_the_waking_touch_is_swallowed(tmp_path: Path):
    dev = tmp_path / "backlight" / "panel"
    dev.mkdir(parents=True)
    (dev / "bl_power").write_text("0\n")
    h = Harness(start_page="cells", sleep_after_s=30, backlight=SysfsBacklight(dev))
    h.advance(29)
    assert not h.app.asleep
    h.advance(2)
    assert h.app.asleep and (dev / "bl_power").read_text() == "4\n"
    temps_button = h.target("goto", "temps")
    h.tap_at(temps_button.center)             # wakes, must not press "Temp"
    assert not h.app.asleep and (dev / "bl_power").read_text() == "0\n"
    assert h.page == "logo"
    h.advance(2)
    assert h.page == "cells", "back to the page that was open"


def test_a_new_protection_wakes_the_screen_to_the_alarm():
    h = Harness(scenario="short", at=560, start_page="pack", sleep_after_s=5)
    h.advance(6)
    assert h.app.asleep
    h.advance(45)
    assert not h.app.asleep
    h.advance(2)
    assert h.page == "alarms"


def test_changing_the_masters_address_warns_of_the_consequences():
    from screens.protocol import address_warnings
    h = Harness(packs=3, start_page="protocol")
    state = h.bus.view()
    from screens.context import PageContext
    ctx = PageContext(state, h.app.ui, state.local)
    warnings = address_warnings(2, 1, ctx)
    assert any("master" in w for w in warnings)
    assert any("already used by PACK-2" in w for w in warnings)
    assert any("restarts" in w for w in warnings)
    assert address_warnings(1, 1, ctx) == []
    assert not any("already used" in w for w in address_warnings(9, 1, ctx))
