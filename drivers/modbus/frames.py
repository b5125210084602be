"""Modbus RTU frames as bytes: CRC, lengths, and a scanner that names what a byte stream holds.

pymodbus does the framing of a live transaction. This module is for everything around it:
telling a CRC error from a truncated reply or from garbage when a transaction fails (the
counters need the difference; pymodbus reports all three as "no response"), finding late
replies among stray bytes, and reading capture files.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pymodbus.framer import FramerRTU

READ = 0x03
WRITE = 0x10
EXCEPTION_BIT = 0x80
#: A reply on the same port in the Pylon/PACE ASCII protocol starts with "~", ends with CR.
ASCII_SOI, ASCII_EOI = 0x7E, 0x0D
ASCII_MAX = 1024

EXCEPTION_NAMES = {1: "illegal function", 2: "illegal address", 3: "illegal value",
                   4: "device failure"}


def crc(data: bytes) -> bytes:
    """CRC-16/MODBUS as it goes on the wire: low byte first."""
    return FramerRTU.compute_CRC(data).to_bytes(2, "big")


def crc_ok(frame: bytes) -> bool:
    return len(frame) >= 4 and crc(frame[:-2]) == frame[-2:]


def read_request(address: int, start: int, count: int) -> bytes:
    body = bytes([address, READ]) + start.to_bytes(2, "big") + count.to_bytes(2, "big")
    return body + crc(body)


def reply_length(head: bytes) -> Optional[int]:
    """Length of the reply that starts ``head``, or None while the header is incomplete."""
    if len(head) < 2:
        return None
    fc = head[1]
    if fc & EXCEPTION_BIT:
        return 5
    if fc == READ:
        return 5 + head[2] if len(head) >= 3 else None
    if fc == WRITE:
        return 8
    return None


def request_length(head: bytes) -> Optional[int]:
    if len(head) < 2:
        return None
    if head[1] == READ:
        return 8
    if head[1] == WRITE:
        return 9 + head[6] if len(head) >= 7 else None
    return None


@dataclass(frozen=True, slots=True)
class Expect:
    """The reply a request asks for: who, which function, how many registers."""

    address: int
    function: int
    count: int = 0

    def matches_head(self, data: bytes, i: int) -> Optional[int]:
        """Expected length if ``data[i:]`` starts like this reply (or its exception)."""
        if i + 2 > len(data) or data[i] != self.address:
            return None
        fc = data[i + 1]
        if fc == self.function | EXCEPTION_BIT:
            return 5
        if fc != self.function:
            return None
        if fc == READ:
            if i + 3 > len(data):
                return 5 + 2 * self.count
            return 5 + 2 * self.count if data[i + 2] == 2 * self.count else None
        return 8


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of bytes and what it is: ``reply`` (the expected reply, CRC good), ``crc`` (the
    expected reply with a bad CRC), ``short`` (the expected reply, cut off), ``frame`` (some
    other valid RTU reply: late or stray), ``ascii`` (a Pylon/PACE "~...\\r" frame) or
    ``garbage``."""

    kind: str
    data: bytes


def _other_frame(data: bytes, i: int) -> Optional[int]:
    if not 1 <= data[i] <= 247:
        return None
    n = reply_length(data[i:i + 3])
    if n is None or i + n > len(data):
        return None
    return n if crc_ok(data[i:i + n]) else None


def scan(data: bytes, expect: Optional[Expect] = None) -> list[Piece]:
    """Split a received byte stream into pieces, left to right."""
    out: list[Piece] = []
    junk = bytearray()

    def emit(kind: str, chunk: bytes) -> None:
        if junk:
            out.append(Piece("garbage", bytes(junk)))
            junk.clear()
        out.append(Piece(kind, chunk))

    i = 0
    while i < len(data):
        n = expect.matches_head(data, i) if expect else None
        if n is not None:
            if i + n > len(data):
                emit("short", data[i:])
                break
            frame = data[i:i + n]
            emit("reply" if crc_ok(frame) else "crc", frame)
            i += n
            continue
        if data[i] == ASCII_SOI:
            end = data.find(bytes([ASCII_EOI]), i + 1, i + ASCII_MAX)
            if end > 0:
                emit("ascii", data[i:end + 1])
                i = end + 1
                continue
        n = _other_frame(data, i)
        if n is not None:
            emit("frame", data[i:i + n])
            i += n
            continue
        junk.append(data[i])
        i += 1
    if junk:
        out.append(Piece("garbage", bytes(junk)))
    return out


@dataclass(frozen=True, slots=True)
class Request:
    address: int
    function: int
    start: int
    count: int
    values: tuple[int, ...] = ()


def parse_request(frame: bytes) -> Optional[Request]:
    """A whole read/write request with a good CRC, else None."""
    n = request_length(frame)
    if n is None or len(frame) != n or not crc_ok(frame):
        return None
    start = int.from_bytes(frame[2:4], "big")
    count = int.from_bytes(frame[4:6], "big")
    if frame[1] == WRITE:
        vals = tuple(int.from_bytes(frame[7 + 2 * k:9 + 2 * k], "big") for k in range(count))
        return Request(frame[0], WRITE, start, count, vals)
    return Request(frame[0], READ, start, count)


def reply_registers(frame: bytes) -> tuple[int, ...]:
    return tuple(int.from_bytes(frame[3 + 2 * k:5 + 2 * k], "big") for k in range(frame[2] // 2))
