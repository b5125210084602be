"""One RS485 port as a Modbus RTU master: transactions, pacing, retries and counters.

pymodbus's serial client does the framing, CRC check and exception decoding of each
transaction. Around it this layer keeps the bus quiet for the inter-frame gap, retries,
drains stray bytes before a request, and, because pymodbus reports a bad CRC, a cut-off
reply and garbage all as "no response", looks at the bytes that did arrive to count each
kind apart. Every byte in and out also goes to an optional tap (the capture writer).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, fields as dc_fields
from typing import Callable, Optional

from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ConnectionException, ModbusException

from . import frames
from .frames import Expect

log = logging.getLogger(__name__)

# pymodbus logs every timeout at ERROR; on a bus with a silent pack that is every sweep.
# This layer reports them once per state change instead.
if logging.getLogger("pymodbus").level == logging.NOTSET:
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

Tap = Callable[[str, bytes, float], None]

BITS_PER_CHAR = 10  # 8N1: start + 8 data + stop


def char_time(baud: int) -> float:
    return BITS_PER_CHAR / baud


def t35(baud: int) -> float:
    """The silent interval that ends an RTU frame (fixed 1.75 ms above 19200 baud)."""
    return 3.5 * char_time(baud) if baud <= 19200 else 0.00175


@dataclass(frozen=True, slots=True)
class LinkCounters:
    """What one pack's link has done since the driver started (for a diagnostics page)."""

    #: Request frames sent, retries included.
    requests: int = 0
    #: Replies with data that passed the CRC.
    good: int = 0
    #: Exception replies (the pack answered "no" for a range).
    exceptions: int = 0
    #: Replies of the right length whose CRC failed.
    crc_errors: int = 0
    #: Requests that got no reply at all within the timeout.
    timeouts: int = 0
    #: Replies that started but stopped short of their length.
    truncated: int = 0
    #: Valid frames that came after their request had timed out.
    late_replies: int = 0
    #: Bytes that belonged to no frame (noise between frames, a torn frame).
    garbage_bytes: int = 0
    #: Frames of another protocol on the port (a Pylon/PACE "~25..." ASCII reply).
    foreign_frames: int = 0
    #: Repeated requests after a failed one.
    retries: int = 0
    #: Seconds from request sent to reply decoded, for the last good reply.
    last_latency_s: Optional[float] = None

    @property
    def errors(self) -> int:
        return self.crc_errors + self.timeouts + self.truncated + self.foreign_frames


_COUNTER_NAMES = tuple(f.name for f in dc_fields(LinkCounters))


@dataclass(slots=True)
class Reply:
    """How one transaction ended.

    ``status``: ``ok``, ``exception`` (``exception_code`` set), ``timeout``, ``crc``,
    ``truncated``, ``garbage``, ``foreign``, ``late`` (only a late reply to another request
    came) or ``stopped`` (the driver is stopping). A failing port raises PortLost instead.
    """

    status: str
    registers: tuple[int, ...] = ()
    exception_code: Optional[int] = None
    latency_s: Optional[float] = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def answered(self) -> bool:
        """The pack is there (a data or exception reply)."""
        return self.status in ("ok", "exception")

    def describe(self, first: int, count: int) -> str:
        last = first + count - 1
        if self.status == "exception":
            name = frames.EXCEPTION_NAMES.get(self.exception_code or 0, "")
            return f"exception {self.exception_code} at {first}-{last}" + \
                (f" ({name})" if name else "")
        return {"timeout": "no reply", "crc": "CRC error", "truncated": "truncated reply",
                "late": "late reply to an earlier request",
                "garbage": "garbled reply", "stopped": "driver stopped",
                "foreign": "ASCII ~ reply: Pylon/PACE protocol, not Modbus RTU"
                }.get(self.status, self.status)


def _answers(pdu, function: int, start: int, count: int, values: Optional[list[int]]) -> bool:
    """Is this decoded reply the answer to this request (not just from this slave)?"""
    if pdu.isError():
        return pdu.function_code == function | frames.EXCEPTION_BIT
    if function == frames.READ:
        return pdu.function_code == function and len(pdu.registers or ()) == count
    return (pdu.function_code == function and getattr(pdu, "address", None) == start
            and getattr(pdu, "count", None) == len(values or ()))


class PortLost(Exception):
    """The serial port failed or vanished (adapter unplugged)."""


class _TappedClient(ModbusSerialClient):
    """pymodbus's serial client with every byte on the wire copied to a tap."""

    def __init__(self, port: str, tap: Callable[[str, bytes], None], **kwargs):
        super().__init__(port, **kwargs)
        self._tap = tap

    def send(self, request: bytes, addr: tuple | None = None) -> int:
        size = super().send(request, addr)
        self._tap("tx", request)
        return size

    def recv(self, size: int | None) -> bytes:
        data = super().recv(size)
        if data:
            self._tap("rx", data)
        return data


