"""Fuzz every decoder and parser with seeded random inputs; report anything that escapes.

    .venv/bin/python bench/fuzz.py [--inputs 100000] [--seed 1] [--only can-frames,...]

Decoders, each fed ``--inputs`` inputs built from valid ones by mutation (bit flips, cuts,
extensions, wrong lengths and codes with the checksums fixed up, garbage, extreme values)
plus wholly random ones:

    can-frames        drivers.can.decode.SystemDecoder.feed, one CAN frame per input
    can-replay        candump lines, in files, through drivers.replay.system_at and
                      drivers.can.playback.LogPlayer (one line per input)
    modbus-replies    reply bytes through drivers.modbus.link.RtuLink (pymodbus's own RTU
                      framer and PDU decoder behind a stand-in serial client)
    modbus-registers  register images through drivers.modbus.codec.decode_pack; a sample of
                      the snapshots is then drawn on every page
    modbus-capture    capture lines through drivers.modbus.capture.read_capture
    theme             theme JSON files through hmi.theme.load_theme; the logo page is drawn
                      with each theme that differs from the default
    config            TOML files and environments through hmi.config.load_config

An input "escapes" when an exception leaves the decoder. Each bad input must also
become a counted condition (a counter or a logged problem); inputs that decode but break a
rule (a reply accepted with the wrong length, a line silently dropped) are counted as
findings. Exit status 1 if anything escaped.

tests/test_fuzz.py runs the same inputs (and hypothesis's own) in smaller numbers.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import logging
import math
import os
import random
import struct
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from hmi.scenes import headless_environment  # noqa: E402

headless_environment()

import can  # noqa: E402


@dataclass
class Tally:
    """What one decoder made of its inputs."""

    name: str
    inputs: int = 0
    #: Inputs the decoder counted or logged as bad (malformed, unknown, unreadable ...).
    counted_bad: int = 0
    escaped: int = 0
    #: "Type at file:line" → (count, first input that did it).
    escapes: dict[str, list] = field(default_factory=dict)
    #: Rule breaks that raised nothing (reply of the wrong length accepted, ...).
    findings: Counter = field(default_factory=Counter)
    finding_examples: dict[str, str] = field(default_factory=dict)
    notes: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def escape(self, exc: BaseException, what: object) -> None:
        self.escaped += 1
        # Named by the innermost frame in this repository: that is where a fix goes.
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if str(ROOT) in f.filename and "/bench/" not in f.filename
                and "/.venv/" not in f.filename] or frames[-1:]
        where = f"{Path(ours[-1].filename).relative_to(ROOT) if str(ROOT) in ours[-1].filename else Path(ours[-1].filename).name}:{ours[-1].lineno}"
        key = f"{type(exc).__name__} at {where}"
        if key not in self.escapes:
            self.escapes[key] = [0, f"{str(exc)[:100]} for {_short(what)}"]
        self.escapes[key][0] += 1

    def find(self, kind: str, what: object) -> None:
        self.findings[kind] += 1
        self.finding_examples.setdefault(kind, _short(what))


def _short(what: object, n: int = 160) -> str:
    text = repr(what)
    return text if len(text) <= n else text[:n] + f"... ({len(text)} chars)"


# -- shared mutation ---------------------------------------------------------------------
EXTREMES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)


def mutate_bytes(rng: random.Random, data: bytes, max_ops: int = 4) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, max_ops)):
        op = rng.random()
        pos = rng.randrange(len(b) + 1)
        if op < 0.3 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op < 0.45 and b:
            b[rng.randrange(len(b))] = rng.choice(EXTREMES)
        elif op < 0.6:
            del b[pos:pos + rng.randint(1, 4)]
        elif op < 0.75:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op < 0.85 and b:
            del b[rng.randrange(len(b)):]          # cut short
        else:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(b)


def mutate_text(rng: random.Random, text: str, alphabet: str, max_ops: int = 3) -> str:
    for _ in range(rng.randint(1, max_ops)):
        pos = rng.randrange(len(text) + 1)
        op = rng.random()
        if op < 0.4:
            text = text[:pos] + rng.choice(alphabet) + text[pos + 1:]
        elif op < 0.7:
            text = text[:pos] + text[pos + rng.randint(1, 3):]
        else:
            text = text[:pos] + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))) \
                + text[pos:]
    return text


def random_text(rng: random.Random, n: int) -> str:
    pools = ("abcXYZ 019_-./", "\x00\x01\x1b\x7f\n\t\r", "äöüé€漢字😀", "\ud800\udfff",
             "\u202e\u200b\ufeff")
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))


# -- CAN frames ----------------------------------------------------------------------------
def _specs():
    from drivers.can.dbc import frame_specs
    return frame_specs()


def gen_can_message(rng: random.Random, t: float) -> can.Message:
    specs = _specs()
    r = rng.random()
    if r < 0.7:
        spec = specs[rng.choice(sorted(specs))]
        ident, extended, length = spec.frame_id, False, spec.message.length
    elif r < 0.8:
        ident, extended, length = rng.choice(sorted(specs)), True, 8
    else:
        extended = rng.random() < 0.5
        ident, length = rng.randrange(1 << (29 if extended else 11)), rng.randint(0, 8)
    fd = rng.random() < 0.03
    roll = rng.random()
    if roll < 0.6:
        n = length
    elif roll < 0.8:
        n = rng.randint(0, max(0, length - 1))
    else:
        n = rng.randint(0, 64 if fd else 8)
    data = bytes(rng.choice(EXTREMES) if rng.random() < 0.2 else rng.randrange(256)
                 for _ in range(n))
    ts = t
    weird = rng.random()
    if weird < 0.01:
        ts = rng.choice((math.nan, math.inf, -math.inf, 1e300, -1.0, 0.0))
    return can.Message(timestamp=ts, arbitration_id=ident, is_extended_id=extended,
                       is_remote_frame=rng.random() < 0.04, is_error_frame=rng.random() < 0.02,
                       is_fd=fd, data=data, dlc=n, check=False)


def check_system_snapshot(snap, tally: Tally, what: object) -> None:
    """A decoded summary carries no number a page could not show."""
    if snap is None:
        return
    for name in ("voltage_v", "current_a", "soc", "soh", "temperature_c",
                 "charge_voltage_limit_v", "discharge_voltage_limit_v",
                 "charge_current_limit_a", "discharge_current_limit_a", "min_temp_c",
                 "max_temp_c", "timestamp"):
        v = getattr(snap, name)
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v)):
            tally.find(f"non-finite {name} in SystemSnapshot", what)


def can_frame_case(decoder, msg: can.Message, tally: Tally) -> None:
    """Feed one frame; the counts must add up and a frame that adds nothing is counted."""
    tally.inputs += 1
    before = decoder.counters()
    try:
        decoder.feed(msg)
        after = decoder.counters()
    except Exception as exc:  # noqa: BLE001 - this is what is being looked for
        tally.escape(exc, msg)
        return
    kinds = ("decoded", "unknown", "malformed", "error_frames")
    moved = [k for k in kinds if getattr(after, k) != getattr(before, k)]
    if after.frames != before.frames + 1 or len(moved) != 1:
        tally.find("counters do not add up", msg)
    if moved and moved[0] != "decoded" or after.short != before.short \
            or after.out_of_range != before.out_of_range:
        tally.counted_bad += 1


def fuzz_can_frames(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    from drivers.can.decode import SystemDecoder
    decoder = SystemDecoder()
    t = 1_781_510_400.0
    for i in range(n):
        if i % 2000 == 0:
            decoder = SystemDecoder()
        t += rng.uniform(0.0, 0.05) if rng.random() > 0.01 else -rng.uniform(0, 100)
        msg = gen_can_message(rng, t)
        can_frame_case(decoder, msg, tally)
        if i % 50 == 0:
            try:
                check_system_snapshot(decoder.snapshot(), tally, msg)
                decoder.extras()
            except Exception as exc:  # noqa: BLE001
                tally.escape(exc, ("snapshot after", msg))


# -- CAN replay files (candump -L lines) -------------------------------------------------
CANDUMP_ALPHABET = "0123456789ABCDEFabcdef#R(). -nainfx\t\x00é"


def candump_line(msg: can.Message, channel: str = "can0") -> str:
    from drivers.can.decode import frame_text
    body = frame_text(msg)
    if msg.is_error_frame:
        body = "20000080#0000000000000000"
    return f"({msg.timestamp:.6f}) {channel} {body}"


def gen_candump_file(rng: random.Random, lines: int) -> bytes:
    out = []
    t = 1_781_510_400.0
    for _ in range(lines):
        t += rng.uniform(0.0, 0.2)
        msg = gen_can_message(rng, t)
        if not math.isfinite(msg.timestamp):
            line = f"({msg.timestamp}) can0 351#00"
        else:
            line = candump_line(msg, rng.choice(("can0", "vcan1", "0", "slcan0")))
            if rng.random() < 0.3:
                line += rng.choice((" R", " T", " X"))
        roll = rng.random()
        if roll < 0.25:
            line = mutate_text(rng, line, CANDUMP_ALPHABET)
        elif roll < 0.28:
            line = random_text(rng, rng.randint(0, 40))
        elif roll < 0.30:
            line = ""
        out.append(line.encode("utf-8", "surrogatepass"))
    data = b"\n".join(out) + b"\n"
    if rng.random() < 0.05:
        data = mutate_bytes(rng, data, 2)     # a torn write, or bytes that are not UTF-8
    return data


def text_lines(data: bytes) -> list[str]:
    """The lines of a file as a text-mode open() iterates them (universal newlines)."""
    return [line.rstrip("\n") for line in
            io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")]


def candump_oracle(line: str) -> Optional[can.Message]:
    """What python-can makes of one line on its own; None if it cannot read it."""
    from can.io.canutils import CanutilsLogReader
    if not line.strip():
        return None
    try:
        msgs = list(CanutilsLogReader(io.StringIO(line + "\n")))
    except Exception:  # noqa: BLE001 - the oracle only sorts lines
        return None
    return msgs[0] if msgs and math.isfinite(msgs[0].timestamp) else None


def fuzz_can_replay(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    from drivers.can.decode import SystemDecoder
    from drivers.can.playback import LogPlayer
    from drivers.replay import system_at
    reader = _replay_reader()
    files = 0
    while tally.inputs < n:
        files += 1
        size = rng.randint(20, 300)
        data = gen_candump_file(rng, size)
        path = work / ("replay.log.gz" if rng.random() < 0.05 else "replay.log")
        path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
        text = text_lines(data)
        good = sum(1 for line in text if candump_oracle(line) is not None)
        blank = sum(1 for line in text if not line.strip())
        tally.inputs += len(text)
        # The reading path replay and screenshots share, then the decoder behind it.
        problems: list[str] = []
        decoder = SystemDecoder()
        read = 0
        try:
            for msg in reader(path, problems.append):
                read += 1
                decoder.feed(msg)
            check_system_snapshot(decoder.snapshot(), tally, path.name)
        except Exception as exc:  # noqa: BLE001
            tally.escape(exc, (path.name, data[:200]))
        tally.counted_bad += len(problems)
        if read < good:
            tally.find("frames lost after an unreadable line", data[:200])
        elif read + len(problems) + blank != len(text):
            tally.find("a line neither read nor named as a problem", data[:200])
        if files % 10 == 0:
            try:
                check_system_snapshot(system_at(path, rng.uniform(0, 60)), tally, path.name)
            except Exception as exc:  # noqa: BLE001
                tally.escape(exc, ("system_at", data[:200]))
        if files % 25 == 0:
            # The player as replay runs it, at a speed where the recorded gaps vanish.
            # skip_s: a recorded gap of hours (a corrupt timestamp) is not waited out here.
            player = LogPlayer(path, speed=1e9, skip_s=0.001)
            got = 0
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if player.recv(0.05) is not None:
                    got += 1
                elif player.status:
                    break
            player.shutdown()
            tally.notes["LogPlayer files"] += 1
            if got < good:
                tally.find("LogPlayer delivered fewer frames than the file holds", data[:200])
            if "unreadable" in player.status:
                tally.notes["LogPlayer stopped by an unreadable line"] += 1


def _replay_reader() -> Callable[[Path, Callable[[str], None]], Iterator[can.Message]]:
    """The reading function replay uses: drivers.can.playback.read_frames, or (before it
    existed) python-can's LogReader, which stops at the first unreadable line."""
    from drivers.can import playback
    if hasattr(playback, "read_frames"):
        return playback.read_frames

    def log_reader(path: Path, _problem) -> Iterator[can.Message]:
        with can.LogReader(path) as reader:
            yield from reader
    return log_reader


