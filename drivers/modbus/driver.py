"""ModbusDriver: polls 1-30 packs over one RS485 port from its own thread.

Each sweep first reads every pack's live block, one request per pack, and publishes it.
Then, in the time left over (half the live pass, at least one pack), it catches up on the
slow reads: the configuration blocks of packs that (re)appeared or were written, and the
alarm-history counter of packs whose protection or fault flags changed (or every
``history_s``), with the records only when the counter moved. So live data comes back first
after a reconnect, and a slow read never holds up the others' live data.

A pack that stops answering costs one timeout per sweep and goes stale, then lost, on the
bus while the others stay live. If the port itself fails (adapter unplugged) every pack is
reported "link lost" and the port is reopened with backoff until it is back.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from drivers.base import DriverABC, DriverError
from hmi.bus import DataBus, Freshness
from hmi.model import AlarmHistory, Command, CommandResult

from . import codec
from .capture import CaptureWriter
from .link import LinkCounters, PortLost, Reply, RtuLink, char_time, t35
from .regmap import MAX_READ, Block, RegisterMap, RegMapError, load, ranges
from .source import ModbusOptions, parse_source

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 0.1
#: Reopen attempts never wait longer than this, so data is back soon after a replug.
BACKOFF_MAX_S = 0.8
#: Python, the OS and a USB adapter add a few ms per transaction to the wire time.
OVERHEAD_S = 0.015
#: Catch-up reads may take this share of the live pass's time in each sweep.
CATCHUP_SHARE = 0.5


@dataclass(slots=True)
class _Pack:
    address: int
    image: dict[int, int] = field(default_factory=dict)
    answered: bool = False
    need_config: bool = True
    unsupported: set[str] = field(default_factory=set)
    block_last: dict[str, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    #: Read the history counter at the next catch-up (flags changed, pack reappeared).
    history_check: bool = True
    #: Read the records even if the counter looks unchanged (the pack was out of sight).
    history_reload: bool = True
    next_history: float = 0.0
    failure: str = ""

    def catch_up_due(self, now: float) -> bool:
        return self.answered and (self.need_config or self.history_check
                                  or now >= self.next_history)


def sweep_estimate(opts: ModbusOptions, regmap: RegisterMap) -> float:
    """Seconds a sweep of live blocks takes when every pack answers at once."""
    per_pack = 0.0
    for b in regmap.blocks_read("sweep"):
        for _, n in b.chunks():
            wire = (8 + 5 + 2 * n) * char_time(opts.baud)
            per_pack += wire + 2 * t35(opts.baud) + opts.gap_ms / 1000 + OVERHEAD_S
    return max(per_pack * len(opts.packs), opts.sweep_ms / 1000)


def freshness_for(opts: ModbusOptions, regmap: RegisterMap) -> Freshness:
    """Stale only when data is clearly older than a sweep with its catch-up and a retry.

    30 packs at 9600 baud with the 100 ms gap sweep in about 6.5 s, longer than the bus's
    default 5 s: without this every pack would flicker stale between two sweeps.
    """
    sweep = sweep_estimate(opts, regmap) * (1 + CATCHUP_SHARE)
    default = Freshness()
    retry = (opts.retries + 1) * (opts.timeout_ms + opts.gap_ms) / 1000
    stale = opts.stale_s or max(default.stale_after_s, 1.3 * sweep + retry)
    lost = opts.lost_s or max(default.lost_after_s, 3 * stale)
    return Freshness(stale_after_s=stale, lost_after_s=max(lost, stale + 0.1))


class ModbusDriver(DriverABC):
    """A Modbus RTU master for PS-20016S packs; see :mod:`drivers.modbus.source`."""

    name = "modbus"

    def __init__(self, options: ModbusOptions, regmap: Optional[RegisterMap] = None):
        self.options = options
        try:
            self.regmap = regmap or load(options.map)
        except RegMapError as exc:
            raise DriverError(str(exc)) from exc
        self.local_address = options.local
        self.freshness = freshness_for(options, self.regmap)
        self.bus: Optional[DataBus] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._commands: "queue.Queue[Command]" = queue.Queue()
        self._capture: Optional[CaptureWriter] = None
        self.link = RtuLink(options.port, options.baud, options.timeout_ms / 1000,
                            options.gap_ms / 1000, tap=None, stop=self._stop)
        self._packs = {a: _Pack(a) for a in options.packs}
        self._catch_up_order = list(options.packs)
        self._link_problem = ""
        self._live = self.regmap.blocks_read("sweep")
        self._config = self.regmap.blocks_read("config")
        self._flag_regs = sorted({self.regmap.field(p).reg for p in ("protections", "faults")
                                  if self.regmap.has(p)})
        #: Completed sweeps, and how long the last one took (seconds).
        self.sweeps = 0
        self.last_sweep_s: Optional[float] = None

    @classmethod
    def from_source(cls, arg: str) -> "ModbusDriver":
        return cls(parse_source(arg))

    # -- DriverABC ---------------------------------------------------------------------
    def start(self, bus: DataBus) -> None:
        if self._thread is not None:
            raise DriverError("modbus driver already started")
        if self.options.record and self.start_recording(self.options.record) is None:
            raise DriverError(f"cannot record to {self.options.record} (see the log)")
        self.bus = bus
        bus.configure(self.options.packs)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="modbus", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self.link.close()
        self.stop_recording()
        self._fail_pending("modbus link stopped")

    def start_recording(self, path: str) -> Optional[CaptureWriter]:
        """Capture the raw link to ``path`` from now on (format: drivers.modbus.capture);
        None, with the reason logged, if the file cannot be opened."""
        try:
            writer = CaptureWriter(path)
        except OSError as exc:
            log.error("modbus: cannot record to %s: %s", path, exc.strerror)
            return None
        old, self._capture = self._capture, writer
        self.link.tap = writer
        if old is not None:
            old.close()
        return writer

    def stop_recording(self) -> None:
        old, self._capture = self._capture, None
        self.link.tap = None
        if old is not None:
            old.close()

    def submit(self, command: Command) -> None:
        if self._thread is None or self._stop.is_set():
            self._bus_for_results().complete(
                CommandResult(command.id, False, "modbus link is not running"))
            return
        self._commands.put(command)

    # -- diagnostics -------------------------------------------------------------------
    def counters(self) -> dict[int, LinkCounters]:
        """Per-pack link counters (a frozen copy), every configured pack included."""
        got = self.link.counters()
        return {a: got.get(a, LinkCounters()) for a in self.options.packs}

    def catching_up(self) -> tuple[int, ...]:
        """Answering packs whose configuration or history is still to be read."""
        now = time.monotonic()
        return tuple(a for a, p in self._packs.items() if p.catch_up_due(now))

    @property
    def connected(self) -> bool:
        return self.link.is_open

    @property
    def link_problem(self) -> str:
        """Why the port is down ("" while it is open)."""
        return self._link_problem

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            try:
                if not self.link.is_open:
                    self.link.open()
                    self._link_up()
                    backoff = BACKOFF_MIN_S
                self.sweep()
            except PortLost as exc:
                self.link.close()
                self._link_down(str(exc))
                self._fail_pending(f"link lost: {exc}")
                self._stop.wait(backoff)
                backoff = min(BACKOFF_MAX_S, backoff * 2)
            except Exception:  # the poll thread must outlive any bug in one sweep
                log.exception("modbus sweep failed")
                self._stop.wait(1.0)

    def _link_up(self) -> None:
        if self._link_problem:
            log.warning("modbus: %s is back", self.options.port)
        else:
            log.info("modbus: polling packs %s on %s at %d baud", _addrs(self.options.packs),
                     self.options.port, self.options.baud)
        self._link_problem = ""
        for p in self._packs.values():
            p.need_config = p.history_check = p.history_reload = True
            p.unsupported.clear()
            p.block_last.clear()

    def _link_down(self, why: str) -> None:
        detail = f"link lost: {why}"
        if detail != self._link_problem:
            log.warning("modbus: %s", detail)
        self._link_problem = detail
        for p in self._packs.values():
            p.answered = False
            if self.bus:
                self.bus.report_problem(p.address, detail)

    def sweep(self) -> None:
        """Poll every pack once, then catch up (commands go between packs).

        Raises PortLost when the port fails.
        """
        t0 = time.monotonic()
        answered = 0
        for address in self.options.packs:
            self._run_commands()
            if self._stop.is_set():
                return
            answered += self._poll(self._packs[address])
        if not answered and not self.link.port_present():
            raise PortLost(f"{self.options.port} vanished (adapter unplugged?)")
        self._catch_up(CATCHUP_SHARE * (time.monotonic() - t0))
        self._run_commands()
        self.sweeps += 1
        self.last_sweep_s = time.monotonic() - t0
        rest = self.options.sweep_ms / 1000 - self.last_sweep_s
        deadline = time.monotonic() + rest
        while rest > 0 and not self._stop.is_set():
            try:  # a command during the pause runs now, not after it
                command = self._commands.get(timeout=rest)
            except queue.Empty:
                break
            self._complete(self._execute(command))
            rest = deadline - time.monotonic()

    # -- polling -----------------------------------------------------------------------
    def _retries(self, pack: _Pack) -> int:
        return self.options.retries if pack.answered else 0

    def _read_block(self, pack: _Pack, block: Block) -> Reply:
        """Read a block into the pack's image; an exception drops its registers."""
        last = pack.block_last.get(block.name, block.last)
        for start, count in block.chunks(last):
            reply = self.link.read(pack.address, start, count, self._retries(pack))
            if reply.ok:
                pack.image.update(zip(range(start, start + count), reply.registers))
                continue
            if reply.status != "exception":
                return reply
            if reply.exception_code == 2 and block.fallback_last is not None \
                    and last != block.fallback_last and start + count - 1 > block.fallback_last:
                # Older firmware (PACE V1.3) lacks the extension registers at the end.
                pack.block_last[block.name] = block.fallback_last
                for r in range(block.fallback_last + 1, block.last + 1):
                    pack.image.pop(r, None)
                why = reply.describe(start, count)
                pack.problems[block.name] = f"{why}: registers {block.fallback_last + 1}-" \
                                            f"{block.last} unavailable"
                log.warning("modbus: pack %d %s; reading %d-%d from now on", pack.address,
                            why, block.first, block.fallback_last)
                return self._read_block(pack, block)
            for r in range(block.first, block.last + 1):
                pack.image.pop(r, None)
            why = reply.describe(start, count)
            if pack.problems.get(block.name) != why:
                log.warning("modbus: pack %d %s; those fields are unavailable", pack.address,
                            why)
            pack.problems[block.name] = why
            pack.unsupported.add(block.name)
            return reply
        return Reply("ok")

    def _poll(self, pack: _Pack) -> int:
        """One pack's turn in the sweep; 1 if it answered."""
        before = [pack.image.get(r) for r in self._flag_regs]
        for block in self._live:
            reply = self._read_block(pack, block)
            if reply.status == "stopped":
                return 0
            if not reply.ok:
                self._pack_failed(pack, pack.problems[block.name] if reply.answered
                                  else reply.describe(block.first, block.count))
                pack.unsupported.discard(block.name)  # keep asking: it is the live data
                return int(reply.answered)
        if not pack.answered:
            if pack.failure:
                log.warning("modbus: pack %d answers again", pack.address)
            # It may have been restarted, reconfigured or swapped meanwhile.
            pack.need_config = pack.history_check = pack.history_reload = True
        pack.answered, pack.failure = True, ""
        if before != [pack.image.get(r) for r in self._flag_regs]:
            pack.history_check = True  # a trip writes a history record
        snap = codec.decode_pack(self.regmap, pack.address, pack.image, time.time())
        if snap is not None and self.bus is not None:
            self.bus.publish(snap)
            if pack.problems:
                self.bus.report_problem(pack.address, "; ".join(pack.problems.values()))
        return 1

    def _pack_failed(self, pack: _Pack, why: str) -> None:
        if pack.answered or pack.failure != why:
            log.warning("modbus: pack %d: %s", pack.address, why)
        pack.answered, pack.failure = False, why
        if self.bus is not None:
            self.bus.report_problem(pack.address, why)

    def _catch_up(self, budget_s: float) -> None:
        """Configuration and history reads, oldest-served pack first, within the budget
        (at least one pack a sweep, so they always progress)."""
        start = time.monotonic()
        for address in list(self._catch_up_order):
            pack = self._packs[address]
            if not pack.catch_up_due(time.monotonic()):
                continue
            self._run_commands()
            if self._stop.is_set():
                return
            if pack.need_config:
                self._read_config(pack)
            if pack.answered and (pack.history_check or time.monotonic() >= pack.next_history):
                self._read_history(pack)
            self._catch_up_order.remove(address)
            self._catch_up_order.append(address)
            if time.monotonic() - start >= budget_s:
                return

    def _read_config(self, pack: _Pack) -> bool:
        done = True
        for block in self._config:
            if block.name in pack.unsupported:
                continue
            reply = self._read_block(pack, block)
            if not reply.answered:
                done = False
        pack.need_config = not done
        return done

    def _read_history(self, pack: _Pack) -> None:
        m = self.regmap
        head_block = m.blocks[m.field("history.total").block]
        if head_block.name in pack.unsupported:
            pack.history_check, pack.next_history = False, float("inf")
            return
        old = codec.history_header(m, pack.image)
        reply = self._read_block(pack, head_block)
        if not reply.answered:
            return
        pack.next_history = time.monotonic() + self.options.history_s
        head = codec.history_header(m, pack.image)
        if head is None:
            pack.history_check = False
            return
        first, count = codec.record_span(m, head[1])
        have = all(r in pack.image for r in range(first, first + count))
        if head == old and have and not pack.history_reload:
            pack.history_check = False
            return
        stride = m.record_stride
        step = max(stride, MAX_READ // stride * stride)
        for start in range(first, first + count, step):
            n = min(step, first + count - start)
            reply = self.link.read(pack.address, start, n, self._retries(pack))
            if reply.status == "exception":
                why = reply.describe(start, n)
                log.warning("modbus: pack %d %s; no alarm history", pack.address, why)
                pack.problems["history"] = why
                pack.unsupported.add(head_block.name)
                pack.history_check = False
                return
            if not reply.ok:
                return  # still due: tried again at the next catch-up
            pack.image.update(zip(range(start, start + n), reply.registers))
        pack.history_check = pack.history_reload = False

    # -- commands ----------------------------------------------------------------------
    def _complete(self, result: CommandResult) -> None:
        if self.bus is not None:
            self.bus.complete(result)

    def _fail_pending(self, why: str) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._complete(CommandResult(command.id, False, why))

    def _run_commands(self) -> None:
        while not self._stop.is_set():
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._complete(self._execute(command))

    def _execute(self, cmd: Command) -> CommandResult:
        pack = self._packs.get(cmd.address)
        if pack is None:
            return CommandResult(cmd.id, False, f"pack {cmd.address} is not on this link "
                                                f"(packs {_addrs(self.options.packs)})")
        if cmd.kind == "write_settings":
            return self._write_settings(cmd, pack)
        if cmd.kind == "clear_history":
            return self._clear_history(cmd, pack)
        return CommandResult(cmd.id, False, f"unknown command {cmd.kind!r}")

    def _write_settings(self, cmd: Command, pack: _Pack) -> CommandResult:
        try:
            regs = codec.encode_changes(self.regmap, cmd.changes)
        except codec.RangeError as exc:
            return CommandResult(cmd.id, False, f"not sent: {exc}")
        if not regs:
            return CommandResult(cmd.id, False, "not sent: nothing to change")
        for first, last in ranges(regs):
            values = [regs[r] for r in range(first, last + 1)]
            reply = self.link.write(pack.address, first, values)
            if not reply.ok:
                return CommandResult(cmd.id, False, f"pack {pack.address} did not take the "
                                                    f"write: {reply.describe(first, len(values))}")
        for r in regs:
            pack.image.pop(r, None)  # only a fresh read-back may confirm it
        if not self._read_config(pack) or any(r not in pack.image for r in regs):
            return CommandResult(cmd.id, False, f"written, but pack {pack.address} did not "
                                                f"answer the read-back; check the settings")
        wrong = [r for r in sorted(regs) if pack.image[r] != regs[r]]
        settings, _ = codec.decode_settings(self.regmap, pack.image)
        if wrong:
            return CommandResult(cmd.id, False, "read back differs: " + self._differences(
                wrong, regs, pack.image), settings=settings)
        log.info("modbus: pack %d settings written: %s", pack.address,
                 ", ".join(f"{k}={v}" for k, v in cmd.changes))
        return CommandResult(cmd.id, True, "applied", settings=settings)

    def _differences(self, wrong: list[int], expected: dict[int, int],
                     actual: dict[int, int]) -> str:
        out = []
        for f in self.regmap.fields:
            if f.path.startswith("settings.") and any(f.reg <= r <= f.last for r in wrong):
                want = codec.decode_field(f, expected)
                got = codec.decode_field(f, actual)
                out.append(f"{f.path.split('.', 1)[1]} is {got}, expected {want}")
        return "; ".join(out)

    def _clear_history(self, cmd: Command, pack: _Pack) -> CommandResult:
        m = self.regmap
        f = m.field("command.clear_history")
        value = int(f.min if f.min is not None else 0)
        reply = self.link.write(pack.address, f.reg, [value])
        if not reply.ok:
            return CommandResult(cmd.id, False, f"pack {pack.address} did not clear its "
                                                f"history: {reply.describe(f.reg, 1)}")
        head_block = m.blocks[m.field("history.total").block]
        for r in range(head_block.first, head_block.last + 1):
            pack.image.pop(r, None)
        reply = self._read_block(pack, head_block)
        head = codec.history_header(m, pack.image)
        if not reply.ok or head is None:
            return CommandResult(cmd.id, False, f"history cleared, but pack {pack.address} "
                                                f"did not answer the read-back")
        if head[1] != 0:
            return CommandResult(cmd.id, False, f"pack {pack.address} still holds {head[1]} "
                                                f"records after the clear")
        pack.history_check = pack.history_reload = False
        return CommandResult(cmd.id, True, "history cleared",
                             history=AlarmHistory(total=head[0], records=()))


def _addrs(addresses: tuple[int, ...]) -> str:
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges(addresses))
