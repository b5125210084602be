"""The live CAN driver on python-can's virtual bus: source strings, decoding on a thread,
lost link, open failures and a vanishing adapter, recording."""
from __future__ import annotations

import can
import pytest

from drivers import open_source
from drivers.base import DriverError
from drivers.can import CanDriver
from drivers.can.broadcast import master_frames
from drivers.can.decode import SystemDecoder
from hmi.bus import FakeClock
from hmi.model import LinkState
from tests.can_support import CollectingBus, channel, pack, wait_for

PACKS = [pack(a) for a in (1, 2, 3)]


@pytest.fixture
def link():
    """(driver, data bus, sending bus) on a fresh virtual channel; all closed after."""
    made = []

    def make(options: str = ""):
        ch = channel("drv")
        driver = CanDriver.from_source(f"virtual:{ch}{'?' + options if options else ''}")
        bus = CollectingBus(freshness=driver.freshness)
        tx = can.Bus(interface="virtual", channel=ch)
        made.append((driver, tx))
        driver.start(bus)
        # A virtual bus drops frames sent before the receiver opened its end.
        wait_for(lambda: driver.connected, what="the driver's bus to open")
        return driver, bus, tx

    yield make
    for driver, tx in made:
        driver.stop()
        tx.shutdown()


def send(tx: can.BusABC, frames) -> None:
    for f in frames:
        tx.send(f)


# -- source strings ----------------------------------------------------------------------
def test_source_socketcan_defaults():
    d = CanDriver.from_source("socketcan:can0")
    assert (d.name, d.interface, d.channel, d.bitrate, d.silence_s) == \
        ("can", "socketcan", "can0", 500_000, 5.0)
    assert d.freshness.lost_after_s == 5.0 and d.record_path is None


def test_source_options_and_pass_through():
    d = CanDriver.from_source(
        "slcan:/dev/ttyACM0@115200?bitrate=250000&silence=3&record=x.asc&tty_baudrate=115200"
        "&fd=false&app_name=hmi")
    assert (d.interface, d.channel, d.bitrate, d.silence_s, d.record_path) == \
        ("slcan", "/dev/ttyACM0@115200", 250_000, 3.0, "x.asc")
    assert d.bus_options == {"tty_baudrate": 115200, "fd": False, "app_name": "hmi"}


def test_registry_opens_the_can_driver():
    d = open_source("can:virtual:reg")
    assert isinstance(d, CanDriver) and d.channel == "reg"


@pytest.mark.parametrize("arg,words", [
    ("", "can:INTERFACE"), ("canbus:can0", "unknown python-can interface"),
    ("socketcan:can0?bitrate=fast", "number"), ("socketcan:can0?silence=0", "more than 0"),
    ("socketcan:can0?record=trace.txt", "*.log"), ("socketcan:can0?bitrate", "name=value"),
    ("virtual:x?sim=2&scenario=moon", "unknown scenario"), ("virtual:x?sim=two", "number"),
])
def test_bad_source_strings_say_what_to_write(arg, words):
    with pytest.raises(DriverError) as err:
        CanDriver.from_source(arg)
    assert words in str(err.value)


# -- decoding on the link thread ---------------------------------------------------------
def test_a_burst_becomes_one_complete_system_snapshot(link):
    driver, bus, tx = link()
    send(tx, master_frames(PACKS, 0.0))
    system = wait_for(lambda: bus.view().system, what="a system snapshot")
    assert system.packs == 3 and system.manufacturer == "PYLON"
    assert system.current_a == pytest.approx(-12.3 * 6, abs=0.05)
    assert system.min_cell_mv == 3301 and system.max_cell_mv == 3318
    assert bus.view().system_link.state is LinkState.LIVE
    c = driver.counters()
    assert c.frames == c.decoded == len(master_frames(PACKS, 0.0))
    assert 1 <= c.published <= 2 and bus.published[-1] == system
    assert system.min_cell_name == "1-1" and "min_cell_name" not in driver.extras()


