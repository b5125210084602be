"""Serve the simulated battery as Modbus RTU slaves on a serial port, one slave id per pack.

    .venv/bin/python -m drivers.modbus.slave /dev/pts/5 --packs 4 --scenario day --seed 1

Built on pymodbus's serial server with ``SimDevice``/``SimData`` (the datastore API that
stays in pymodbus 4; ``ModbusServerContext`` and friends are deprecated). A device's
``action`` hook runs on every request before the reply is built; it encodes the
simulator's state at that moment into the registers, so each reply is live, and it turns
writes into ``BatterySim.write_settings`` / ``clear_history``. A pack the simulator says
is not answering gets no reply at all, as on a real bus.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
import threading
from typing import Any, Callable, Optional

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

from . import codec
from .regmap import RegisterMap, load

log = logging.getLogger(__name__)

#: Register blocks a PACE V1.3 board answers; the rest gets exception 2 (modbus.md).
VARIANTS = {"full": None, "v13": ("live:fallback", "limits", "identity")}
TICK_S = 0.1
RELISTEN_S = 0.2


class SimSlave:
    """The slaves of one simulated system on one port.

    ``speed`` is simulated seconds per wall second (0 freezes the simulator, which tests use
    to compare what the master decoded with what the simulator holds).
    """

    def __init__(self, sim: Any, port: str, baud: int = 9600, speed: float = 1.0,
                 regmap: Optional[RegisterMap] = None, variant: str = "full"):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
        self.sim = sim
        self.port = port
        self.baud = baud
        self.speed = speed
        self.regmap = regmap or load()
        self.variant = variant
        #: Requests answered, and requests left silent (pack not answering), per slave id.
        self.answered: dict[int, int] = {}
        self.silent: dict[int, int] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._ready = threading.Event()
        self._stopping: Optional[asyncio.Event] = None
        self._port_lost: Optional[asyncio.Event] = None
        self._server: Optional[ModbusSerialServer] = None
        self.listening = False

    # -- register layout -----------------------------------------------------------------
    def served_blocks(self) -> list[tuple[str, int, int]]:
        """(block, first, last) this variant answers."""
        keep = VARIANTS[self.variant]
        out = []
        for b in self.regmap.blocks.values():
            if keep is None:
                out.append((b.name, b.first, b.last))
            elif f"{b.name}:fallback" in keep:
                out.append((b.name, b.first, b.fallback_last or b.last))
            elif b.name in keep:
                out.append((b.name, b.first, b.last))
        return out

    def _devices(self) -> list[SimDevice]:
        def simdata() -> list[SimData]:
            return [SimData(first, count=last - first + 1, datatype=DataType.REGISTERS)
                    for _, first, last in self.served_blocks()]
        devices = [SimDevice(id=a, simdata=simdata(), action=functools.partial(self._action, a))
                   for a in self.sim.addresses]
        # id 0 catches every other address: no pack there, so no reply (not an exception).
        devices.append(SimDevice(id=0, simdata=simdata(), action=self._nobody))
        return devices

    # -- requests ------------------------------------------------------------------------
    async def _nobody(self, fc, start_address, address, count, registers, values):
        raise NoSuchIdException("no pack at this address")

    async def _action(self, pack: int, fc: int, start_address: int, address: int, count: int,
                      registers: list[int], values: Optional[list[int]]) -> Optional[ExcCodes]:
        snap = self.sim.snapshot(pack)
        if snap is None:
            self.silent[pack] = self.silent.get(pack, 0) + 1
            raise NoSuchIdException(f"pack {pack} is not answering")
        self.answered[pack] = self.answered.get(pack, 0) + 1
        if values is None:
            wanted = [name for name, first, last in self.served_blocks()
                      if first <= address + count - 1 and address <= last]
            image = codec.encode_pack(self.regmap, snap, self.sim.settings(pack),
                                      extras={"x.bms_clock": int(snap.timestamp)},
                                      blocks=wanted)
            for r in range(address, address + count):
                registers[r - start_address] = image.get(r, 0)
            return None
        return self._write(pack, address, list(values))

    def _write(self, pack: int, address: int, values: list[int]) -> Optional[ExcCodes]:
        regs = dict(zip(range(address, address + len(values)), values))
        m = self.regmap
        clear = m.field("command.clear_history") if m.has("command.clear_history") else None
        if clear is not None and address == clear.reg and len(values) == 1:
            if values[0] != int(clear.min or 0):
                return ExcCodes.ILLEGAL_VALUE
            self.sim.clear_history(pack)
            return None
        settings = [f for f in m.fields if f.path.startswith("settings.") and
                    f.reg <= address + len(values) - 1 and address <= f.last]
        covered = {r for f in settings for r in range(f.reg, f.last + 1)}
        if not settings or not set(regs) <= covered or any(not f.writable for f in settings) \
                or any(not all(r in regs for r in range(f.reg, f.last + 1)) for f in settings):
            return ExcCodes.ILLEGAL_ADDRESS
        try:
            self.sim.write_settings(pack, codec.decode_changes(m, regs))
        except ValueError as exc:
            log.info("pack %d refused a write: %s", pack, exc)
            return ExcCodes.ILLEGAL_VALUE
        return None

    # -- serving -------------------------------------------------------------------------
    def _on_connect(self, connected: bool) -> None:
        if not connected and self._port_lost is not None:
            self._port_lost.set()

    async def _clock(self) -> None:
        loop = asyncio.get_running_loop()
        wall0, sim0 = loop.time(), self.sim.t
        while True:
            await asyncio.sleep(TICK_S)
            if self.speed > 0:
                self.sim.run_until(sim0 + (loop.time() - wall0) * self.speed)

    async def _listen(self) -> ModbusSerialServer:
        server = ModbusSerialServer(self._devices(), framer=FramerType.RTU, port=self.port,
                                    baudrate=self.baud, bytesize=8, parity="N", stopbits=1,
                                    ignore_missing_devices=True, trace_connect=self._on_connect)
        await server.serve_forever(background=True)
        return server

    async def serve(self) -> None:
        """Serve until stopped; reopens the port when it vanishes and comes back."""
        self._stopping = asyncio.Event()
        self._port_lost = asyncio.Event()
        clock = asyncio.create_task(self._clock())
        try:
            while not self._stopping.is_set():
                try:
                    self._server = await self._listen()
                except (RuntimeError, OSError) as exc:
                    self.listening = False
                    log.debug("cannot listen on %s: %s", self.port, exc)
                    await self._pause(RELISTEN_S)
                    continue
                self.listening = True
                self._ready.set()
                self._port_lost.clear()
                await self._until_lost_or_stopped()
                self.listening = False
                await self._server.shutdown()
                self._server = None
                if not self._stopping.is_set():
                    log.warning("%s lost; waiting for it to come back", self.port)
                    await self._pause(RELISTEN_S)
        finally:
            clock.cancel()
            if self._server is not None:
                await self._server.shutdown()

    async def _pause(self, seconds: float) -> None:
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    async def _until_lost_or_stopped(self) -> None:
        assert self._stopping is not None and self._port_lost is not None
        while not (self._stopping.is_set() or self._port_lost.is_set()):
            # A vanished port does not always reach the transport (nothing to read).
            if not os.path.exists(self.port):
                return
            await self._pause(RELISTEN_S)

    # -- in a thread (tests, benchmark) --------------------------------------------------
    def start(self, timeout: float = 5.0) -> "SimSlave":
        """Serve from a background thread; returns once the port is open."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete,
                                        args=(self.serve(),), name="modbus-slave", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"slave could not open {self.port}")
        return self

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on the slave's loop (where the simulator lives) and return its
        result: the safe way for a test to step or read the simulator while serving."""
        assert self._loop is not None

        async def run():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(5)

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._stopping is not None:
            loop.call_soon_threadsafe(self._stopping.set)
        thread.join(timeout=5)
        if not thread.is_alive():
            loop.close()
        self._loop = self._thread = None


def _addresses(addresses) -> str:
    a = list(addresses)
    return f"{a[0]}-{a[-1]}" if len(a) > 1 else str(a[0])


def main(argv: Optional[list[str]] = None) -> int:
    from drivers.simbms import SCENARIOS, BatterySim

    p = argparse.ArgumentParser(
        prog="python -m drivers.modbus.slave",
        description="Serve the simulated PS-20016S packs as Modbus RTU slaves (slave id = "
                    "pack address) on a serial port, e.g. one end of a socat pty pair: "
                    "socat -d -d pty,raw,echo=0 pty,raw,echo=0")
    p.add_argument("port", help="serial port to serve on, e.g. /dev/pts/5 or /dev/ttyUSB0")
    p.add_argument("--packs", type=int, default=None,
                   help="number of packs, addresses 1..N (default: the scenario's)")
    p.add_argument("--scenario", default="day", choices=sorted(SCENARIOS),
                   help="simulator scenario (default day)")
    p.add_argument("--seed", type=int, default=1, help="simulator seed (default 1)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="simulated seconds per real second; 0 freezes (default 1)")
    p.add_argument("--at", default="0",
                   help="start at a scenario moment (e.g. charging) or a number of seconds")
    p.add_argument("--cells", type=int, default=16, help="cells in series, 8-16 (default 16)")
    p.add_argument("--baud", type=int, default=9600, help="baud rate, 8N1 (default 9600)")
    p.add_argument("--variant", default="full", choices=sorted(VARIANTS),
                   help="full map, or v13: only what a PACE V1.3 board answers "
                        "(exception 2 for the extension registers)")
    p.add_argument("--map", default=None, help="register map file (default the shipped one)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.verbose:
        logging.getLogger("pymodbus").setLevel(logging.DEBUG)
    if args.speed < 0:
        p.error("--speed must be 0 or more")
    try:
        sim = BatterySim(packs=args.packs, seed=args.seed, scenario=args.scenario,
                         cells=args.cells)
        moments = SCENARIOS[args.scenario].moments
        start = moments[args.at] if args.at in moments else float(args.at)
        sim.run_until(start)
        slave = SimSlave(sim, args.port, args.baud, args.speed, load(args.map), args.variant)
    except (ValueError, KeyError) as exc:
        p.error(str(exc))
    if not os.path.exists(args.port):
        print(f"warning: {args.port} does not exist yet; waiting for it", file=sys.stderr)
    print(f"serving packs {_addresses(sim.addresses)} ({args.scenario}, seed {args.seed}, "
          f"x{args.speed:g}) as Modbus RTU slaves on {args.port} at {args.baud} 8N1; "
          f"Ctrl-C stops", flush=True)
    try:
        asyncio.run(slave.serve())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
