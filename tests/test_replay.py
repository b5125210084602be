"""Replay: the committed sample at known moments, timing and speed, loop, end of file,
record-then-replay, and the hook for Modbus captures."""
from __future__ import annotations

import dataclasses
import logging
import re
import sys
import time
import types

import can
import pytest

from drivers import open_source
from drivers.base import DriverError
from drivers.can import CanDriver
from drivers.can.broadcast import master_frames
from drivers.replay import ReplayDriver, system_at
from drivers.simbms import SIM_EPOCH
from hmi.bus import DataBus, FakeClock
from hmi.model import LinkState
from tests.can_support import CollectingBus, channel, pack, wait_for
from tests.conftest import ROOT

SAMPLE = ROOT / "assets" / "recordings" / "sample-can.log"
T0 = SIM_EPOCH + 2301.0  # the sample's first frame (see tools/make_sample_can_log.py)
BURST_END = 0.024        # the 13th frame of a burst, 2 ms apart

#: seconds after T0 → what the system page must show then (pinned from the sample).
KNOWN = {
    0 + BURST_END: dict(voltage_v=52.0, current_a=-10.4, soc=28.34, min_cell_mv=3241,
                        max_cell_mv=3256),
    50 + BURST_END: dict(voltage_v=52.08, current_a=0.0, soc=28.33, min_cell_mv=3247,
                         max_cell_mv=3261),
    89 + BURST_END: dict(voltage_v=52.13, current_a=8.3, soc=28.33, min_cell_mv=3251,
                         max_cell_mv=3264),
}
EVERY_SECOND = dict(packs=4, soh=98.0, temperature_c=22.0, charge_voltage_limit_v=56.0,
                    discharge_voltage_limit_v=40.0, charge_current_limit_a=800.0,
                    discharge_current_limit_a=800.0, manufacturer="PYLON",
                    protections=frozenset(), alarms=frozenset(), charge_enable=True,
                    discharge_enable=True)


def start(driver, **bus_kw) -> CollectingBus:
    bus = CollectingBus(freshness=driver.freshness, **bus_kw)
    driver.start(bus)
    return bus


def no_time(s):
    return dataclasses.replace(s, timestamp=0.0)


# -- the committed sample ----------------------------------------------------------------
def test_sample_is_a_small_candump_log_of_a_minute_and_a_half():
    text = SAMPLE.read_text()
    assert SAMPLE.stat().st_size < 100_000
    assert re.match(r"\(\d{10}\.\d{6}\) can0 359#[0-9A-F]{14}\b", text)
    frames = list(can.LogReader(SAMPLE))
    span = frames[-1].timestamp - frames[0].timestamp
    assert 60 <= span <= 120 and frames[0].timestamp == T0


@pytest.mark.parametrize("seconds", sorted(KNOWN))
def test_sample_shows_known_values_at_known_moments(seconds):
    s = system_at(SAMPLE, seconds)
    assert s.timestamp == pytest.approx(T0 + seconds, abs=1e-6)
    for field, value in {**KNOWN[seconds], **EVERY_SECOND}.items():
        assert getattr(s, field) == value, field


def test_the_current_turns_from_discharge_to_charge_in_the_sample():
    currents = [system_at(SAMPLE, k + BURST_END).current_a for k in (0, 25, 50, 75)]
    assert currents[0] < currents[1] < 0 and currents[2] == 0.0 and currents[3] > 0


def test_replay_driver_shows_every_recorded_second_with_its_timing():
    driver = ReplayDriver.from_source(f"{SAMPLE}?speed=60&silence=0.3")
    bus = start(driver)
    try:
        last = T0 + 89 + BURST_END
        wait_for(lambda: bus.published and bus.published[-1].timestamp >= last - 1e-6,
                 timeout=15, what="the end of the sample")
        by_time = {round(s.timestamp - T0, 3): s for s in bus.published}
        assert {round(k + BURST_END, 3) for k in range(90)} <= set(by_time)
        stamps = [s.timestamp for s in bus.published]
        assert stamps == sorted(stamps)
        for seconds in KNOWN:  # the threaded path shows what the direct decode shows
            assert by_time[round(seconds, 3)] == system_at(SAMPLE, seconds)
        # 89 recorded seconds at 60x: never faster than the recording allows.
        assert bus.published_at[-1] - bus.published_at[0] >= 89 / 60 - 0.05
        c = driver.counters()
        assert (c.frames, c.unknown, c.error_frames, c.malformed) == (1270, 9, 1, 0)
        view = wait_for(lambda: (v := bus.view()).system_link.state is LinkState.LOST
                        and "end of recording" in v.system_link.detail and v,
                        what="the link to go lost at the end, with the reason")
        assert view.system is None
    finally:
        driver.stop()


