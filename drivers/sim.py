"""The simulated battery as a data source: a BatterySim stepped on its own thread.

``sim:packs=4,seed=7,scenario=day,cells=16,speed=60,start=charging,address=1``

About once per wall second the thread advances the simulation by ``speed`` simulated
seconds and publishes every answering pack. Commands from the screen run on the same
thread, between steps, so the simulation is only ever touched by one thread. Headless
renders need no thread at all: build a BatterySim, ``run_until`` and ``publish_once``.
"""
from __future__ import annotations

import logging
import math
import queue
import threading
import time
from typing import Optional

from drivers.base import DriverABC, DriverError, parse_options
from drivers.simbms import SCENARIOS, BatterySim
from hmi.bus import DataBus
from hmi.model import MAX_PACKS, Command, CommandResult, PackSnapshot

log = logging.getLogger(__name__)

PUBLISH_PERIOD_S = 1.0
#: A tick may spend at most this share of its period stepping; a speed the machine
#: cannot reach then runs slower instead of starving the publishes.
STEP_BUDGET = 0.8
#: Simulated seconds per call into the simulation while catching up.
CHUNK_S = 60.0
OPTIONS = ("packs", "seed", "scenario", "cells", "speed", "start", "address")
_STOP = object()


def publish_once(sim: BatterySim, bus: DataBus) -> list[PackSnapshot]:
    """Publish every answering pack now; a silent one is reported, not published."""
    published = []
    for address in sim.addresses:
        snap = sim.snapshot(address)
        if snap is None:
            bus.report_problem(address, "no reply")
        else:
            bus.publish(snap)
            published.append(snap)
    return published


def execute(sim: BatterySim, command: Command) -> CommandResult:
    """Run one screen command against the simulation and say how it went."""
    address = command.address
    if address not in sim.addresses or sim.snapshot(address) is None:
        return CommandResult(command.id, False, f"pack {address} does not answer")
    if command.kind == "write_settings":
        try:
            settings = sim.write_settings(address, dict(command.changes))
        except ValueError as exc:
            # Refused before anything was written: report what is still stored.
            return CommandResult(command.id, False, str(exc), settings=sim.settings(address))
        names = ", ".join(name for name, _ in command.changes) or "nothing"
        return CommandResult(command.id, True, f"wrote {names}; read back", settings=settings)
    if command.kind == "clear_history":
        return CommandResult(command.id, True, "history cleared",
                             history=sim.clear_history(address))
    return CommandResult(command.id, False, f"unknown command kind {command.kind!r}")


def _int_option(opts: dict[str, str], name: str, default: int) -> int:
    if name not in opts:
        return default
    try:
        return int(opts[name])
    except ValueError:
        raise DriverError(f"sim option {name}={opts[name]!r} should be a whole number") from None


def _float_option(opts: dict[str, str], name: str, default: float) -> float:
    if name not in opts:
        return default
    try:
        value = float(opts[name])
    except ValueError:
        raise DriverError(f"sim option {name}={opts[name]!r} should be a number") from None
    if not math.isfinite(value):
        raise DriverError(f"sim option {name}={opts[name]!r} should be a finite number")
    return value


