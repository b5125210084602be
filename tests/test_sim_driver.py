"""SimDriver: options, publishing to the DataBus, commands, and a thread that survives."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import drivers.sim as simdrv
from drivers import DriverError, open_source
from drivers.sim import SimDriver, publish_once
from drivers.simbms import SCENARIOS, SIM_EPOCH, BatterySim
from hmi.bus import DataBus, FakeClock
from hmi.model import Command, LinkState

ROOT = Path(__file__).resolve().parent.parent


def fake_bus() -> DataBus:
    return DataBus(clock=FakeClock(epoch=SIM_EPOCH))


def connected(source: str):
    driver = open_source(source)
    bus = fake_bus()
    driver.connect(bus)
    return driver, bus


# -- options ------------------------------------------------------------------------------
def test_defaults():
    driver = open_source("sim")
    assert isinstance(driver, SimDriver) and driver.name == "sim"
    assert driver.sim.addresses == (1,) and driver.sim.seed == 1 and driver.sim.cells == 16
    assert driver.sim.scenario.name == "day"
    assert (driver.speed, driver.start_at, driver.local_address) == (1.0, 0.0, 1)


def test_options_are_parsed():
    driver = open_source("sim:packs=4,seed=7,scenario=cold,cells=8,speed=60,start=120,"
                         "address=3")
    assert driver.sim.addresses == (1, 2, 3, 4) and driver.sim.seed == 7
    assert driver.sim.scenario.name == "cold" and driver.sim.cells == 8
    assert (driver.speed, driver.start_at, driver.local_address) == (60.0, 120.0, 3)


def test_start_may_name_a_moment():
    driver = open_source("sim:scenario=short,start=protect")
    assert driver.start_at == SCENARIOS["short"].moments["protect"]


def test_pack_offline_brings_its_own_pack_count():
    assert open_source("sim:scenario=pack-offline").sim.addresses == (1, 2, 3)
    assert open_source("sim:scenario=pack-offline,packs=2").sim.addresses == (1, 2)


@pytest.mark.parametrize("arg,words", [
    ("packs=0", "packs"), ("packs=31", "packs"), ("packs=two", "whole number"),
    ("cells=7", "cells"), ("cells=17", "cells"), ("seed=x", "seed"),
    ("scenario=mars", "day"), ("speed=0", "speed"), ("speed=-2", "speed"),
    ("speed=fast", "speed"), ("start=-1", "start"), ("start=soon", "start"),
    ("address=2", "address"), ("packs=2,address=0", "address"), ("colour=red", "colour"),
    ("packs", "name=value"),
])
def test_bad_options_say_what_is_wrong(arg, words):
    with pytest.raises(DriverError, match=words):
        open_source(f"sim:{arg}")


# -- publishing ------------------------------------------------------------------------------
def test_connect_reaches_start_and_publishes_every_pack():
    driver, bus = connected("sim:packs=3,start=900")
    state = bus.view()
    assert [p.address for p in state.packs] == [1, 2, 3]
    assert all(p.link.state is LinkState.LIVE for p in state.packs)
    assert driver.sim.t == 900
    assert state.packs[0].snapshot == driver.sim.snapshot(1)
    assert state.packs[0].snapshot.timestamp == SIM_EPOCH + 900


def test_tick_advances_speed_times_wall_seconds_and_publishes():
    driver, bus = connected("sim:packs=2,speed=60")
    version = bus.version
    driver.tick(1.0)
    assert driver.sim.t == 60
    driver.tick(0.5)
    assert driver.sim.t == 90
    assert bus.version > version
    assert bus.view().pack(2).snapshot.timestamp == SIM_EPOCH + 90


def test_a_silent_pack_goes_stale_then_lost_with_a_reason():
    driver, bus = connected("sim:scenario=pack-offline,start=290")
    clock = bus.clock
    for _ in range(30):                        # 30 wall seconds at speed 1: into the outage
        clock.advance(1.0)
        driver.tick(1.0)
    pack2 = bus.view().pack(2)
    assert pack2.link.state is LinkState.LOST and pack2.snapshot is None
    assert "no reply" in pack2.link.detail
    assert bus.view().pack(1).link.state is LinkState.LIVE


def test_publish_once_without_a_driver():
    sim = BatterySim(packs=2, seed=1, scenario="short")
    sim.run_until(SCENARIOS["short"].moments["protect"])
    bus = fake_bus()
    bus.configure(sim.addresses)
    published = publish_once(sim, bus)
    assert [s.address for s in published] == [1, 2]
    assert bus.view().pack(2).snapshot is published[1]


# -- commands --------------------------------------------------------------------------------
def test_write_settings_command():
    driver, bus = connected("sim:packs=2")
    driver.submit(Command(1, 2, "write_settings", (("protocol_id", 7),
                                                   ("charge_voltage_limit_v", 57.0))))
    assert bus.take_results() == []            # it runs on the sim's own turn
    driver.tick(0.0)
    [result] = bus.take_results()
    assert result.ok and result.command_id == 1
    assert (result.settings.protocol_id, result.settings.charge_voltage_limit_v) == (7, 57.0)
    assert driver.sim.settings(2) == result.settings
    assert bus.view().pack(2).snapshot.settings == result.settings
    assert driver.sim.settings(1).protocol_id == 0


def test_out_of_range_write_is_refused_and_changes_nothing():
    driver, bus = connected("sim")
    before = driver.sim.settings(1)
    driver.submit(Command(5, 1, "write_settings", (("protocol_id", 3), ("address", 99))))
    driver.tick(0.0)
    [result] = bus.take_results()
    assert not result.ok and "address 99 out of range 0..50" in result.message
    assert driver.sim.settings(1) is before and result.settings == before


def test_clear_history_command():
    driver, bus = connected("sim:scenario=overcharge,start=protect")
    total = driver.sim.snapshot(1).history.total
    assert total > 0
    driver.submit(Command(9, 1, "clear_history"))
    driver.tick(0.0)
    [result] = bus.take_results()
    assert result.ok and result.history.records == () and result.history.total == total
    assert bus.view().pack(1).snapshot.history == result.history


def test_commands_to_nobody_or_of_unknown_kind_fail_politely():
    driver, bus = connected("sim:scenario=pack-offline,start=offline")
    driver.submit(Command(1, 2, "clear_history"))
    driver.submit(Command(2, 9, "clear_history"))
    driver.submit(Command(3, 1, "reboot"))
    driver.tick(0.0)
    results = bus.take_results()
    assert [r.ok for r in results] == [False, False, False]
    assert "does not answer" in results[0].message and "reboot" in results[2].message


# -- the thread ------------------------------------------------------------------------------
@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(simdrv, "PUBLISH_PERIOD_S", 0.05)


def test_thread_publishes_answers_commands_and_stops(quick):
    driver = open_source("sim:packs=2,speed=20")
    bus = DataBus()
    driver.start(bus)
    try:
        version = bus.version
        assert bus.wait(version, 2.0)
        driver.submit(Command(4, 1, "write_settings", (("address", 5),)))
        deadline = time.monotonic() + 2.0
        results = []
        while not results and time.monotonic() < deadline:
            time.sleep(0.01)
            results = bus.take_results()
        assert results and results[0].ok and results[0].settings.address == 5
        t = driver.sim.t
        time.sleep(0.3)
        assert driver.sim.t > t
    finally:
        driver.stop()
    assert driver._thread is None
    t = driver.sim.t
    time.sleep(0.15)
    assert driver.sim.t == t                   # stopped means stopped
    driver.stop()                              # twice is fine


def test_an_exception_does_not_end_the_thread(quick, caplog):
    driver = open_source("sim:speed=10")
    real_step = driver.sim.step
    calls = []

    def flaky(dt=1.0):
        calls.append(dt)
        if len(calls) == 1:
            raise RuntimeError("boom")
        real_step(dt)

    driver.sim.step = flaky
    bus = DataBus()
    driver.start(bus)
    try:
        deadline = time.monotonic() + 3.0
        while len(calls) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        driver.stop()
    assert len(calls) >= 4 and driver.sim.t > 0
    assert "boom" in caplog.text


def test_drivers_do_not_import_pygame():
    code = ("import drivers.sim, drivers.simbms, sys; "
            "assert 'pygame' not in sys.modules, 'pygame imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