# -- small recordings made here ----------------------------------------------------------
def write_log(path, bursts: int = 3, start_ts: float = 1000.0, gap: float = 1.0):
    with can.Logger(str(path)) as log:
        for k in range(bursts):
            for f in master_frames([pack(1, current_a=float(k + 1))], start_ts + k * gap):
                log.on_message_received(f)


def test_loop_starts_again_at_the_end(tmp_path):
    path = tmp_path / "three.log"
    write_log(path)
    driver = ReplayDriver.from_source(f"{path}?speed=20&loop=1")
    bus = start(driver)
    try:
        wait_for(lambda: len(bus.published) >= 8, what="more than two passes")
    finally:
        driver.stop()
    currents = [s.current_a for s in bus.published[:8]]
    assert currents[:7] == [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0]


def test_a_corrupt_line_is_skipped_counted_and_named(tmp_path):
    # A torn or edited line costs its own frame, not the rest of the recording.
    path = tmp_path / "broken.log"
    write_log(path, bursts=2)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:13]) + "this is not a frame\n" + "".join(lines[13:]))
    driver = ReplayDriver.from_source(f"{path}?speed=10&silence=0.3")
    bus = start(driver)
    try:
        view = wait_for(lambda: (v := bus.view()).system_link
                        and v.system_link.state is LinkState.LOST and v, what="a lost link")
        assert "end of recording" in view.system_link.detail
        assert [s.current_a for s in bus.published] == [1.0, 2.0]  # both bursts
        counters = driver.counters()
        assert counters.unreadable == 1 and counters.malformed == 0
        assert counters.last_problem.startswith("broken.log:14: not a candump line")
    finally:
        driver.stop()


@pytest.mark.parametrize("suffix", [".log", ".asc", ".blf"])
def test_record_then_replay_shows_the_same_system(tmp_path, suffix):
    ch = channel("rec")
    path = tmp_path / f"site{suffix}"
    live = CanDriver.from_source(f"virtual:{ch}?record={path}")
    live_bus = start(live)
    # preserve_timestamps: the recording gets the bursts' own spacing, no sleeping here.
    tx = can.Bus(interface="virtual", channel=ch, preserve_timestamps=True)
    try:
        wait_for(lambda: live.connected, what="the live bus open")
        for k in range(3):
            for f in master_frames([pack(1, current_a=-5.0 * (k + 1)), pack(2)],
                                   1_700_000_500.0 + k):
                tx.send(f)
        wait_for(lambda: len(live_bus.published) == 3, what="three live snapshots")
    finally:
        live.stop()
        tx.shutdown()

    replay = ReplayDriver.from_source(f"{path}?speed=10")
    replay_bus = start(replay)
    try:
        wait_for(lambda: len(replay_bus.published) == 3, what="three replayed snapshots")
    finally:
        replay.stop()
    assert [no_time(s) for s in replay_bus.published] == \
        [no_time(s) for s in live_bus.published]
    assert [s.current_a for s in replay_bus.published] == [-5.0 - 12.3 * 2, -10.0 - 24.6,
                                                           -15.0 - 24.6]
    if suffix != ".asc":  # ASC stores times relative to the start of the measurement
        assert [s.timestamp for s in replay_bus.published] == \
            pytest.approx([s.timestamp for s in live_bus.published], abs=1e-5)


# -- source strings ----------------------------------------------------------------------
def test_registry_and_options():
    d = open_source(f"replay:{SAMPLE}?speed=2&loop=1")
    assert isinstance(d, ReplayDriver) and d.name == "replay"
    assert (d.speed, d.loop_forever, d.path) == (2.0, True, SAMPLE)


def test_a_path_relative_to_the_repository_is_found_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = ReplayDriver.from_source("assets/recordings/sample-can.log")
    assert d.path == SAMPLE


def test_slow_replay_waits_longer_before_calling_the_link_lost():
    d = ReplayDriver.from_source(f"{SAMPLE}?speed=0.25")
    assert d.freshness.lost_after_s == 20.0


@pytest.mark.parametrize("arg,words", [
    ("", "replay:FILE"), ("nowhere.log", "no recording"),
    (f"{SAMPLE}?speed=0", "more than 0"), (f"{SAMPLE}?loop=maybe", "1 or 0"),
    (f"{SAMPLE}?pace=2", "does not know option"),
])
def test_bad_replay_sources(arg, words):
    with pytest.raises(DriverError) as err:
        ReplayDriver.from_source(arg)
    assert words in str(err.value)


def test_unknown_suffix_names_what_can_be_replayed(tmp_path):
    path = tmp_path / "trace.pcap"
    path.write_bytes(b"")
    with pytest.raises(DriverError) as err:
        ReplayDriver.from_source(str(path))
    assert ".log" in str(err.value) and ".mbcap" in str(err.value)


