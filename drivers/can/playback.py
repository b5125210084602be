"""A recorded CAN log as a frame source: frames come out with their recorded timing.

python-can's ``LogReader`` reads the format by suffix and ``MessageSync`` sleeps out the
recorded gaps (gaps longer than ``skip_s`` are cut short, as python-can's player does). A
thread does the sleeping and hands frames over through ``recv(timeout)``, so the link
loop treats a recording exactly like a live bus.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

import can

log = logging.getLogger(__name__)


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
    Frames keep their recorded timestamps; only the pacing is scaled.
    """

    def __init__(self, path: Union[str, Path], speed: float = 1.0, loop: bool = False,
                 skip_s: float = 60.0):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no recording at {self.path}")
        self.speed = speed
        self.loop = loop
        self.skip_s = skip_s
        self.status = ""
        self.passes = 0
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

    def _play_once(self) -> int:
        played = 0
        with can.LogReader(self.path) as reader:
            for timed in can.MessageSync(_scaled(reader, self.speed), timestamps=True,
                                         skip=self.skip_s):
                if self._stop.is_set():
                    break
                self._queue.put(timed.msg)
                played += 1
        return played