class RtuLink:
    """A Modbus RTU master on one serial port. Used by one thread at a time."""

    def __init__(self, port: str, baud: int = 9600, timeout_s: float = 0.2,
                 gap_s: float = 0.1, tap: Optional[Tap] = None,
                 stop: Optional[threading.Event] = None):
        self.port = port
        self.baud = baud
        self.timeout_s = timeout_s
        self.gap_s = gap_s
        self.tap = tap
        self._stop = stop or threading.Event()
        self._client: Optional[_TappedClient] = None
        self._rx = bytearray()
        self._carry = b""
        self._next_tx = 0.0
        self._last_address: Optional[int] = None
        self._lock = threading.Lock()
        self._counts: dict[int, dict[str, float | int | None]] = {}
        #: Bytes sent and received since open, for the benchmark's wire-time floor.
        self.bytes_tx = 0
        self.bytes_rx = 0
        self.transactions = 0

    # -- port --------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._client is not None and self._client.connected

    def open(self) -> None:
        """Open the port or raise PortLost saying why."""
        self.close()
        client = _TappedClient(self.port, self._on_bytes, baudrate=self.baud, bytesize=8,
                               parity="N", stopbits=1, timeout=self.timeout_s, retries=0)
        if not client.connect():
            if "://" not in self.port and not os.path.exists(self.port):
                raise PortLost(f"{self.port} not found (adapter unplugged?)")
            raise PortLost(f"cannot open {self.port} (in use or no permission?)")
        self._client = client
        self._next_tx = 0.0
        if self.tap:
            self.tap("open", f"{self.port} {self.baud} 8N1".encode(), time.time())

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a vanished port may fail; it is gone either way
                log.debug("close failed", exc_info=True)
            if self.tap:
                self.tap("close", self.port.encode(), time.time())

    def port_present(self) -> bool:
        return "://" in self.port or os.path.exists(self.port)

    def _lost(self) -> PortLost:
        """Close the port and say why, in words for the screen."""
        self.close()
        if not self.port_present():
            return PortLost(f"{self.port} not found (adapter unplugged?)")
        return PortLost(f"{self.port} stopped working (adapter unplugged or faulty?)")

    # -- counters ----------------------------------------------------------------------
    def _count(self, address: int, name: str, n: int = 1) -> None:
        with self._lock:
            c = self._counts.setdefault(address, {})
            c[name] = (c.get(name) or 0) + n

    def counters(self) -> dict[int, LinkCounters]:
        with self._lock:
            return {a: LinkCounters(**{k: v for k, v in c.items() if k in _COUNTER_NAMES})
                    for a, c in sorted(self._counts.items())}

    # -- transactions ------------------------------------------------------------------
    def read(self, address: int, start: int, count: int, retries: int = 1) -> Reply:
        return self._transact(address, frames.READ, start, count, None, retries)

    def write(self, address: int, start: int, values: list[int], retries: int = 0) -> Reply:
        return self._transact(address, frames.WRITE, start, len(values), values, retries)

    def _on_bytes(self, direction: str, data: bytes) -> None:
        if direction == "rx":
            self._rx += data
            self.bytes_rx += len(data)
        else:
            self.bytes_tx += len(data)
        if self.tap:
            self.tap(direction, data, time.time())

    def _wait_gap(self) -> None:
        delay = self._next_tx - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)

    def _drain(self) -> None:
        """Wait for a quiet line, then count what arrived since the last transaction.

        An RTU master must not talk over a frame still on the wire (a late reply); and
        reading it whole lets it be counted as a late reply rather than as noise.
        """
        client = self._client
        assert client is not None
        data = bytearray(self._carry)
        self._carry = b""
        quiet = max(2 * t35(self.baud), 0.002)
        deadline = time.monotonic() + self.timeout_s
        try:
            while client.socket is not None:
                waiting = client.socket.in_waiting
                if not waiting:
                    if not data or time.monotonic() > deadline:
                        break
                    time.sleep(quiet)
                    if not client.socket.in_waiting:
                        break
                    continue
                chunk = client.socket.read(waiting)
                self._on_bytes("rx", chunk)
                data += chunk
        except OSError as exc:
            raise self._lost() from exc
        self._rx.clear()
        if data:
            self._count_stray(frames.scan(bytes(data)), self._last_address)

    def _count_stray(self, pieces: list[frames.Piece], address: Optional[int]) -> None:
        for p in pieces:
            if p.kind == "frame":
                self._count(p.data[0], "late_replies")
            elif p.kind == "ascii":
                self._count(address or 0, "foreign_frames")
            elif p.kind != "reply":
                self._count(address or 0, "garbage_bytes", len(p.data))

    def _transact(self, address: int, function: int, start: int, count: int,
                  values: Optional[list[int]], retries: int) -> Reply:
        if not self.is_open:
            raise PortLost(f"{self.port} is not open")
        expect = Expect(address, function, count if function == frames.READ else 0)
        attempt = 0
        while True:
            self._wait_gap()
            if self._stop.is_set():
                return Reply("stopped", attempts=attempt)
            self._drain()
            self._rx.clear()
            self._count(address, "requests")
            if attempt:
                self._count(address, "retries")
            attempt += 1
            reply = self._attempt(address, function, start, count, values, expect)
            reply.attempts = attempt
            self._last_address = address
            self._next_tx = time.monotonic() + max(self.gap_s, t35(self.baud))
            self.transactions += 1
            if reply.answered or attempt > retries:
                return reply

    def _attempt(self, address: int, function: int, start: int, count: int,
                 values: Optional[list[int]], expect: Expect) -> Reply:
        client = self._client
        assert client is not None
        t0 = time.perf_counter()
        try:
            if function == frames.READ:
                pdu = client.read_holding_registers(start, count=count, device_id=address)
            else:
                pdu = client.write_registers(start, values or [], device_id=address)
        except ConnectionException as exc:
            raise self._lost() from exc
        except ModbusException:
            pdu = None
        latency = time.perf_counter() - t0
        if self._client is None or not self._client.connected:
            raise self._lost()
        pieces = frames.scan(bytes(self._rx), expect)
        self._rx.clear()
        if pdu is not None and not _answers(pdu, function, start, count, values):
            # pymodbus checks only the slave id: this is a late reply to another request
            # to the same pack (another range). Never take its registers for these.
            return self._mismatched(pieces, address, latency)
        if pdu is not None and not pdu.isError():
            self._count_extra(pieces, address)
            return self._good(address, tuple(pdu.registers) if function == frames.READ else (),
                              latency)
        if pdu is not None:
            self._count_extra(pieces, address)
            self._count(address, "exceptions")
            return Reply("exception", exception_code=pdu.exception_code, latency_s=latency)
        return self._failed(pieces, address)

    def _good(self, address: int, registers: tuple[int, ...], latency: float) -> Reply:
        self._count(address, "good")
        with self._lock:
            self._counts[address]["last_latency_s"] = latency
        return Reply("ok", registers, latency_s=latency)

    def _mismatched(self, pieces: list[frames.Piece], address: int, latency: float) -> Reply:
        self._count_stray([p for p in pieces if p.kind != "reply"], address)
        replies = [p for p in pieces if p.kind == "reply"]
        if not replies:
            return Reply("late")
        # The right reply came in the same read, right behind the late one: take it.
        frame = replies[0].data
        self._count_stray([frames.Piece("frame", p.data) for p in replies[1:]], address)
        if frame[1] & frames.EXCEPTION_BIT:
            self._count(address, "exceptions")
            return Reply("exception", exception_code=frame[2], latency_s=latency)
        return self._good(address, frames.reply_registers(frame)
                          if frame[1] == frames.READ else (), latency)

    def _count_extra(self, pieces: list[frames.Piece], address: int) -> None:
        """Bytes around an accepted reply: noise, or a late copy of an earlier reply."""
        seen = False
        extra = []
        for p in pieces:
            if p.kind == "reply" and not seen:
                seen = True
                continue
            extra.append(p if p.kind != "reply" else frames.Piece("frame", p.data))
        if extra and extra[-1].kind == "short":
            # The start of another copy of this reply: judge it once the rest has arrived.
            self._carry = extra.pop().data
        self._count_stray(extra, address)

    def _failed(self, pieces: list[frames.Piece], address: int) -> Reply:
        kinds = [p.kind for p in pieces]
        self._count_stray([p for p in pieces if p.kind in ("garbage", "frame")], address)
        if "ascii" in kinds:
            self._count(address, "foreign_frames", kinds.count("ascii"))
            return Reply("foreign")
        if "crc" in kinds:
            self._count(address, "crc_errors")
            return Reply("crc")
        if "short" in kinds:
            self._count(address, "truncated")
            return Reply("truncated")
        self._count(address, "timeouts")
        # A good reply that pymodbus could not pick out (noise in front of it) still
        # counts as a timeout: the master saw no usable answer in time.
        return Reply("garbage" if pieces else "timeout")