# -- the Modbus capture hook -------------------------------------------------------------
def test_modbus_capture_without_its_reader_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "drivers.modbus.capture", None)  # "not installed"
    path = tmp_path / "site.mbcap"
    path.write_bytes(b"")
    with pytest.raises(DriverError) as err:
        ReplayDriver.from_source(str(path))
    assert "drivers.modbus.capture" in str(err.value)


def test_modbus_capture_hook_publishes_packs_with_their_timing(tmp_path, monkeypatch):
    path = tmp_path / "site.mbcap"
    path.write_bytes(b"")
    pairs = [(100.0, pack(1, current_a=1.0)), (100.5, pack(2)), (101.0, pack(1, current_a=3.0))]
    fake = types.ModuleType("drivers.modbus.capture")
    fake.read_capture = lambda p, on_bad_line: iter(pairs) if p == path else iter(())
    monkeypatch.setitem(sys.modules, "drivers.modbus.capture", fake)
    driver = ReplayDriver.from_source(f"{path}?speed=5")
    bus = start(driver)
    try:
        wait_for(lambda: (p := bus.view().pack(1)) and p.snapshot
                 and p.snapshot.current_a == 3.0, what="the last pack snapshot")
        assert bus.view().pack(2).snapshot.address == 2
        assert driver.counters().frames == 0
    finally:
        driver.stop()


def test_a_modbus_capture_replays_past_its_corrupt_lines_and_says_so(tmp_path, caplog):
    from drivers.modbus import capture, codec, frames
    from drivers.modbus.regmap import load
    from drivers.simbms import BatterySim
    regmap = load()
    sim = BatterySim(packs=2, seed=3, scenario="day")
    sim.run_until(60)
    path = tmp_path / "site.mbcap"
    w = capture.CaptureWriter(path)
    t = 1781510400.0
    for a in sim.addresses:
        regs = codec.encode_pack(regmap, sim.snapshot(a))
        for first, count in ((38, 9), (150, 30), (0, 38)):
            w.write("tx", frames.read_request(a, first, count), t)
            body = bytes([a, 3, 2 * count]) + b"".join(
                regs[r].to_bytes(2, "big") for r in range(first, first + count))
            w.write("rx", body + frames.crc(body), t + 0.05)
            t += 0.1
    w.close()
    good = path.read_text().splitlines()
    # A torn line after pack 1's reply, a line of noise, and bytes that are not UTF-8.
    lines = good[:8] + ["1781510400.9 rx 01ZZ"] + good[8:10] + ["garbage"] + good[10:]
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe\n")
    driver = ReplayDriver.from_source(f"{path}?speed=50")
    with caplog.at_level(logging.WARNING, logger="drivers.replay"):
        bus = start(driver)
        try:
            wait_for(lambda: bus.view().pack(2) and bus.view().pack(2).snapshot,
                     what="pack 2, after the corrupt lines")
            # The last bad line comes after the last reply: the count stays on the links.
            wait_for(lambda: driver._packs.bad_lines == 3
                     and "3 unreadable lines" in bus.view().pack(1).link.detail,
                     what="the count on the link")
        finally:
            driver.stop()
    assert bus.view().pack(1).snapshot.address == 1
    said = [r.getMessage() for r in caplog.records]
    assert any("site.mbcap:9" in m for m in said), said  # the first one, by line number
    assert any("3 unreadable lines" in m for m in said), said


def test_a_capture_time_no_clock_can_show_is_a_bad_line(tmp_path):
    from drivers.modbus import capture
    path = tmp_path / "t.mbcap"
    path.write_text("1e13 tx 010300000026\n-5 tx 010300000026\n1781510400.0 tx 010300000026\n")
    bad: list[str] = []
    records = list(capture.read_records(path, on_bad_line=bad.append))
    assert [r.time for r in records] == [1781510400.0]
    assert [b.split(":")[1] for b in bad] == ["1", "2"]


def test_a_long_gap_in_a_capture_is_slept_in_pieces_and_stops_at_once(tmp_path):
    from drivers.replay import _PackReplay
    pairs = [(0.0, pack(1)), (4.0e9, pack(1, current_a=2.0))]  # 126 years apart
    replay = _PackReplay(lambda p, on_bad_line: iter(pairs), tmp_path / "x.mbcap",
                         speed=0.001, loop=False)
    bus = DataBus(FakeClock(0.0))
    replay.start(bus)
    try:
        wait_for(lambda: bus.view().pack(1) is not None, what="the first record")
        assert replay._thread.is_alive()  # waiting for the second, not crashed
    finally:
        t0 = time.monotonic()
        replay.stop()
        assert time.monotonic() - t0 < 1.0 and not replay._thread.is_alive()
