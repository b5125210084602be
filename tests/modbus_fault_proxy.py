"""Stand-ins for an RS485 line in tests and the benchmark: ptys, socat, and a fault proxy.

``SocatPair`` is a socat pty pair at fixed symlink paths that a test can unplug (kill) and
plug back (start again at the same paths). ``FaultProxy`` is a byte-level proxy between
two ptys of its own:

    proxy = FaultProxy(byte_s=0.0).start()
    # the HMI's driver opens proxy.master_port, the simulator slave serves proxy.slave_port
    proxy.set_faults(FaultPlan(("crc",), every=5))   # every 5th reply gets a flipped bit
    proxy.injected["crc"]                             # how many it has corrupted so far

Guarantees: bytes pass in order in each direction; with ``byte_s`` > 0 each byte leaves
``byte_s`` after the previous one (1.042 ms is 9600 baud 8N1), as on a real wire, so
timings through it are wire timings. Faults hit whole replies (slave → master) only, at a
deterministic rate (every Nth reply, kinds taken in turn) or a seeded probability.
Limits: it knows just enough Modbus to find reply boundaries (functions 03, 10 and
exceptions); its framing is its own, independent of the driver under test.
"""
from __future__ import annotations

import os
import queue
import random
import select
import signal
import subprocess
import threading
import time
import tty
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from tests.conftest import require_tool

#: 9600 baud, 8N1: ten bits a byte.
BYTE_S_9600 = 10 / 9600

#: crc: one bit flipped; truncate: first half only; late: held back ``late_s``; drop: never
#: sent; garbage: noise bytes after it; ascii: a Pylon "~..." frame instead; other: a valid
#: reply to some other request of that slave (three registers) instead.
FAULT_KINDS = ("crc", "truncate", "late", "drop", "garbage", "ascii", "other")
#: Garbage never looks like a frame start: 248-255 are not slave addresses, and not "~".
GARBAGE_BYTES = bytes(range(0xF8, 0x100))
PYLON_ASCII = b"~25014A00A0020000FD9E\r"


def _crc(data: bytes) -> bytes:
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def _reply_len(buf: bytes) -> Optional[int]:
    if len(buf) < 2:
        return None
    if buf[1] & 0x80:
        return 5
    if buf[1] == 0x03:
        return 5 + buf[2] if len(buf) >= 3 else None
    if buf[1] == 0x10:
        return 8
    return 0  # not a reply this proxy knows: pass it through as it is


@dataclass(frozen=True)
class FaultPlan:
    """Which faults, how often. ``every=N``: every Nth reply, the kinds in turn;
    ``rate=p``: each reply with probability p, a random kind (seeded)."""

    kinds: tuple[str, ...] = ()
    every: int = 0
    rate: float = 0.0
    late_s: float = 0.3
    garbage_len: tuple[int, int] = (1, 8)

    def __post_init__(self):
        bad = set(self.kinds) - set(FAULT_KINDS)
        if bad:
            raise ValueError(f"unknown fault kinds {sorted(bad)}; use {FAULT_KINDS}")


@dataclass
class _Out:
    not_before: float
    data: bytes
    address: Optional[int] = None
    fault: str = ""


class _Wire(threading.Thread):
    """Writes queued chunks to one pty, paced at ``byte_s`` per byte, first in first out."""

    def __init__(self, fd: int, byte_s: float, on_sent, name: str):
        super().__init__(name=name, daemon=True)
        self.fd, self.byte_s, self.on_sent = fd, byte_s, on_sent
        self.q: "queue.Queue[Optional[_Out]]" = queue.Queue()
        self.free_at = 0.0

    def run(self) -> None:
        while True:
            item = self.q.get()
            if item is None:
                return
            t = max(time.perf_counter(), item.not_before)
            self._sleep_until(t)
            try:
                if self.byte_s <= 0:
                    os.write(self.fd, item.data)
                else:
                    start = max(t, self.free_at)
                    for i in range(len(item.data)):
                        self._sleep_until(start + i * self.byte_s)
                        os.write(self.fd, item.data[i:i + 1])
                    self.free_at = start + len(item.data) * self.byte_s
            except OSError:
                return
            self.on_sent(item)

    @staticmethod
    def _sleep_until(t: float) -> None:
        while True:
            left = t - time.perf_counter()
            if left <= 0:
                return
            time.sleep(left)


