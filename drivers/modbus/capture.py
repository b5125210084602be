"""Record the raw RS485 link to a file, and decode a recording back into snapshots.

Capture format (``.mbcap``, UTF-8 text, one event per line)::

    # comment
    1781510400.123456 open /dev/ttyUSB0 9600 8N1
    1781510400.130012 tx 010300000026C5D0
    1781510400.224871 rx 01034C0000...C3A1
    1781510401.002000 close /dev/ttyUSB0

Each line: wall-clock seconds since 1970 (UTC, 6 decimals), a direction, then the bytes in
upper-case hex (``tx``: master to packs, ``rx``: packs to master, as the port delivered them:
one reply may span several ``rx`` lines) or, for ``open``/``close``, free text. Readers skip
comments and directions they do not know.

:func:`read_capture` replays the bytes through the same frame scanner and codec as the live
driver and yields ``(timestamp, PackSnapshot)`` each time a pack's live block was answered,
so a replay shows exactly what the installer saw.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterator, Optional

from hmi.model import PackSnapshot

from . import codec, frames
from .frames import Expect
from .regmap import RegisterMap, load

SUFFIX = ".mbcap"
HEADER = "# modbus RTU capture v1: <unix time> <tx|rx> <hex> | <open|close> <text>\n"


class CaptureWriter:
    """Appends link events to a capture file; safe to call from the driver thread."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fh: Optional[IO[str]] = open(self.path, "a", encoding="utf-8")
        if new:
            self._fh.write(HEADER)

    def __call__(self, direction: str, data: bytes, t: float) -> None:
        self.write(direction, data, t)

    def write(self, direction: str, data: bytes, t: float) -> None:
        body = data.hex().upper() if direction in ("tx", "rx") else \
            data.decode("utf-8", "replace")
        with self._lock:
            if self._fh is None:
                return
            # One line per event, flushed: a capture cut short by a power loss still reads.
            self._fh.write(f"{t:.6f} {direction} {body}\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    time: float
    direction: str
    data: bytes


#: Unix time past which a capture's clock cannot be (2106): a later one is a corrupt line.
LATEST_TIME = 2.0 ** 32


def read_records(path: str | Path, on_bad_line: Optional[Callable[[str], None]] = None
                 ) -> Iterator[CaptureRecord]:
    """The events of a capture file, in order.

    A corrupt line raises ValueError naming it, or, given ``on_bad_line``, is handed to it
    (the same words) and skipped: a replay goes on past one bad line.
    """
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                record = _parse_line(line)
            except ValueError as exc:
                if on_bad_line is None:
                    raise ValueError(f"{path}:{n}: {exc}") from None
                on_bad_line(f"{Path(path).name}:{n}: {exc}")
                continue
            if record is not None:
                yield record


def _parse_line(line: str) -> Optional[CaptureRecord]:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise ValueError("expected '<time> <direction> <data>'")
    try:
        t = float(parts[0])
    except ValueError:
        raise ValueError(f"bad time {parts[0][:20]!r}") from None
    if not (math.isfinite(t) and 0.0 <= t < LATEST_TIME):
        raise ValueError(f"bad time {parts[0][:20]!r}")
    direction, body = parts[1], parts[2] if len(parts) > 2 else ""
    if direction in ("tx", "rx"):
        try:
            return CaptureRecord(t, direction, bytes.fromhex(body))
        except ValueError:
            raise ValueError("bad hex") from None
    return CaptureRecord(t, direction, body.encode())


class CaptureDecoder:
    """Feeds capture events through the frame scanner into per-pack register images."""

    def __init__(self, regmap: Optional[RegisterMap] = None):
        self.regmap = regmap or load()
        self.images: dict[int, dict[int, int]] = {}
        self._request: Optional[frames.Request] = None
        self._rx = bytearray()
        live = self.regmap.blocks_read("sweep")
        self._live_first = {b.first for b in live}

    def feed(self, record: CaptureRecord) -> list[tuple[float, PackSnapshot]]:
        if record.direction == "tx":
            self._request = frames.parse_request(record.data)
            self._rx.clear()
            return []
        if record.direction != "rx" or self._request is None:
            return []
        self._rx += record.data
        req = self._request
        expect = Expect(req.address, req.function, req.count if req.function == frames.READ
                        else 0)
        for piece in frames.scan(bytes(self._rx), expect):
            if piece.kind == "reply":
                self._request = None
                self._rx.clear()
                return self._apply(req, piece.data, record.time)
        return []

    def _apply(self, req: frames.Request, frame: bytes, t: float) -> list:
        image = self.images.setdefault(req.address, {})
        span = range(req.start, req.start + req.count)
        if frame[1] & frames.EXCEPTION_BIT:
            for r in span:  # the pack said it has no such registers: unavailable
                image.pop(r, None)
            return []
        if req.function != frames.READ:
            return []
        for r, v in zip(span, frames.reply_registers(frame)):
            image[r] = v
        if req.start in self._live_first:
            snap = codec.decode_pack(self.regmap, req.address, image, t)
            return [(t, snap)] if snap is not None else []
        return []


def read_capture(path: str | Path, regmap: Optional[RegisterMap] = None,
                 on_bad_line: Optional[Callable[[str], None]] = None
                 ) -> Iterator[tuple[float, PackSnapshot]]:
    """``(timestamp, PackSnapshot)`` for every live-block reply in a capture, in order."""
    decoder = CaptureDecoder(regmap)
    for record in read_records(path, on_bad_line):
        yield from decoder.feed(record)


#: The same function under the name the issue uses.
decode_capture = read_capture
