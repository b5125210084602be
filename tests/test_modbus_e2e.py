"""The whole chain over a socat pty pair: ModbusDriver ↔ pty ↔ simulator served as slaves."""
from __future__ import annotations

import pytest

from drivers.modbus import capture
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.slave import SimSlave
from drivers.modbus.source import parse_source
from drivers.simbms import SCENARIOS, BatterySim
from hmi.bus import DataBus
from hmi.model import LinkState
from tests.modbus_fault_proxy import SocatPair, wait_until
from tests.test_modbus_codec import assert_same_within_scaling

FAST = "baud=115200&gap_ms=2&timeout_ms=300"


@pytest.fixture
def chain(tmp_path):
    """Start a pty pair, a slave and a driver; yields a function that builds them."""
    made = []

    def build(sim, packs: str, options: str = "", variant: str = "full"):
        pair = SocatPair(tmp_path).start()
        made.append(pair)
        slave = SimSlave(sim, pair.bms, baud=115200, speed=0, variant=variant).start()
        made.append(slave)
        drv = ModbusDriver(parse_source(f"{pair.hmi}?{FAST}&packs={packs}{options}"))
        bus = DataBus(freshness=drv.freshness)
        drv.start(bus)
        made.append(drv)
        return slave, drv, bus

    yield build
    for thing in reversed(made):
        thing.stop() if hasattr(thing, "stop") else thing.kill()


def _live(bus: DataBus) -> bool:
    return all(p.live for p in bus.view().packs)


def _complete(bus: DataBus) -> bool:
    """Live, with configuration and history read too (they follow the live data)."""
    return all(p.live and not p.snapshot.unavailable for p in bus.view().packs)


def test_four_packs_arrive_equal_to_the_simulator(chain, tmp_path):
    sim = BatterySim(packs=4, seed=7, scenario="mixed")
    sim.run_until(SCENARIOS["mixed"].moments["charging"])
    record = tmp_path / "e2e.mbcap"
    slave, drv, bus = chain(sim, "1-4", f"&record={record}")
    wait_until(lambda: _complete(bus), 5, what="all four packs live and complete")
    for view in bus.view().packs:
        assert view.snapshot.unavailable == frozenset()
        assert_same_within_scaling(view.snapshot, slave.call(sim.snapshot, view.address))

    # Five minutes of charging later (a short step: the slave answers nothing meanwhile),
    # the driver follows within a sweep or two.
    shown = bus.view().pack(1).snapshot.remaining_ah
    slave.call(sim.step, 300.0)
    want = {a: slave.call(sim.snapshot, a) for a in sim.addresses}
    assert want[1].remaining_ah > shown + 5

    def caught_up():
        try:
            for v in bus.view().packs:
                assert_same_within_scaling(v.snapshot, want[v.address])
            return True
        except AssertionError:
            return False
    wait_until(caught_up, 3, what="snapshots follow the simulator")
    counts = drv.counters()
    assert set(counts) == {1, 2, 3, 4}
    assert all(c.good > 2 and c.errors == 0 and c.last_latency_s > 0 for c in counts.values())
    drv.stop()

    # The capture of that session decodes into the same snapshots the bus carried.
    replayed = {}
    for ts, snap in capture.read_capture(record):
        replayed[snap.address] = snap
    for a, s in want.items():
        assert_same_within_scaling(replayed[a], s)


def test_a_silent_pack_goes_stale_then_lost_while_the_others_stay_live(chain):
    sim = BatterySim(packs=3, seed=7, scenario="pack-offline")
    sim.run_until(290)  # pack 2 stops answering at 300 s, comes back at 900 s
    # A silent pack costs a 300 ms timeout a sweep: the others stay well inside 1.5 s.
    slave, drv, bus = chain(sim, "1-3", "&stale_s=1.5&lost_s=3")
    wait_until(lambda: _complete(bus), 5, what="all packs live and complete")
    slave.call(sim.run_until, 310.0)
    assert slave.call(sim.snapshot, 2) is None

    wait_until(lambda: bus.view().pack(2).link.state is LinkState.STALE, 3, what="2 stale")
    view = bus.view()
    assert view.pack(2).link.detail == "no reply" and view.pack(2).snapshot is not None
    assert view.pack(2).link.age_s >= 1.5
    assert view.pack(1).live and view.pack(3).live
    wait_until(lambda: bus.view().pack(2).link.state is LinkState.LOST, 3, what="2 lost")
    view = bus.view()
    assert view.pack(2).snapshot is None and view.pack(1).live and view.pack(3).live
    assert drv.counters()[2].timeouts >= 2 and drv.counters()[1].timeouts == 0

    slave.call(sim.run_until, 910.0)
    wait_until(lambda: _complete(bus), 2, what="pack 2 back")
    assert_same_within_scaling(bus.view().pack(2).snapshot, slave.call(sim.snapshot, 2))


def test_older_firmware_exceptions_mark_fields_unavailable_and_polling_goes_on(chain):
    sim = BatterySim(packs=2, seed=7, scenario="day")
    sim.run_until(600)
    slave, drv, bus = chain(sim, "1-2", variant="v13")
    wait_until(lambda: _live(bus) and all(p.snapshot.limits is not None and "limits" not in
                                          p.snapshot.unavailable for p in bus.view().packs),
               5, what="packs live on the V1.3 subset, configuration read")
    snap = bus.view().pack(1).snapshot
    assert snap.settings is None and snap.history is None
    assert snap.temps_c[0] is None  # BMS board sensor: register 37 is an extension
    assert snap.unavailable == {"temps_c.BMS", "settings", "history"}
    want = slave.call(sim.snapshot, 1)
    assert snap.cells_mv == want.cells_mv and snap.temps_c[1:] == want.temps_c[1:]
    detail = bus.view().pack(1).link.detail
    for words in ("exception 2 at 0-37", "exception 2 at 38-46", "exception 2 at 200-201"):
        assert words in detail
    # Each refused range is asked once; afterwards only the live block (0-36) goes out.
    sweeps = drv.sweeps
    settled = drv.counters()[1]
    wait_until(lambda: drv.sweeps >= sweeps + 5, 3, what="five more sweeps")
    later = drv.counters()[1]
    assert later.exceptions == settled.exceptions == 3
    # One good read of pack 1 a sweep (the first of the five may be in `settled` already).
    assert later.good >= settled.good + 4 and later.errors == 0