class FaultProxy:
    def __init__(self, byte_s: float = 0.0, seed: int = 1):
        self.byte_s = byte_s
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self._n_replies = 0
        self._turn = 0
        self._silenced: set[int] = set()
        self._stop = threading.Event()
        # (master fd we hold, slave fd we keep open so the pty lives, slave path)
        self._m_master, self._s_master = os.openpty()
        self._m_slave, self._s_slave = os.openpty()
        for fd in (self._s_master, self._s_slave):
            tty.setraw(fd)
        self.master_port = os.ttyname(self._s_master)
        self.slave_port = os.ttyname(self._s_slave)
        #: Faults injected so far, by kind; "silenced" counts replies dropped by silence().
        self.injected: Counter = Counter()
        self.garbage_bytes = 0
        self.bytes_to_slave = 0
        self.bytes_to_master = 0
        self.requests: list[tuple[int, int, int, int]] = []
        self.replies_forwarded = 0
        #: perf_counter time the last intact reply from each address reached the master.
        self.last_reply: dict[int, float] = {}
        self._to_slave = _Wire(self._m_slave, byte_s, self._sent_to_slave, "proxy-to-slave")
        self._to_master = _Wire(self._m_master, byte_s, self._sent_to_master, "proxy-to-master")
        self._reader = threading.Thread(target=self._pump, name="proxy-reader", daemon=True)

    # -- control -----------------------------------------------------------------------
    def start(self) -> "FaultProxy":
        self._to_slave.start()
        self._to_master.start()
        self._reader.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._reader.join(timeout=2)
        for w in (self._to_slave, self._to_master):
            w.q.put(None)
            w.join(timeout=2)
        for fd in (self._m_master, self._s_master, self._m_slave, self._s_slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_faults(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan, self._n_replies, self._turn = plan, 0, 0

    def clear_faults(self) -> None:
        self.set_faults(FaultPlan())

    def silence(self, address: int, on: bool = True) -> None:
        """Drop every reply from ``address`` (a pack that stopped answering)."""
        with self._lock:
            (self._silenced.add if on else self._silenced.discard)(address)

    def reset_counts(self) -> None:
        with self._lock:
            self.injected.clear()
            self.garbage_bytes = 0
            self.bytes_to_slave = self.bytes_to_master = 0
            self.requests.clear()
            self.replies_forwarded = 0

    # -- pumping -----------------------------------------------------------------------
    def _pump(self) -> None:
        from_slave = bytearray()
        from_master = bytearray()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._m_master, self._m_slave], [], [], 0.05)
            except (OSError, ValueError):
                return
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # nobody has the other end open yet
                    time.sleep(0.01)
                    continue
                if fd == self._m_master:
                    from_master += data
                    self._requests(from_master)
                else:
                    from_slave += data
                    self._replies(from_slave)

    def _requests(self, buf: bytearray) -> None:
        # Requests pass untouched, but are noted so tests can see what the master sent.
        while len(buf) >= 8:
            fc = buf[1]
            n = 8 if fc == 0x03 else (9 + buf[6] if fc == 0x10 else len(buf))
            if len(buf) < n:
                return
            frame = bytes(buf[:n])
            del buf[:n]
            if fc in (0x03, 0x10) and _crc(frame[:-2]) == frame[-2:]:
                with self._lock:
                    self.requests.append((frame[0], fc, int.from_bytes(frame[2:4], "big"),
                                          int.from_bytes(frame[4:6], "big")))
            self._to_slave.q.put(_Out(0.0, frame))
        if len(buf) >= 2 and buf[1] not in (0x03, 0x10):
            self._to_slave.q.put(_Out(0.0, bytes(buf)))
            buf.clear()

    def _replies(self, buf: bytearray) -> None:
        while buf:
            n = _reply_len(bytes(buf[:3]))
            if n is None or len(buf) < n:
                return
            n = n or len(buf)
            frame = bytes(buf[:n])
            del buf[:n]
            self._forward_reply(frame)

    def _choose(self, address: int) -> tuple[str, FaultPlan]:
        # Decided and counted in one step: once set_faults() returns, every fault of the
        # old plan is in `injected`.
        with self._lock:
            plan = self._plan
            kind = ""
            if address in self._silenced:
                kind = "silenced"
            else:
                self._n_replies += 1
                if plan.kinds and plan.every and self._n_replies % plan.every == 0:
                    kind = plan.kinds[self._turn % len(plan.kinds)]
                    self._turn += 1
                elif plan.kinds and plan.rate and self._rng.random() < plan.rate:
                    kind = self._rng.choice(plan.kinds)
            if kind:
                self.injected[kind] += 1
            return kind, plan

    def _forward_reply(self, frame: bytes) -> None:
        address = frame[0]
        fault, plan = self._choose(address)
        now = time.perf_counter()
        out, not_before = frame, 0.0
        if fault in ("drop", "silenced"):
            out = b""
        elif fault == "crc":
            i = self._rng.randrange(3, len(frame))
            out = frame[:i] + bytes([frame[i] ^ (1 << self._rng.randrange(8))]) + frame[i + 1:]
        elif fault == "truncate":
            out = frame[:max(3, len(frame) // 2)]
        elif fault == "late":
            not_before = now + plan.late_s
        elif fault == "garbage":
            k = self._rng.randint(*plan.garbage_len)
            junk = bytes(self._rng.choice(GARBAGE_BYTES) for _ in range(k))
            out = frame + junk
            with self._lock:
                self.garbage_bytes += k
        elif fault == "ascii":
            out = PYLON_ASCII
        elif fault == "other":
            # Three registers: a length the HMI's driver never asks for.
            body = bytes([address, 0x03, 6, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC])
            out = body + _crc(body)
        if out:
            self._to_master.q.put(_Out(not_before, out, address, fault))

    def _sent_to_slave(self, item: _Out) -> None:
        with self._lock:
            self.bytes_to_slave += len(item.data)

    def _sent_to_master(self, item: _Out) -> None:
        with self._lock:
            self.bytes_to_master += len(item.data)
            self.replies_forwarded += 1
            if item.address is not None and item.fault in ("", "late", "garbage"):
                self.last_reply[item.address] = time.perf_counter()


# -- helpers for the link tests ------------------------------------------------------------
def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.02,
               what: str = "") -> float:
    """Poll until ``condition()`` is true; return the seconds it took, fail at the deadline."""
    start = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        time.sleep(interval)


class SocatPair:
    """``socat pty,raw,echo=0,link=DIR/hmi pty,raw,echo=0,link=DIR/bms`` under control."""

    def __init__(self, directory: str | Path):
        self.socat = require_tool("socat")
        d = Path(directory)
        self.hmi, self.bms = str(d / "hmi"), str(d / "bms")
        self._proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 5.0) -> "SocatPair":
        self._proc = subprocess.Popen(
            [self.socat, "pty,raw,echo=0,link=" + self.hmi, "pty,raw,echo=0,link=" + self.bms],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(self.hmi) and os.path.exists(self.bms), timeout,
                   what="socat made its ptys")
        return self

    def kill(self, sig: int = signal.SIGTERM) -> None:
        """Unplug: SIGTERM makes socat remove its links; SIGKILL leaves them dangling."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.send_signal(sig)
            proc.wait(5)

    def remove_links(self) -> None:
        for path in (self.hmi, self.bms):
            if os.path.lexists(path):
                os.unlink(path)

    def __enter__(self) -> "SocatPair":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
