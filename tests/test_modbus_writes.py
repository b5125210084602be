"""Settings writes and the history clear: range-checked before anything is sent, function
0x10, read back and compared, the result handed back through the bus. The proxy between
driver and slave lists every request that went on the wire."""
from __future__ import annotations

import pytest

from drivers.modbus.driver import ModbusDriver
from drivers.modbus.slave import SimSlave
from drivers.modbus.source import parse_source
from drivers.simbms import SCENARIOS, BatterySim
from hmi.bus import DataBus
from hmi.model import AlarmHistory, Command, CommandResult
from tests.modbus_fault_proxy import FaultProxy, wait_until

WRITE = 0x10


class ForgetfulSim:
    """A BMS that acknowledges a charge-limit write and keeps the old value (seen on
    firmware that stores settings only after a restart)."""

    def __init__(self, sim: BatterySim):
        self._sim = sim

    def __getattr__(self, name):
        return getattr(self._sim, name)

    def write_settings(self, address, changes):
        kept = {k: v for k, v in changes.items() if k != "charge_voltage_limit_v"}
        return self._sim.write_settings(address, kept) if kept else self._sim.settings(address)


@pytest.fixture
def rig():
    made = []

    def build(sim, packs="1-2"):
        proxy = FaultProxy().start()
        slave = SimSlave(sim, proxy.slave_port, baud=115200, speed=0).start()
        drv = ModbusDriver(parse_source(f"{proxy.master_port}?baud=115200&packs={packs}"
                                        f"&gap_ms=2&timeout_ms=300"))
        bus = DataBus(freshness=drv.freshness)
        drv.start(bus)
        made.extend([proxy, slave, drv])
        wait_until(lambda: all(p.live for p in bus.view().packs), 5, what="packs live")
        return proxy, slave, drv, bus

    yield build
    for thing in reversed(made):
        thing.stop()


def run(drv: ModbusDriver, bus: DataBus, command: Command) -> CommandResult:
    got: list[CommandResult] = []
    drv.submit(command)
    wait_until(lambda: got.extend(r for r in bus.take_results() if r.command_id == command.id)
               or got, 3, what=f"result of command {command.id}")
    return got[0]


def writes(proxy: FaultProxy) -> list[tuple[int, int, int, int]]:
    return [r for r in proxy.requests if r[1] == WRITE]


def test_a_write_is_sent_read_back_and_reported_applied(rig):
    sim = BatterySim(packs=2, seed=7)
    proxy, slave, drv, bus = rig(sim)
    result = run(drv, bus, Command(1, 2, "write_settings",
                                   (("charge_voltage_limit_v", 57.0), ("protocol_id", 7))))
    assert result.ok, result.message
    assert result.settings.charge_voltage_limit_v == 57.0 and result.settings.protocol_id == 7
    assert slave.call(sim.settings, 2).charge_voltage_limit_v == 57.0
    assert slave.call(sim.settings, 1).charge_voltage_limit_v == 56.0
    # Registers 39 and 41 changed, 40 did not: two writes, nothing else overwritten.
    assert sorted(w[:4] for w in writes(proxy)) == [(2, WRITE, 39, 1), (2, WRITE, 41, 1)]
    wait_until(lambda: getattr(bus.view().pack(2).snapshot.settings,
                               "charge_voltage_limit_v", None) == 57.0,
               2, what="the pages see the new limit")


@pytest.mark.parametrize("changes, message", [
    ((("charge_voltage_limit_v", 60.5),), "charge_voltage_limit_v 60.5 is out of range 48-60"),
    ((("address", 51),), "address 51 is out of range 0-50"),
    ((("protocol_id", 7), ("charge_voltage_limit_v", 47.9)), "out of range"),
    ((("charge_voltage_limit_v", 57.05),), "not a multiple of 0.1"),
    ((("cells_in_series", 15),), "cannot be written"),
])
def test_out_of_range_is_refused_without_a_byte_sent(rig, changes, message):
    sim = BatterySim(packs=2, seed=7)
    proxy, slave, drv, bus = rig(sim)
    before = slave.call(sim.settings, 1)
    result = run(drv, bus, Command(2, 1, "write_settings", changes))
    assert not result.ok and message in result.message and result.message.startswith("not sent")
    assert writes(proxy) == []
    assert slave.call(sim.settings, 1) == before


def test_a_write_that_reads_back_different_is_a_failure(rig):
    sim = BatterySim(packs=2, seed=7)
    proxy, slave, drv, bus = rig(ForgetfulSim(sim))
    result = run(drv, bus, Command(3, 1, "write_settings", (("charge_voltage_limit_v", 57.0),)))
    assert not result.ok
    assert result.message == "read back differs: charge_voltage_limit_v is 56.0, expected 57.0"
    assert writes(proxy) == [(1, WRITE, 41, 1)]  # it was sent, and the pack said yes
    assert result.settings.charge_voltage_limit_v == 56.0


def test_a_write_the_bms_refuses_is_a_failure(rig):
    sim = BatterySim(packs=2, seed=7)
    proxy, slave, drv, bus = rig(sim)
    # In the map's range, but this firmware does not let the HMI change it: exception 3.
    result = run(drv, bus, Command(4, 1, "write_settings",
                                   (("discharge_voltage_limit_v", 45.0),)))
    assert not result.ok and "exception 3 at 42-42 (illegal value)" in result.message
    assert slave.call(sim.settings, 1).discharge_voltage_limit_v == 40.0
    later = run(drv, bus, Command(5, 1, "write_settings", (("protocol_id", 3),)))
    assert later.ok, later.message  # the link goes on


def test_clear_history_writes_the_key_and_confirms_it(rig):
    sim = BatterySim(packs=1, seed=7, scenario="overcharge")
    sim.run_until(SCENARIOS["overcharge"].moments["protect"])
    total = sim.snapshot(1).history.total
    proxy, slave, drv, bus = rig(sim, packs="1")
    wait_until(lambda: bus.view().pack(1).snapshot.history is not None, 2, what="history read")
    assert len(bus.view().pack(1).snapshot.history.records) == min(total, 50) > 0
    result = run(drv, bus, Command(6, 1, "clear_history"))
    assert result.ok, result.message
    assert result.history == AlarmHistory(total=total, records=())
    assert writes(proxy) == [(1, WRITE, 610, 1)]
    assert slave.call(sim.snapshot, 1).history.records == ()
    wait_until(lambda: getattr(bus.view().pack(1).snapshot.history, "records", None) == (), 2,
               what="the alarm page sees an empty history")


def test_a_command_for_a_pack_not_on_the_link_sends_nothing(rig):
    sim = BatterySim(packs=2, seed=7)
    proxy, slave, drv, bus = rig(sim)
    result = run(drv, bus, Command(8, 9, "write_settings", (("protocol_id", 1),)))
    assert not result.ok and "pack 9 is not on this link" in result.message
    assert writes(proxy) == []
