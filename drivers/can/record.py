"""Recording what a CAN link carries, in the formats field engineers already read.

python-can's writers do the formats (candump ``-L`` ``.log``, Vector ``.asc`` and
``.blf``); this adds what a recording on site needs: the suffix checked before anything
starts, and the file flushed every second so a pulled power cable loses at most that.
"""
from __future__ import annotations

import copy
import threading
import time
from pathlib import Path
from typing import Union

import can
from can.util import channel2int

from drivers.base import DriverError

#: Suffixes python-can can both write and read back (gzip only for the text formats).
RECORD_SUFFIXES = (".log", ".asc", ".blf", ".log.gz", ".asc.gz")
FLUSH_EVERY_S = 1.0


def recording_suffix(path: Union[str, Path]) -> str:
    """The format suffix of ``path`` (``.log``, ``.asc.gz``, ...), or DriverError."""
    name = Path(path).name.lower()
    for suffix in sorted(RECORD_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    raise DriverError(f"cannot record to {str(path)!r}: name it *.log (candump), *.asc or "
                      f"*.blf")


def _writable(msg: can.Message, numbered: bool) -> can.Message:
    """The frame with a channel every writer can store.

    ASC and BLF number channels from the digits at the end of the name, so an
    ``slcan`` channel ``/dev/ttyACM0@115200`` would become channel 115201 and fail a
    16-bit field; candump lines split on spaces. Such a channel falls back to the
    writer's default rather than losing the frame.
    """
    ch = msg.channel
    if isinstance(ch, str) and any(c.isspace() for c in ch):
        ok = False
    elif numbered and ch is not None:
        n = channel2int(ch)
        ok = n is None or 0 <= n < 255
    else:
        ok = True
    if ok:
        return msg
    out = copy.copy(msg)
    out.channel = None
    return out


class Recorder(can.Listener):
    """A python-can listener writing every frame it is given; attach it to a link.

    Usable anywhere python-can takes a listener (``can.Notifier``), and by
    :meth:`drivers.can.CanDriver.start_recording`. Thread-safe; ``stop()`` closes the file.
    """

    def __init__(self, path: Union[str, Path]):
        self._numbered = recording_suffix(path) not in (".log", ".log.gz")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(path)
        self.frames = 0
        self._writer = can.Logger(str(path))
        self._lock = threading.Lock()
        self._flushed = time.monotonic()
        self._stopped = False

    def on_message_received(self, msg: can.Message) -> None:
        with self._lock:
            if self._stopped:
                return
            self._writer.on_message_received(_writable(msg, self._numbered))
            self.frames += 1
            now = time.monotonic()
            if now - self._flushed >= FLUSH_EVERY_S:
                self._flushed = now
                file = getattr(self._writer, "file", None)
                if file is not None:
                    file.flush()

    def stop(self) -> None:
        with self._lock:
            if not self._stopped:
                self._stopped = True
                self._writer.stop()