# -- Modbus replies --------------------------------------------------------------------------
class _StandInClient:
    """What pymodbus's serial client does with the bytes of one reply, without a port:
    the bytes go to the link's tap, pymodbus's RTU framer and PDU decoder pick the reply,
    and the transaction checks only the device id (as its sync_execute does)."""

    connected = True
    socket = None

    def __init__(self, link):
        from pymodbus.framer import FramerRTU
        from pymodbus.pdu import DecodePDU
        self.link = link
        self.reply = b""
        self.framer = FramerRTU(DecodePDU(False))

    def _exchange(self, device_id: int):
        from pymodbus.exceptions import ModbusIOException
        data = self.reply
        if data:
            self.link._on_bytes("rx", data)
        _used, pdu = self.framer.handleFrame(data, device_id, 0)
        if pdu is None or pdu.dev_id != device_id:
            raise ModbusIOException("no response")
        return pdu

    def read_holding_registers(self, address: int, *, count: int, device_id: int):
        return self._exchange(device_id)

    def write_registers(self, address: int, values, *, device_id: int):
        return self._exchange(device_id)

    def close(self) -> None:
        pass


def modbus_link():
    from drivers.modbus.link import RtuLink
    link = RtuLink("stand-in", baud=115200, timeout_s=0.0, gap_s=0.0)
    link._client = _StandInClient(link)
    return link


