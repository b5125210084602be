"""Adapter unplugged and plugged back: the socat pty pair killed and made again at the same
paths. The driver must say "link lost" within 3 s and bring data back within 2 s of the
port's return, by itself, without blocking whoever reads the bus."""
from __future__ import annotations

import signal
import time

from drivers.modbus.driver import ModbusDriver
from drivers.modbus.slave import SimSlave
from drivers.modbus.source import parse_source
from drivers.simbms import BatterySim
from hmi.bus import DataBus
from hmi.model import Command
from tests.modbus_fault_proxy import SocatPair, wait_until


def test_unplug_and_replug(tmp_path):
    pair = SocatPair(tmp_path).start()
    sim = BatterySim(packs=4, seed=7, scenario="day")
    slave = SimSlave(sim, pair.bms, baud=9600, speed=0).start()
    # The field settings (100 ms gap, 200 ms timeout): the 2 s must hold with them.
    drv = ModbusDriver(parse_source(f"{pair.hmi}?baud=9600&packs=1-4"))
    bus = DataBus(freshness=drv.freshness)
    drv.start(bus)
    try:
        wait_until(lambda: all(p.live for p in bus.view().packs), 5, what="packs live")

        # Yanked: socat dies at once and, as udev does for a USB adapter, its device links
        # go. (A link left dangling could point at a pty someone else opens next.)
        pair.kill(signal.SIGKILL)
        pair.remove_links()
        took = wait_until(lambda: not drv.connected and all(
            p.link.detail.startswith("link lost") for p in bus.view().packs), 3,
            what="link lost reported")
        assert took < 3
        assert drv.link_problem == f"link lost: {pair.hmi} not found (adapter unplugged?)"
        # Meanwhile the bus answers at once, and a command fails instead of hanging.
        t0 = time.monotonic()
        bus.view()
        drv.submit(Command(7, 1, "clear_history"))
        wait_until(lambda: any(r.command_id == 7 and not r.ok for r in bus.take_results()),
                   2, what="command refused while unplugged")
        assert time.monotonic() - t0 < 2
        # While it is out nothing new is published: no data from a dead port.
        seen = [p.link.last_seen for p in bus.view().packs]
        time.sleep(1.0)  # the adapter stays out for a second
        assert not drv.connected and [p.link.last_seen for p in bus.view().packs] == seen

        back = time.monotonic()
        wall_back = time.time()
        pair.start()  # plugged back: same paths, new ptys
        wait_until(lambda: drv.connected and all(
            p.live and p.link.last_seen > wall_back and p.link.detail == ""
            for p in bus.view().packs), 2, what="data back within 2 s")
        assert time.monotonic() - back < 2
        assert drv.counters()[1].good > 0
    finally:
        drv.stop()
        slave.stop()
        pair.kill()
