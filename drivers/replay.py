"""Replay a recording through the same decoding path as the live link: ``replay:FILE``.

Examples::

    replay:assets/recordings/sample-can.log
    replay:site.asc?speed=4             four times faster than recorded
    replay:site.blf?loop=1              start again at the end, forever
    replay:site.mbcap                   a Modbus capture (needs drivers.modbus.capture)

Options: ``speed`` (default 1), ``loop`` (1/0, default 0), ``silence`` (seconds without a
frame before the link is lost, default 5, stretched when ``speed`` < 1). Without ``loop``
the last values go stale and then lost, as they would when a real link falls silent.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional


from drivers.base import DriverABC, DriverError
from drivers.can.decode import CanCounters, SystemDecoder
from drivers.can.driver import DEFAULT_SILENCE_S, link_freshness, number, split_query
from drivers.can.link import LinkLoop
from drivers.can.playback import LogPlayer, read_frames
from drivers.can.record import RECORD_SUFFIXES
from hmi.bus import DataBus
from hmi.model import PackSnapshot, SystemSnapshot

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
CAN_SUFFIXES = RECORD_SUFFIXES
#: HOOK: Modbus captures; decoded by ``drivers.modbus.capture.read_capture``.
MODBUS_SUFFIXES = (".mbcap",)

#: read_capture(path, on_bad_line=...): each unreadable line is handed over and skipped.
CaptureReader = Callable[..., Iterable[tuple[float, PackSnapshot]]]


def _find(path: Path) -> Path:
    """``path`` as given, else relative to the repository (``./run.sh`` runs from anywhere)."""
    if path.is_file() or path.is_absolute():
        return path
    in_repo = REPO / path
    return in_repo if in_repo.is_file() else path


def _suffix(path: Path) -> Optional[str]:
    name = path.name.lower()
    return next((s for s in sorted(CAN_SUFFIXES + MODBUS_SUFFIXES, key=len, reverse=True)
                 if name.endswith(s)), None)


def modbus_capture_reader() -> CaptureReader:
    """HOOK for the Modbus driver: ``read_capture(path) -> [(timestamp, PackSnapshot)]``.

    Imported only when a Modbus capture is replayed, so CAN replay needs nothing of it.
    """
    try:
        module = importlib.import_module("drivers.modbus.capture")
        return module.read_capture
    except (ImportError, AttributeError) as exc:
        raise DriverError("replaying a Modbus capture needs drivers.modbus.capture."
                          "read_capture, which this build does not have") from exc


def _flag(value: str, name: str) -> bool:
    low = value.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off", ""):
        return False
    raise DriverError(f"option {name}={value!r} should be 1 or 0")


def system_at(path: str | Path, seconds: float) -> Optional[SystemSnapshot]:
    """The system a CAN recording shows ``seconds`` after its first frame.

    Decodes every frame up to then at once, through the same decoder as the live link,
    with no thread and no waiting: for golden screenshots and tests of recorded moments.
    Lines that hold no frame are skipped, and said in one log line.
    """
    decoder = SystemDecoder()
    t0: Optional[float] = None
    frames = read_frames(Path(path), decoder.note_unreadable)
    try:
        for msg in frames:
            t0 = msg.timestamp if t0 is None else t0
            if msg.timestamp - t0 > seconds:
                break
            decoder.feed(msg)
    finally:
        frames.close()
    skipped = decoder.counters().unreadable
    if skipped:
        log.warning("replay %s: skipped %d line(s) that hold no frame, the last: %s",
                    Path(path).name, skipped, decoder.counters().last_problem)
    return decoder.snapshot()


class ReplayDriver(DriverABC):
    """Plays a CAN log (system snapshots) or a Modbus capture (pack snapshots)."""

    name = "replay"

    def __init__(self, path: str | Path, *, speed: float = 1.0, loop: bool = False,
                 silence_s: float = DEFAULT_SILENCE_S):
        self.path = _find(Path(path))
        if not self.path.is_file():
            raise DriverError(f"no recording at {str(path)!r}")
        suffix = _suffix(self.path)
        if suffix is None:
            raise DriverError(f"cannot replay {self.path.name!r}: use a CAN log "
                              f"({', '.join(CAN_SUFFIXES)}) or a Modbus capture "
                              f"({', '.join(MODBUS_SUFFIXES)})")
        self.speed = speed
        self.loop_forever = loop
        # Slowed down, the recorded once-a-second frames arrive less often than that.
        self.silence_s = silence_s / min(speed, 1.0)
        self.freshness = link_freshness(self.silence_s)
        # Expiry runs on the recording's own clock, so the speed does not enter it.
        self.decoder = SystemDecoder(expire_s=2 * silence_s)
        self.bus: Optional[DataBus] = None
        self._capture: Optional[CaptureReader] = None
        self._link: Optional[LinkLoop] = None
        self._packs: Optional[_PackReplay] = None
        if suffix in MODBUS_SUFFIXES:
            self._capture = modbus_capture_reader()  # fails here, at start-up, if missing
        else:
            self._link = LinkLoop(
                lambda: LogPlayer(self.path, speed=self.speed, loop=self.loop_forever,
                                  on_unreadable=self.decoder.note_unreadable),
                f"replay {self.path.name}", self.decoder, self.silence_s)

    @classmethod
    def from_source(cls, arg: str) -> "ReplayDriver":
        path, opts = split_query(arg)
        if not path:
            raise DriverError("write replay:FILE, e.g. replay:assets/recordings/sample-can.log")
        driver = cls(path, speed=number(opts.pop("speed", "1"), "speed"),
                     loop=_flag(opts.pop("loop", "0"), "loop"),
                     silence_s=number(opts.pop("silence", str(DEFAULT_SILENCE_S)), "silence"))
        if opts:
            raise DriverError(f"replay does not know option(s) {', '.join(sorted(opts))}; "
                              f"it takes speed, loop and silence")
        return driver

    def start(self, bus: DataBus) -> None:
        self.bus = bus
        if self._link is not None:
            self._link.start(bus)
        else:
            assert self._capture is not None
            self._packs = _PackReplay(self._capture, self.path, self.speed, self.loop_forever)
            self._packs.start(bus)

    def stop(self) -> None:
        if self._link is not None:
            self._link.stop()
        if self._packs is not None:
            self._packs.stop()

    def counters(self) -> CanCounters:
        """The CAN link's counters (all zero when replaying a Modbus capture)."""
        return self._link.counters() if self._link is not None else self.decoder.counters()

    def extras(self) -> dict[str, Any]:
        return self.decoder.extras()


