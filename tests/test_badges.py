"""The freshness badge: what the header's corner says on each kind of page and source."""
from hmi.bus import DataBus, FakeClock, Freshness
from hmi.chrome import badge_for
from hmi.model import PackSnapshot, SystemSnapshot
from screens import all_pages

PAGES = all_pages()


def snap(address):
    return PackSnapshot(address=address, timestamp=1_000.0, cells_mv=(3300,) * 16,
                        temps_c=(20.0,) * 7, current_a=0.0, voltage_v=52.8, soc=50)


def bus_with(addresses, source="sim"):
    clock = FakeClock(0.0)
    bus = DataBus(clock, Freshness(5, 15), source=source)
    bus.configure(addresses)
    return clock, bus


def test_pack_page_follows_its_pack_and_master_pages_the_worst_pack():
    clock, bus = bus_with([1, 2, 3])
    for a in (1, 2, 3):
        bus.publish(snap(a))
    clock.advance(6)
    bus.publish(snap(1))
    bus.publish(snap(3))
    state = bus.view()
    assert badge_for(state, PAGES["pack"], state.pack(1)).text == "LIVE"
    assert badge_for(state, PAGES["system"], None).text == "1 STALE"
    clock.advance(10)
    bus.publish(snap(1))
    bus.publish(snap(3))
    state = bus.view()
    assert badge_for(state, PAGES["packs"], None) .tone == "lost"
    assert badge_for(state, PAGES["pack"], state.pack(2)).text == "LINK LOST"


def test_a_recording_is_never_labelled_live():
    clock, bus = bus_with([], source="replay:site.log")
    bus.publish_system(SystemSnapshot(timestamp=1781510400.0 + 3600, soc=50.0))
    state = bus.view()
    b = badge_for(state, PAGES["system"], None)
    assert b.tone == "replay" and b.text == "REPLAY · 09:00:00"
    clock.advance(3)
    assert badge_for(bus.view(), PAGES["system"], None).tone == "replay"
    clock.advance(3)
    assert badge_for(bus.view(), PAGES["system"], None).tone == "stale"