def test_junk_on_the_bus_is_counted_and_the_link_goes_on(link):
    driver, bus, tx = link()
    send(tx, [
        can.Message(arbitration_id=0x7E0, data=b"\x01\x02", is_extended_id=False),
        can.Message(arbitration_id=0x356, data=b"\x8e", is_extended_id=False),
        can.Message(arbitration_id=0x35E, data=b"P\xffLON", is_extended_id=False),
        can.Message(is_error_frame=True),
        can.Message(arbitration_id=0x356, data=bytes.fromhex("8E14F9FFB400"),
                    is_extended_id=False),
    ])
    system = wait_for(lambda: bus.view().system, what="the good frame after the junk")
    assert system.voltage_v == 52.62 and system.manufacturer is None
    c = wait_for(lambda: (c := driver.counters()).frames == 5 and c, what="5 frames")
    assert (c.unknown, c.malformed, c.error_frames, c.short, c.decoded) == (1, 2, 1, 1, 1)
    assert driver.loop._thread.is_alive()


def test_silence_loses_the_link_and_says_so(link):
    driver, bus, tx = link("silence=0.4")
    send(tx, master_frames(PACKS, 0.0))
    wait_for(lambda: bus.view().system, what="live system")
    view = wait_for(lambda: (v := bus.view()).system_link.state is LinkState.LOST and v,
                    what="the link to be lost")
    assert view.system is None  # withdrawn, not shown as if live
    assert view.system_link.detail.startswith("no frames for ")
    send(tx, master_frames(PACKS, 0.0))
    view = wait_for(lambda: (v := bus.view()).system_link.state is LinkState.LIVE and v,
                    what="the link back")
    assert view.system_link.detail == "" and view.system.packs == 3


def test_inverter_keepalive_does_not_keep_a_silent_battery_live(link):
    driver, bus, tx = link("silence=0.4")
    send(tx, master_frames(PACKS, 0.0))
    wait_for(lambda: bus.view().system, what="live system")
    keepalive = can.Message(arbitration_id=0x305, data=bytes(8), is_extended_id=False)

    def lost_while_the_inverter_talks():
        tx.send(keepalive)
        v = bus.view()
        return v.system_link.state is LinkState.LOST and v.system_link.detail and v

    view = wait_for(lost_while_the_inverter_talks, what="the battery's link to be lost")
    assert view.system_link.detail.startswith("no battery frames for ")


def test_freshness_of_the_default_link_on_a_fake_clock():
    driver = CanDriver.from_source("virtual:fake")
    clock = FakeClock(epoch=1_000_000.0)
    bus = CollectingBus(clock=clock, freshness=driver.freshness)
    decoder = SystemDecoder()
    for f in master_frames(PACKS, 5.0):
        decoder.feed(f)
    bus.publish_system(decoder.snapshot())
    states = []
    for step in (2.4, 0.2, 2.3, 0.2):
        clock.advance(step)
        states.append(bus.view().system_link.state)
    assert states == [LinkState.LIVE, LinkState.STALE, LinkState.STALE, LinkState.LOST]


def test_no_frames_ever_is_reported_too(link):
    _, bus, _ = link("silence=0.3")
    view = wait_for(lambda: (v := bus.view()).system_link and v, what="a report")
    assert view.system_link.state is LinkState.LOST
    assert view.system_link.detail.startswith("no frames for")


# -- failures of the adapter -------------------------------------------------------------
class FlakyFactory:
    """Fails to open ``failures`` times (no such device), then opens a virtual bus."""

    def __init__(self, failures: int):
        self.failures = failures
        self.calls = 0

    def __call__(self, interface, channel, **kw):
        self.calls += 1
        if self.calls <= self.failures:
            raise OSError(19, "No such device")
        return can.Bus(interface="virtual", channel=channel)


def test_open_failure_is_reported_and_retried_with_backoff():
    ch = channel("flaky")
    factory = FlakyFactory(failures=2)
    driver = CanDriver("virtual", ch, bus_factory=factory)
    driver.loop.BACKOFF_S = (0.05, 0.2)
    bus = CollectingBus(freshness=driver.freshness)
    tx = can.Bus(interface="virtual", channel=ch)
    try:
        driver.start(bus)
        detail = wait_for(lambda: (l := bus.view().system_link) and l.detail, what="report")
        assert detail.startswith(f"cannot open virtual {ch}: [Errno 19] No such device")
        assert "retrying in" in detail
        wait_for(lambda: factory.calls == 3, what="third attempt")
        wait_for(lambda: driver.counters().reconnects == 1, what="reconnect counted")
        wait_for(lambda: driver.connected, what="the bus open")
        send(tx, master_frames(PACKS, 0.0))
        wait_for(lambda: bus.view().system, what="frames after the reconnect")
        assert driver.counters().bus_errors == 2
    finally:
        driver.stop()
        tx.shutdown()