class _PackReplay:
    """Publishes (timestamp, PackSnapshot) pairs with their recorded spacing."""

    def __init__(self, reader: CaptureReader, path: Path, speed: float, loop: bool):
        self._reader, self._path, self._speed, self._loop = reader, path, speed, loop
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        #: Lines of the capture skipped as unreadable (counted on the first pass).
        self.bad_lines = 0
        #: The packs published so far: a skipped line is said on their links, where a
        #: pack that then goes silent shows it.
        self._seen: set[int] = set()

    def start(self, bus: DataBus) -> None:
        self._thread = threading.Thread(target=self._run, args=(bus,), daemon=True,
                                        name=f"replay {self._path.name}")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _run(self, bus: DataBus) -> None:
        first_pass = True
        try:
            while not self._stop.is_set():
                played = 0
                t0 = start = None
                on_bad_line = (lambda why: self._bad_line(bus, why)) if first_pass else _ignore
                for ts, pack in self._reader(self._path, on_bad_line=on_bad_line):
                    if t0 is None:
                        t0, start = ts, time.monotonic()
                    if self._wait_until(start + (ts - t0) / self._speed):
                        return
                    bus.publish(pack)
                    self._seen.add(pack.address)
                    played += 1
                if first_pass and self.bad_lines > 1:
                    log.warning("replay %s: skipped %d unreadable lines in all",
                                self._path.name, self.bad_lines)
                    self._report(bus, f"{self.bad_lines} unreadable lines skipped")
                first_pass = False
                if not self._loop or not played:
                    return
        except Exception as exc:  # an unreadable capture ends the replay, not the app
            log.exception("replay of %s stopped", self._path)
            bus.report_problem(None, f"capture unreadable: {exc}")

    def _wait_until(self, due: float) -> bool:
        """Sleep until ``due`` (monotonic); True if stopped meanwhile. In pieces: a gap of
        years between two records would overflow one Event.wait."""
        while True:
            left = due - time.monotonic()
            if left <= 0:
                return self._stop.is_set()
            if self._stop.wait(min(left, 3600.0)):
                return True

    def _bad_line(self, bus: DataBus, problem: str) -> None:
        """A skipped line: counted, and the first one said at once (in the log and on the
        link); a looping replay meets the same lines again and says nothing more."""
        self.bad_lines += 1
        if self.bad_lines == 1:
            log.warning("replay %s: skipped an unreadable line (%s)", self._path.name, problem)
            self._report(bus, f"unreadable line skipped: {problem}")
        else:
            log.debug("replay %s: skipped %s", self._path.name, problem)

    def _report(self, bus: DataBus, detail: str) -> None:
        for address in sorted(self._seen) or [None]:
            bus.report_problem(address, detail)


def _ignore(_problem: str) -> None:
    pass