def gen_modbus_reply(rng: random.Random) -> tuple[int, int, int, int, bytes]:
    """(address, function, start, count, reply bytes): a reply, often not the right one."""
    from drivers.modbus import frames
    address = rng.randint(1, 30)
    function = frames.READ if rng.random() < 0.8 else frames.WRITE
    start = rng.randrange(0, 300)
    count = rng.randint(1, 125) if function == frames.READ else rng.randint(1, 10)
    roll = rng.random()
    if roll < 0.15:
        body = bytes([address, function | 0x80, rng.choice((1, 2, 3, 4, 11, 0, 255))])
    elif roll < 0.25:
        # A valid frame that answers something else: other function, other length.
        other = frames.WRITE if function == frames.READ else frames.READ
        n = rng.randint(0, 125)
        body = bytes([address, other]) + (bytes([2 * n]) + bytes(2 * n) if other == frames.READ
                                          else struct.pack(">HH", start, n))
    elif roll < 0.35 and function == frames.READ:
        n = rng.choice([c for c in (0, 1, count - 1, count + 1, 125) if c != count and c >= 0])
        body = bytes([address, frames.READ, (2 * n) & 0xFF]) + bytes(
            rng.randrange(256) for _ in range(2 * n))
    elif function == frames.READ:
        body = bytes([address, frames.READ, 2 * count]) + bytes(
            rng.choice(EXTREMES) if rng.random() < 0.2 else rng.randrange(256)
            for _ in range(2 * count))
    else:
        body = bytes([address, frames.WRITE]) + struct.pack(">HH", start, count)
    if rng.random() < 0.1:
        body = bytes([rng.choice((0, rng.randint(1, 247), 255))]) + body[1:]   # who answered
    data = body + frames.crc(body)
    roll = rng.random()
    if roll < 0.3:
        data = mutate_bytes(rng, data)
    elif roll < 0.36:
        data = b"~20014A" + bytes(rng.randrange(48, 58) for _ in range(10)) + b"\r"
    elif roll < 0.42:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    elif roll < 0.48:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6))) + data
    elif roll < 0.52:
        data = data + data
    elif roll < 0.55:
        data = b""
    return address, function, start, count, data