def test_a_real_missing_socketcan_interface_never_raises():
    driver = CanDriver.from_source("socketcan:nosuchcan9")
    driver.loop.BACKOFF_S = (0.05, 0.1)
    bus = CollectingBus(freshness=driver.freshness)
    try:
        driver.start(bus)
        detail = wait_for(lambda: (l := bus.view().system_link) and l.detail, what="report")
        assert detail.startswith("cannot open socketcan nosuchcan9")
        assert bus.view().system_link.state is LinkState.LOST
        wait_for(lambda: driver.counters().bus_errors >= 2, what="a retry")
    finally:
        driver.stop()


class VanishingBus(can.BusABC):
    """A bus that delivers its frames, then fails as an unplugged USB adapter does."""

    def __init__(self, frames, channel="usb0", **kw):
        self.frames = list(frames)
        self.channel_info = channel
        super().__init__(channel=channel, **kw)

    def _recv_internal(self, timeout):
        if self.frames:
            return self.frames.pop(0), False
        raise can.CanOperationError("device disconnected")

    def send(self, msg, timeout=None):
        raise NotImplementedError


def test_adapter_unplugged_while_running_is_reopened():
    opened = []

    def factory(interface, channel, **kw):
        bus = VanishingBus(master_frames(PACKS, float(len(opened))))
        opened.append(bus)
        return bus

    driver = CanDriver("virtual", "usb0", bus_factory=factory)
    driver.loop.BACKOFF_S = (0.05, 0.1)
    bus = CollectingBus(freshness=driver.freshness)
    try:
        driver.start(bus)
        wait_for(lambda: len(opened) >= 2, what="a re-open after the failure")
        c = driver.counters()
        assert c.bus_errors >= 1 and c.reconnects >= 1
        assert "device disconnected" in c.last_problem
        assert bus.published and bus.published[0].packs == 3
    finally:
        driver.stop()


# -- recording ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".log", ".asc", ".blf"])
def test_record_option_writes_every_frame_the_link_carried(link, tmp_path, suffix):
    path = tmp_path / f"site{suffix}"
    driver, bus, tx = link(f"record={path}")
    frames = master_frames(PACKS, 0.0) + [
        can.Message(arbitration_id=0x7E0, data=b"\x01", is_extended_id=False)]
    send(tx, frames)
    wait_for(lambda: driver.counters().frames == len(frames), what="all frames")
    driver.stop()
    got = [m for m in can.LogReader(path)]
    assert [(m.arbitration_id, bytes(m.data)) for m in got] == \
        [(f.arbitration_id, bytes(f.data)) for f in frames]


def test_recording_starts_and_stops_on_the_fly(link, tmp_path):
    driver, bus, tx = link()
    send(tx, master_frames(PACKS, 0.0)[:2])
    wait_for(lambda: driver.counters().frames == 2, what="unrecorded frames")
    recorder = driver.start_recording(tmp_path / "later.log")
    send(tx, master_frames(PACKS, 0.0)[2:5])
    wait_for(lambda: driver.counters().frames == 5, what="recorded frames")
    driver.stop_recording()
    send(tx, master_frames(PACKS, 0.0)[5:7])
    wait_for(lambda: driver.counters().frames == 7, what="frames after the recording")
    assert recorder.frames == 3
    assert [m.arbitration_id for m in can.LogReader(tmp_path / "later.log")] == \
        [0x355, 0x356, 0x35C]


def test_a_recording_that_cannot_open_leaves_the_link_running(link, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    driver, bus, tx = link()
    assert driver.start_recording(blocker / "sub" / "x.log") is None
    assert "cannot record" in driver.counters().last_problem
    send(tx, master_frames(PACKS, 0.0))
    wait_for(lambda: bus.view().system, what="frames without a recording")
