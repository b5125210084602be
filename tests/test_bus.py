"""The data bus: thread safety, wake-ups, and link states going stale and lost on time."""
import threading
import time

from hmi.bus import DataBus, FakeClock, Freshness
from hmi.model import LinkState, PackSnapshot


def snap(address=1, soc=50, t=0.0):
    return PackSnapshot(address=address, timestamp=t, cells_mv=(3300,) * 16,
                        temps_c=(20.0,) * 7, current_a=0.0, voltage_v=52.8, soc=soc)


def test_link_goes_stale_then_lost_on_time_and_lost_withdraws_values():
    clock = FakeClock(epoch=1_000_000.0)
    bus = DataBus(clock, Freshness(stale_after_s=5, lost_after_s=15))
    bus.publish(snap())
    assert bus.view().pack(1).link.state is LinkState.LIVE
    clock.advance(4.9)
    assert bus.view().pack(1).link.state is LinkState.LIVE
    clock.advance(0.1)
    view = bus.view().pack(1)
    assert view.link.state is LinkState.STALE
    assert view.snapshot is not None and round(view.link.age_s, 6) == 5.0
    clock.advance(10)
    view = bus.view().pack(1)
    assert view.link.state is LinkState.LOST
    assert view.snapshot is None, "lost data must be withdrawn, not drawn"
    assert view.link.last_seen == 1_000_000.0
    bus.publish(snap())
    assert bus.view().pack(1).live


def test_configured_pack_that_never_answered_is_lost_with_reason():
    bus = DataBus(FakeClock(0.0))
    bus.configure([1, 2])
    bus.publish(snap(1))
    bus.report_problem(2, "no reply")
    v = bus.view()
    assert [p.address for p in v.packs] == [1, 2]
    assert v.pack(2).link.state is LinkState.LOST and v.pack(2).link.detail == "no reply"


def test_publish_wakes_waiter_and_calls_waker():
    bus = DataBus(FakeClock(0.0))
    woken = []
    bus.set_waker(lambda: woken.append(1))
    v0 = bus.version
    t = threading.Thread(target=lambda: bus.publish(snap()))
    t.start()
    assert bus.wait(v0, timeout=5.0)
    t.join()
    assert woken and bus.version > v0
    assert not bus.wait(bus.version, timeout=0.05), "no publish, no wake"


def test_a_wait_after_an_unanswered_publish_still_sleeps_its_time():
    bus = DataBus(FakeClock(0.0))
    bus.publish(snap())  # rings the doorbell; nobody was waiting
    t0 = time.monotonic()
    assert not bus.wait(bus.version, timeout=0.2)
    assert time.monotonic() - t0 >= 0.19, "an old ring must not end a wait early"


def test_the_waiter_misses_no_publish_from_many_threads():
    bus = DataBus(FakeClock(0.0))
    n_threads, n_each = 4, 300
    def publisher(address):
        for i in range(n_each):
            bus.publish(snap(address))
            if i % 50 == 0:
                time.sleep(0.001)

    threads = [threading.Thread(target=publisher, args=(a,)) for a in range(1, n_threads + 1)]
    for t in threads:
        t.start()
    seen, wakes = bus.version, 0
    final = n_threads * n_each
    while seen < final:
        assert bus.wait(seen, timeout=5.0), f"stuck at version {seen} of {final}"
        seen, wakes = bus.version, wakes + 1
    for t in threads:
        t.join()
    assert seen == final and 1 <= wakes <= final


def test_concurrent_publishers_and_reader_see_consistent_latest_values():
    bus = DataBus(FakeClock(0.0))
    n_packs, n_each = 8, 400
    errors = []

    def writer(address):
        for i in range(n_each):
            bus.publish(snap(address, soc=i % 101))

    def reader():
        for _ in range(500):
            v = bus.view()
            addrs = [p.address for p in v.packs]
            if addrs != sorted(set(addrs)):
                errors.append(addrs)

    threads = [threading.Thread(target=writer, args=(a,)) for a in range(1, n_packs + 1)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    v = bus.view()
    assert [p.address for p in v.packs] == list(range(1, n_packs + 1))
    assert all(p.snapshot.soc == (n_each - 1) % 101 for p in v.packs)
    assert v.version == n_packs * n_each


def test_a_broken_waker_does_not_break_the_publisher():
    bus = DataBus(FakeClock(0.0))
    bus.set_waker(lambda: 1 / 0)
    bus.publish(snap())
    assert bus.view().pack(1).live
