"""An independent master (mbpoll, on libmodbus) reads the simulator slave over a pty pair.

The expected values come from the simulator and the shared register document, not from
our codec, so a mistake the driver and the slave share would show here.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from drivers.modbus.slave import SimSlave
from drivers.simbms import SCENARIOS, BatterySim
from hmi.model import TEMP_SENSORS
from tests.conftest import require_tool
from tests.modbus_fault_proxy import SocatPair

#: modbus.md: registers 31-37 carry these sensors.
TEMP_REGISTERS = {"Cell1": 31, "Cell2": 32, "Cell3": 33, "Cell4": 34, "Pack": 35,
                  "Environment": 36, "BMS": 37}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    mbpoll = require_tool("mbpoll")
    pair = SocatPair(tmp_path_factory.mktemp("mbpoll")).start()
    sim = BatterySim(packs=3, seed=11, scenario="overcharge")
    sim.run_until(SCENARIOS["overcharge"].moments["protect"])
    slave = SimSlave(sim, pair.bms, baud=115200, speed=0).start()
    yield mbpoll, pair, sim, slave
    slave.stop()
    pair.kill()


def mbpoll_read(mbpoll: str, port: str, slave: int, first: int, count: int,
                timeout: str = "1") -> dict[int, int]:
    out = subprocess.run(
        [mbpoll, "-m", "rtu", "-b", "115200", "-P", "none", "-a", str(slave), "-0",
         "-r", str(first), "-c", str(count), "-1", "-o", timeout, "-t", "4:hex", port],
        capture_output=True, text=True, timeout=10)
    regs = {int(r): int(v, 16) for r, v in re.findall(r"^\[(\d+)\]:\s+0x([0-9A-Fa-f]+)",
                                                      out.stdout, re.M)}
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or out.stdout.strip())
    return regs


def signed(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def test_mbpoll_reads_the_live_block_the_simulator_holds(served):
    mbpoll, pair, sim, slave = served
    flags_seen = set()
    for address in sim.addresses:
        regs = mbpoll_read(mbpoll, pair.hmi, address, 0, 38)
        want = slave.call(sim.snapshot, address)
        assert sorted(regs) == list(range(38))
        assert abs(signed(regs[0]) / 100 - want.current_a) <= 0.005 + 1e-9
        assert abs(regs[1] / 100 - want.voltage_v) <= 0.005 + 1e-9
        assert (regs[2], regs[3], regs[7]) == (want.soc, want.soh, want.cycles)
        assert [regs[15 + i] for i in range(len(want.cells_mv))] == list(want.cells_mv)
        assert all(regs[15 + i] == 0 for i in range(len(want.cells_mv), 16))
        for sensor, value in zip(TEMP_SENSORS, want.temps_c):
            raw = signed(regs[TEMP_REGISTERS[sensor]])
            assert raw == -32768 if value is None else abs(raw / 10 - value) <= 0.05 + 1e-9
        assert {b for b in range(16) if regs[10] >> b & 1} == {int(f) for f in want.protections}
        assert {b for b in range(16) if regs[9] >> b & 1} == {int(f) for f in want.warnings}
        assert bool(regs[11] >> 10 & 1) == want.charge_mos
        assert bool(regs[11] >> 11 & 1) == want.discharge_mos
        flags_seen |= {regs[9], regs[10]}
    assert flags_seen - {0}, "the overcharge moment should have flags set: check them too"


def test_mbpoll_reads_configuration_identity_and_history(served):
    mbpoll, pair, sim, slave = served
    settings = slave.call(sim.settings, 2)
    regs = mbpoll_read(mbpoll, pair.hmi, 2, 38, 9)
    assert (regs[38], regs[39], regs[40]) == (settings.cells_in_series, settings.protocol_id,
                                              settings.address)
    assert regs[41] == round(settings.charge_voltage_limit_v * 10)
    text = b"".join(v.to_bytes(2, "big") for v in mbpoll_read(mbpoll, pair.hmi, 2, 150, 10)
                    .values()).rstrip(b"\0").decode()
    assert text == settings.firmware
    history = slave.call(sim.snapshot, 1).history
    head = mbpoll_read(mbpoll, pair.hmi, 1, 200, 10)
    assert (head[200], head[201]) == (history.total, len(history.records)) and history.records
    newest = history.records[0]
    assert (head[202] << 16 | head[203], head[204], head[205]) == \
        (newest.time, newest.code, newest.index)
    assert head[206] == round(newest.value)  # cell over-voltage: mV
    assert head[207] == round(newest.pack_voltage_v * 100) and head[208] == newest.soc


def test_mbpoll_gets_silence_from_an_address_without_a_pack(served):
    mbpoll, pair, sim, slave = served
    with pytest.raises(RuntimeError, match="timed out"):
        mbpoll_read(mbpoll, pair.hmi, 9, 0, 2, timeout="0.3")
    assert mbpoll_read(mbpoll, pair.hmi, 3, 2, 1)[2] == slave.call(sim.snapshot, 3).soc
