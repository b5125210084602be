"""A recorded CAN log as a frame source: frames come out with their recorded timing.

python-can's ``LogReader`` reads the format by suffix and ``MessageSync`` sleeps out the
recorded gaps (gaps longer than ``skip_s`` are cut short, as python-can's player does). A
thread does the sleeping and hands frames over through ``recv(timeout)``, so the link
loop treats a recording exactly like a live bus.

candump logs are read line by line here (:func:`read_frames`): python-can's reader ends
the whole file at the first line it cannot read, so one torn line would cost every frame
after it.
"""
from __future__ import annotations

import gzip
import io
import logging
import math
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

import can
from can.io.canutils import CanutilsLogReader

log = logging.getLogger(__name__)

#: Text recordings of one frame per line (candump -L), read by :func:`read_frames`.
CANDUMP_SUFFIXES = (".log", ".log.gz")

Unreadable = Callable[[str], None]


def _candump_frame(line: str) -> tuple[Optional[can.Message], str]:
    """One candump line as python-can reads it, or (None, why not)."""
    try:
        msgs = list(CanutilsLogReader(io.StringIO(line)))
    except (ValueError, IndexError) as exc:
        return None, f"not a candump line ({exc})"
    if not msgs:
        return None, "no frame"
    if not math.isfinite(msgs[0].timestamp):
        return None, f"timestamp {msgs[0].timestamp} is not a time"
    return msgs[0], ""


def read_frames(path: Union[str, Path], on_unreadable: Optional[Unreadable] = None
                ) -> Iterator[can.Message]:
    """The frames of a recording, in file order.

    In a candump log a line that holds no frame (a torn write, a hand edit, bytes that are
    not text, "(nan)") is skipped and described to ``on_unreadable`` as
    ``"<file>:<line>: <why>"``. Other formats are python-can's to read; a corrupt one
    raises from the iteration, as before.
    """
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(CANDUMP_SUFFIXES):
        with can.LogReader(path) as reader:
            yield from reader
        return
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            msg, why = _candump_frame(line)
            if msg is None:
                if on_unreadable is not None:
                    on_unreadable(f"{path.name}:{number}: {why}")
                continue
            yield msg


@dataclass(slots=True)
class _Timed:
    """What MessageSync paces by: a scaled timestamp, carrying the untouched frame."""

    timestamp: float
    msg: can.Message


def _scaled(messages: Iterable[can.Message], speed: float) -> Iterator[_Timed]:
    t0: Optional[float] = None
    for msg in messages:
        if t0 is None:
            t0 = msg.timestamp
        yield _Timed(t0 + (msg.timestamp - t0) / speed, msg)


class LogPlayer:
    """Plays ``path`` (``.log``, ``.asc``, ``.blf``, gzip too) ``speed`` times real time.

    ``status`` says why frames stopped: "end of recording" or what could not be read.
    Frames keep their recorded timestamps; only the pacing is scaled. Lines of a candump
    log that hold no frame are skipped, counted in ``unreadable`` and described to
    ``on_unreadable``; the first of each pass is logged.
    """

    def __init__(self, path: Union[str, Path], speed: float = 1.0, loop: bool = False,
                 skip_s: float = 60.0, on_unreadable: Optional[Unreadable] = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no recording at {self.path}")
        self.speed = speed
        self.loop = loop
        self.skip_s = skip_s
        self.status = ""
        self.passes = 0
        self.unreadable = 0
        self._on_unreadable = on_unreadable
        self._logged_pass = 0
        self._queue: queue.Queue[can.Message] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"replay {self.path.name}")
        self._thread.start()

    def recv(self, timeout: Optional[float] = None) -> Optional[can.Message]:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def shutdown(self) -> None:
        # The thread may be inside MessageSync's sleep; it notices at the next frame.
        self._stop.set()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.passes += 1
                played = self._play_once()
                if not played:
                    self.status = "the recording holds no frames"
                    return
                if not self.loop:
                    self.status = "end of recording"
                    return
        except Exception as exc:  # a corrupt line or block ends the replay, not the app
            log.exception("replay of %s stopped", self.path)
            self.status = f"recording unreadable: {exc}"

    def _unreadable(self, text: str) -> None:
        self.unreadable += 1
        if self._logged_pass != self.passes:
            # One line per pass: a looping replay of a damaged file must not flood the log.
            self._logged_pass = self.passes
            log.warning("replay: skipping what is not a frame: %s", text)
        if self._on_unreadable is not None:
            self._on_unreadable(text)

    def _play_once(self) -> int:
        played = 0
        frames = read_frames(self.path, self._unreadable)
        try:
            for timed in can.MessageSync(_scaled(frames, self.speed), timestamps=True,
                                         skip=self.skip_s):
                if self._stop.is_set():
                    break
                self._queue.put(timed.msg)
                played += 1
        finally:
            frames.close()  # closes the file at once, also when stopped half-way
        return played