REPLY_STATUSES = {"ok", "exception", "timeout", "crc", "truncated", "garbage", "foreign",
                  "late"}


def modbus_reply_case(link, address: int, function: int, start: int, count: int,
                      data: bytes, tally: Tally) -> None:
    from drivers.modbus import frames
    tally.inputs += 1
    link._client.reply = data
    before = link.counters().get(address)
    try:
        if function == frames.READ:
            reply = link.read(address, start, count, retries=0)
        else:
            reply = link.write(address, start, [0] * count)
    except Exception as exc:  # noqa: BLE001
        tally.escape(exc, (address, function, start, count, data))
        return
    after = link.counters()[address]
    if reply.status not in REPLY_STATUSES:
        tally.find(f"unknown reply status {reply.status!r}", data)
    if reply.ok:
        if function == frames.READ and len(reply.registers) != count:
            tally.find("reply of the wrong length or function accepted as good",
                       (function, count, data))
    else:
        errors = ("exceptions", "crc_errors", "timeouts", "truncated", "foreign_frames",
                  "late_replies", "garbage_bytes")
        if before is not None and not any(getattr(after, k) > getattr(before, k)
                                          for k in errors):
            tally.find("a failed reply moved no error counter", data)
        tally.counted_bad += 1


def fuzz_modbus_replies(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    link = modbus_link()
    for i in range(n):
        if i % 5000 == 0:
            link = modbus_link()
        modbus_reply_case(link, *gen_modbus_reply(rng), tally)


# -- Modbus register images ----------------------------------------------------------------
_IMAGES: list[dict[int, int]] = []


def base_images() -> list[dict[int, int]]:
    """Register images of real simulated packs: charging, protecting, cold, offline."""
    if not _IMAGES:
        from drivers.modbus import codec
        from drivers.modbus.regmap import load
        from drivers.simbms import BatterySim
        m = load()
        for scenario, at in (("day", 5400), ("overcharge", 7340), ("cold", 3600),
                             ("imbalance", 600), ("short", 630)):
            sim = BatterySim(packs=2, seed=3, scenario=scenario, cells=16 if at % 2 else 8)
            sim.run_until(at)
            for snap in sim.snapshots():
                _IMAGES.append(codec.encode_pack(m, snap))
    return _IMAGES


def gen_register_image(rng: random.Random) -> dict[int, int]:
    image = dict(rng.choice(base_images()))
    regs = sorted(image)
    roll = rng.random()
    if roll < 0.05:
        return {r: rng.randrange(0x10000) for r in regs if rng.random() < 0.9}
    for _ in range(rng.randint(1, 20)):
        r = rng.choice(regs)
        image[r] = rng.choice((0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, rng.randrange(0x10000)))
    for _ in range(rng.randint(0, 8) if rng.random() < 0.3 else 0):
        image.pop(rng.choice(regs), None)
    if rng.random() < 0.05:
        first = rng.choice(regs)
        for r in range(first, first + rng.randint(1, 60)):
            image.pop(r, None)
    if rng.random() < 0.05:
        image[rng.randrange(0x10000)] = rng.randrange(0x10000)
    return image


class PageDrawer:
    """Draws a snapshot on every page, as a frame would show it."""

    def __init__(self):
        import pygame

        from hmi.app import HmiApp
        from hmi.bus import DataBus, FakeClock
        from hmi.profile import PROFILES
        from hmi.theme import load_theme
        from screens import PAGE_IDS
        pygame.font.init()
        self.clock = FakeClock(1_781_510_400.0, 0.0)
        self.bus = DataBus(self.clock)
        self.app = HmiApp(self.bus, PROFILES["480x320"], load_theme(), start_page="pack",
                          logo_seconds=float("inf"))
        self.surface = pygame.Surface(PROFILES["480x320"].size)
        self.pages = [p for p in PAGE_IDS if p != "logo"]

    def draw_all(self, snap) -> None:
        self.clock.advance(1.0)
        self.bus.configure([snap.address])
        self.bus.publish(snap)
        for page in self.pages:
            self.app.goto(page, detail_address=snap.address, alarm_address=snap.address,
                          selected=int(self.clock.t) % 3)
            self.app.update()
            self.app.draw(self.surface)
        if snap.history and snap.history.records:
            # The alarm detail dialog reads a record's code, index and value.
            self.app.goto("alarms", alarm_address=snap.address)
            self.app.act(("open_alarm", 0, snap.history.records[0].code))
            self.app.draw(self.surface)


def fuzz_modbus_registers(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    from drivers.modbus import codec
    from drivers.modbus.regmap import load
    m = load()
    drawer = PageDrawer()
    for i in range(n):
        image = gen_register_image(rng)
        address = rng.randint(1, 30)
        tally.inputs += 1
        try:
            snap = codec.decode_pack(m, address, image, 1_781_510_400.0 + i)
        except Exception as exc:  # noqa: BLE001
            tally.escape(exc, sorted(image.items())[:40])
            continue
        if snap is None:
            tally.counted_bad += 1
            continue
        if snap.unavailable:
            tally.counted_bad += 1
        if i % 50 == 0:
            tally.notes["snapshots drawn on every page"] += 1
            try:
                drawer.draw_all(snap)
            except Exception as exc:  # noqa: BLE001
                tally.escape(exc, ("drawing", snap))


# -- Modbus capture files --------------------------------------------------------------------
def gen_capture_lines(rng: random.Random, lines: int) -> list[str]:
    from drivers.modbus import frames
    out = ["# modbus RTU capture v1"]
    t = 1_781_510_400.0
    while len(out) < lines:
        t += rng.uniform(0.001, 0.3)
        address, function, start, count, reply = gen_modbus_reply(rng)
        request = frames.read_request(address, start, count) if function == frames.READ \
            else bytes([address, frames.WRITE]) + struct.pack(">HHB", start, count, 2 * count) \
            + bytes(2 * count)
        if function == frames.WRITE:
            request += frames.crc(request)
        if rng.random() < 0.1:
            request = mutate_bytes(rng, request)
        out.append(f"{t:.6f} tx {request.hex().upper()}")
        cut = sorted(rng.randrange(len(reply) + 1) for _ in range(rng.randint(0, 2)))
        for a, b in zip([0, *cut], [*cut, len(reply)]):
            if b > a:
                out.append(f"{t + 0.01:.6f} rx {reply[a:b].hex().upper()}")
        if rng.random() < 0.05:
            out.append(f"{t:.6f} {rng.choice(('open', 'close', 'note'))} /dev/ttyUSB0 9600 8N1")
    for i in range(len(out)):
        if rng.random() < 0.03:
            out[i] = mutate_text(rng, out[i], "0123456789ABCDEFxtr .#-nan")
    return out


def fuzz_modbus_capture(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    from drivers.modbus.capture import CaptureDecoder, CaptureRecord, read_capture
    path = work / "capture.mbcap"
    while tally.inputs < n:
        lines = gen_capture_lines(rng, rng.randint(10, 120))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tally.inputs += len(lines)
        bad: list[str] = []
        try:
            # As a replay reads it: each corrupt line skipped, named and counted.
            for _ts, _snap in read_capture(path, on_bad_line=bad.append):
                tally.notes["snapshots from captures"] += 1
        except Exception as exc:  # noqa: BLE001
            tally.escape(exc, lines[:5])
        tally.counted_bad += len(bad)
        tally.notes["corrupt capture lines skipped"] += len(bad)
        for problem in bad:
            if not problem.startswith("capture.mbcap:"):
                tally.find("skipped line not named by its number", problem)
        # The record level, which a live recording's replay also goes through.
        decoder = CaptureDecoder()
        for _ in range(10):
            record = CaptureRecord(rng.uniform(0, 2e9), rng.choice(("tx", "rx", "open", "x")),
                                   mutate_bytes(rng, gen_modbus_reply(rng)[4] or b"\x01"))
            try:
                decoder.feed(record)
            except Exception as exc:  # noqa: BLE001
                tally.escape(exc, record)


# -- theme files ---------------------------------------------------------------------------
def _png(path: Path) -> None:
    from PIL import Image
    Image.new("RGBA", (8, 4), (200, 30, 30, 255)).save(path)


def gen_theme_doc(rng: random.Random) -> bytes:
    from hmi.theme import DEFAULT_COLORS

    def value(depth: int = 0):
        r = rng.random()
        if r < 0.2:
            return "#" + "".join(rng.choice("0123456789abcdefABCDEFxg") for _ in
                                 range(rng.choice((6, 6, 6, 3, 8))))
        if r < 0.3:
            return [rng.choice((0, 255, 256, -1, 12.5, True, "a")) for _ in range(rng.choice((3, 3, 2, 4)))]
        if r < 0.4:
            return random_text(rng, rng.randint(0, 30))
        if r < 0.5:
            return rng.choice((None, True, 0, -1, 1e308, 2 ** 70))
        if r < 0.55 and depth < 3:
            return {random_text(rng, 3): value(depth + 1) for _ in range(rng.randint(0, 3))}
        if r < 0.6 and depth < 3:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return "#%02x%02x%02x" % (rng.randrange(256), rng.randrange(256), rng.randrange(256))

    doc: dict = {}
    if rng.random() < 0.7:
        doc["name"] = rng.choice((random_text(rng, rng.randint(0, 24)), "Acme",
                                  "x" * rng.choice((100, 5000)), 5, None, ["a"]))
    if rng.random() < 0.5:
        doc["tagline"] = rng.choice((random_text(rng, rng.randint(0, 60)), 7, ""))
    if rng.random() < 0.4:
        doc["logo"] = rng.choice(("logo.png", "bad.png", "missing.png", "", ".", "..",
                                  "logo.png\x00", "/etc/passwd", 3, None, "a" * 300))
    if rng.random() < 0.9:
        roles = list(DEFAULT_COLORS) + ["sparkle", ""]
        colors = {rng.choice(roles): value() for _ in range(rng.randint(0, 8))}
        doc["colors"] = colors if rng.random() < 0.9 else value()
    for _ in range(rng.randint(0, 2)):
        doc[random_text(rng, 4)] = value()
    top = doc if rng.random() < 0.95 else rng.choice(([doc], "text", 3, None))
    data = json.dumps(top, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.15:
        data = mutate_bytes(rng, data)
    elif roll < 0.17:
        data = b"[" * rng.choice((10, 5000, 100000))
    elif roll < 0.18:
        data = b""
    return data


class LogoDrawer:
    """The logo page (name, tagline, logo image) drawn with a given theme."""

    def __init__(self):
        import pygame

        from hmi.profile import PROFILES
        from hmi.text import TextRenderer
        from hmi.theme import load_theme
        pygame.font.init()
        self.profile = PROFILES["800x480"]
        self.surface = pygame.Surface(self.profile.size)
        # Fonts come from the default theme's files, whatever the brand: one renderer.
        self.text = TextRenderer(load_theme(), self.profile)

    def draw(self, theme) -> None:
        from hmi.bus import DataBus, FakeClock
        from hmi.widgets import Canvas
        from screens.context import PageContext, UiState
        from screens.logo import LogoPage
        cv = Canvas(self.surface, theme, self.profile, self.text)
        ctx = PageContext(DataBus(FakeClock(0.0)).view(), UiState(page="logo"), None)
        LogoPage().draw(cv, self.surface.get_rect(), ctx)


def theme_case(path: Path, drawer: LogoDrawer, tally: Tally, data: bytes,
               logs: "ListHandler") -> None:
    from hmi.theme import DEFAULT_COLORS, Theme, load_theme
    tally.inputs += 1
    logs.records.clear()
    try:
        theme = load_theme(path)
    except Exception as exc:  # noqa: BLE001
        tally.escape(exc, data)
        return
    if not isinstance(theme, Theme) or set(theme.colors) != set(DEFAULT_COLORS) or any(
            not (isinstance(c, tuple) and len(c) == 3 and all(
                isinstance(v, int) and 0 <= v <= 255 for v in c))
            for c in theme.colors.values()):
        tally.find("theme with a colour that is not RGB", data)
    if logs.records:
        tally.counted_bad += 1
    default = Theme()
    if (theme.name, theme.tagline, theme.logo) != (default.name, default.tagline, default.logo):
        tally.notes["branded themes drawn"] += 1
        try:
            drawer.draw(theme)
        except Exception as exc:  # noqa: BLE001
            tally.escape(exc, ("drawing the logo page", data))


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured(logger: str) -> Iterator[ListHandler]:
    handler = ListHandler()
    lg = logging.getLogger(logger)
    old = lg.propagate, lg.level
    lg.addHandler(handler)
    lg.propagate = False
    lg.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        lg.removeHandler(handler)
        lg.propagate, lg.level = old


def fuzz_theme(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    _png(work / "logo.png")
    (work / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    drawer = LogoDrawer()
    path = work / "brand.json"
    with captured("hmi.theme") as logs:
        for _ in range(n):
            data = gen_theme_doc(rng)
            path.write_bytes(data)
            theme_case(path, drawer, tally, data, logs)


# -- configuration files -------------------------------------------------------------------
def _toml_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("?")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if r < 0.3:
        return _toml_string(rng.choice((
            random_text(rng, rng.randint(0, 20)), "sim", "sim:packs=4", "modbus:/dev/ttyUSB0",
            "can:can0", "replay:assets/recordings/sample-can.log", "auto", "480x320",
            "800x480", "INFO", "debug", "1234", "0000", "12345678", "", "~nosuchuser/x",
            "~/theme.json", "../theme.json", "/nonexistent/x.toml", "brand.json",
            "rec/out.log", "a\x00b")))
    if r < 0.45:
        return str(rng.choice((0, 1, -1, 90, 180, 270, 45, 300, 2 ** 63 - 1, -2 ** 63,
                               10 ** 30, -10 ** 400, 1234)))
    if r < 0.55:
        return rng.choice(("inf", "-inf", "nan", "1e308", "-0.0", "0.5", "1e400", "3.25"))
    if r < 0.65:
        return rng.choice(("true", "false"))
    if r < 0.7:
        return rng.choice(("1979-05-27T07:32:00Z", "07:32:00", "1979-05-27"))
    if r < 0.8 and depth < 3:
        return "[" + ", ".join(_toml_value(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    if r < 0.9 and depth < 3:
        keys = ["x_min", "x_max", "swap_xy", "invert_y", random_text(rng, 3).strip() or "k"]
        return "{" + ", ".join(f"{_toml_key(rng.choice(keys))} = {_toml_value(rng, depth + 1)}"
                               for _ in range(rng.randint(0, 3))) + "}"
    return _toml_string(random_text(rng, rng.randint(0, 8)))


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() \
        else _toml_string(key)


def gen_config_doc(rng: random.Random) -> bytes:
    from hmi.config import TOP, TOUCH
    keys = list(TOP) + ["touch", "sorce", "fullscren", random_text(rng, 5)]
    lines = []
    seen = set()
    for _ in range(rng.randint(0, 10)):
        key = rng.choice(keys)
        if key in seen or key == "touch":
            continue
        seen.add(key)
        lines.append(f"{_toml_key(key)} = {_toml_value(rng)}")
    if rng.random() < 0.4:
        lines.append("[touch]")
        for key in rng.sample(list(TOUCH) + ["pressure"], rng.randint(0, 5)):
            v = _toml_value(rng) if rng.random() < 0.4 else rng.choice(
                ("0.0", "1.0", "0.9", "0.1", "true", "false", "-1.0", "2"))
            lines.append(f"{key} = {v}")
    data = "\n".join(lines).encode()
    roll = rng.random()
    if roll < 0.2:
        data = mutate_bytes(rng, data)
    elif roll < 0.22:
        data = b"a = " + b"[" * rng.choice((10, 400, 2000))
    elif roll < 0.23:
        data = rng.choice((b"", b"\xff\xfe", b"[touch]\n[touch]\n"))
    return data


def gen_config_env(rng: random.Random) -> dict[str, str]:
    from hmi.config import TOP
    env = {}
    for key in rng.sample(list(TOP), rng.randint(0, 3)):
        env["HMI_" + key.upper()] = rng.choice((
            random_text(rng, 6), "sim", "90", "45", "abc", "1e999", "-5", "true", "yes", "",
            "~nosuchuser/t.json", "800x480", "WARN", "12345", str(10 ** 400)))
    return env


def config_case(path: Path, env: dict[str, str], tally: Tally, data: bytes) -> None:
    from hmi.config import HmiConfig, check, load_config
    tally.inputs += 1
    try:
        cfg = load_config(config_file=path, env=env, search=())
    except Exception as exc:  # noqa: BLE001
        tally.escape(exc, (data, env))
        return
    if not isinstance(cfg, HmiConfig):
        tally.find("load_config returned something else", data)
        return
    if cfg.problems:
        tally.counted_bad += 1
    for name in ("profile", "rotation", "sleep_after", "pin", "log_level"):
        try:
            check(name, getattr(cfg, name), Path.cwd())
        except Exception:  # noqa: BLE001
            tally.find(f"config accepted a bad {name}", (data, env))


def fuzz_config(rng: random.Random, n: int, work: Path, tally: Tally) -> None:
    theme = work / "brand.json"
    theme.write_text("{}")
    (work / "rec").mkdir(exist_ok=True)
    path = work / "hmi.toml"
    with captured("hmi.config"):
        for _ in range(n):
            data = gen_config_doc(rng)
            path.write_bytes(data)
            config_case(path, gen_config_env(rng) if rng.random() < 0.3 else {}, tally, data)


# -- running -------------------------------------------------------------------------------
FUZZERS: dict[str, Callable[[random.Random, int, Path, Tally], None]] = {
    "can-frames": fuzz_can_frames,
    "can-replay": fuzz_can_replay,
    "modbus-replies": fuzz_modbus_replies,
    "modbus-registers": fuzz_modbus_registers,
    "modbus-capture": fuzz_modbus_capture,
    "theme": fuzz_theme,
    "config": fuzz_config,
}


def run(name: str, n: int, seed: int) -> Tally:
    tally = Tally(name)
    rng = random.Random(f"{seed}:{name}")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as tmp:
        FUZZERS[name](rng, n, Path(tmp), tally)
    tally.seconds = time.perf_counter() - start
    return tally


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=100_000, help="inputs per decoder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default=",".join(FUZZERS))
    args = ap.parse_args(argv)
    # Every rejected input logs a line; the counts below say the same in a few lines.
    logging.basicConfig(level=logging.CRITICAL)
    escaped = 0
    print(f"{'decoder':17} {'inputs':>8} {'counted bad':>11} {'escaped':>7} {'findings':>8}  time")
    tallies = []
    for name in args.only.split(","):
        t = run(name, args.inputs, args.seed)
        tallies.append(t)
        escaped += t.escaped
        print(f"{name:17} {t.inputs:8d} {t.counted_bad:11d} {t.escaped:7d} "
              f"{sum(t.findings.values()):8d}  {t.seconds:5.1f} s", flush=True)
    for t in tallies:
        for key, (count, example) in t.escapes.items():
            print(f"  {t.name} ESCAPED {count} x {key}: {example}")
        for kind, count in t.findings.items():
            print(f"  {t.name} finding: {kind}: {count} (e.g. {t.finding_examples[kind]})")
        for kind, count in t.notes.items():
            print(f"  {t.name} note: {kind}: {count}")
    print(f"escaped exceptions: {escaped}")
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