class SimDriver(DriverABC):
    name = "sim"

    def __init__(self, packs: int = 1, seed: int = 1, scenario: str = "day", cells: int = 16,
                 speed: float = 1.0, start: float = 0.0, address: int = 1):
        try:
            self.sim = BatterySim(packs=packs, seed=seed, scenario=scenario, cells=cells)
        except ValueError as exc:
            raise DriverError(str(exc)) from None
        if not speed > 0 or not math.isfinite(speed):
            raise DriverError(f"speed must be > 0 simulated seconds per second, got {speed!r}")
        if not start >= 0 or not math.isfinite(start):
            raise DriverError(f"start must be >= 0 simulated seconds, got {start!r}")
        if address not in self.sim.addresses:
            raise DriverError(f"address {address} is not one of the simulated packs "
                              f"1..{len(self.sim.addresses)}")
        self.speed = float(speed)
        self.start_at = float(start)
        self.local_address = address
        self.bus: Optional[DataBus] = None
        self._commands: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._slow_logged = False

    @classmethod
    def from_source(cls, arg: str) -> "SimDriver":
        opts = parse_options(arg)
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise DriverError(f"unknown sim option {', '.join(unknown)}; "
                              f"options: {', '.join(OPTIONS)}")
        scenario = opts.get("scenario", "day")
        if scenario not in SCENARIOS:
            raise DriverError(f"unknown scenario {scenario!r}; choose one of "
                              f"{', '.join(SCENARIOS)}")
        # Without packs=, the scenario says: pack-offline needs more than one pack to show.
        packs = _int_option(opts, "packs", SCENARIOS[scenario].packs)
        if not 1 <= packs <= MAX_PACKS:
            raise DriverError(f"packs={packs} out of range 1..{MAX_PACKS}")
        start_text = opts.get("start", "0")
        moments = SCENARIOS[scenario].moments
        # A moment's name is easier to remember than its second: start=charging.
        start = moments[start_text] if start_text in moments else \
            _float_option(opts, "start", 0.0)
        return cls(packs=packs, seed=_int_option(opts, "seed", 1), scenario=scenario,
                   cells=_int_option(opts, "cells", 16),
                   speed=_float_option(opts, "speed", 1.0), start=start,
                   address=_int_option(opts, "address", 1))

    # -- running ----------------------------------------------------------------------
    def connect(self, bus: DataBus) -> None:
        """Everything start() does but the thread: configure, reach ``start``, publish."""
        self.bus = bus
        bus.configure(self.sim.addresses)
        self.sim.run_until(self.start_at)
        publish_once(self.sim, bus)

    def start(self, bus: DataBus) -> None:
        self.connect(bus)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sim-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._commands.put(_STOP)
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5.0)

    def submit(self, command: Command) -> None:
        self._commands.put(command)

    def _run(self) -> None:
        last = time.monotonic()
        due = last + PUBLISH_PERIOD_S
        while not self._stop.is_set():
            try:
                item = self._commands.get(timeout=max(0.0, due - time.monotonic()))
            except queue.Empty:
                item = None
            if item is _STOP or self._stop.is_set():
                break
            try:
                if item is not None:
                    self._handle(item)
                    continue
                now = time.monotonic()
                self.tick(now - last, deadline=now + STEP_BUDGET * PUBLISH_PERIOD_S)
                last = now
                due = now + PUBLISH_PERIOD_S
            except Exception:  # one bad tick must not end the data source
                log.exception("simulated battery: tick failed; continuing")
                last = time.monotonic()
                due = last + PUBLISH_PERIOD_S

    def tick(self, wall_s: float = PUBLISH_PERIOD_S, deadline: Optional[float] = None) -> None:
        """Advance ``speed × wall_s`` simulated seconds, run queued commands, publish.

        The thread calls this once a second; tests and headless tools call it by hand.
        """
        remaining = max(0.0, wall_s) * self.speed
        while remaining > 1e-9:
            if deadline is not None and time.monotonic() > deadline:
                if not self._slow_logged:
                    self._slow_logged = True
                    log.warning("simulated battery: speed %g is more than this machine "
                                "manages with %d packs; running slower", self.speed,
                                len(self.sim.addresses))
                break
            chunk = min(remaining, CHUNK_S)
            self.sim.step(chunk)
            remaining -= chunk
        if self.bus is None:
            return  # not connected: commands wait in the queue for a bus to answer on
        while True:
            try:
                item = self._commands.get_nowait()
            except queue.Empty:
                break
            if item is not _STOP:
                self._handle(item, publish=False)
        publish_once(self.sim, self.bus)

    def _handle(self, command: Command, publish: bool = True) -> None:
        try:
            result = execute(self.sim, command)
        except Exception as exc:  # a command must never take the thread down with it
            log.exception("simulated battery: command %r failed", command)
            result = CommandResult(command.id, False, f"simulator error: {exc}")
        bus = self.bus
        assert bus is not None, "commands run only once connected"
        bus.complete(result)
        if publish:
            publish_once(self.sim, bus)
