"""The long soak: 24 h of simulated time, 30 packs, every protection in turn, every page.

    .venv/bin/python bench/soak.py [--hours 24] [--packs 30] [--profile 800x480]

The real SimDriver is ticked by hand once a simulated second (as tests/harness.py does),
so a simulated day runs in minutes. Each pack walks a cycle of phases, each of which
pushes it until one protection trips and then eases off until it releases (over-voltage,
over-current both ways, short circuit, under-voltage, cold and hot both ways, MOSFET heat);
packs start at different phases, and each drops off the bus now and then for a few
seconds to a few minutes, so live, stale and lost links all occur. The app shows every
page in turn, for every pack, and taps banners and clears a history now and then.

Checked, independently of the bus's own bookkeeping:

* every frame: a page about one pack shows its values as live, stale or withdrawn exactly
  as the time since the soak saw that pack published says (never a stale value as live);
  every pack's link state on the frame agrees; the system summary averages only live packs;
* every publish: the alarm history holds the 50 newest records, newest first, the new
  records being exactly the protections that tripped since the last second;
* no exception escapes, nothing is logged at ERROR, and memory stays flat (RSS sampled
  every simulated hour, growth counted after the first hour has filled the caches).

tests/test_soak.py runs a short version; this prints the figures and exits non-zero on any
violation.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from hmi.scenes import headless_environment  # noqa: E402

headless_environment()

import pygame  # noqa: E402

from drivers.sim import SimDriver  # noqa: E402
from drivers.simbms import SIM_EPOCH, BatterySim  # noqa: E402
from drivers.simbms.pack import PackSetup  # noqa: E402
from drivers.simbms.scenarios import Demand, Profile, Scenario  # noqa: E402
from hmi.aggregate import summarize  # noqa: E402
from hmi.app import HmiApp  # noqa: E402
from hmi.bus import DataBus, FakeClock, Freshness  # noqa: E402
from hmi.housekeeping import release_memory  # noqa: E402
from hmi.model import (HISTORY_CAPACITY, AlarmHistory, LinkState, PackSnapshot,  # noqa: E402
                       ProtectionFlag as P, alarm_code)
from hmi.profile import PROFILES  # noqa: E402
from hmi.scenes import headless  # noqa: E402
from hmi.theme import load_theme  # noqa: E402
from screens import PAGE_IDS  # noqa: E402

log = logging.getLogger("soak")

HOUR = 3600.0
#: Simulated seconds each page stays on screen before the next one.
PAGE_S = 15
#: How often a banner is tapped and a history cleared through the app.
BANNER_EVERY_S = 3607
CLEAR_EVERY_S = 3 * 3600 + 11
#: Outage lengths (s) a pack goes through, one per simulated hour: 0 = answers all hour.
#: Under 5 s stays live, 5-14 s goes stale, 15 s and more is lost (Freshness defaults).
OUTAGES_S = (0, 3, 7, 12, 0, 20, 60, 0, 9, 200, 5, 15)

#: The protections the simulator can trip (it has no pack/charger over-voltage or
#: environment limits: those exist only as warnings or alarm codes).
SIM_PROTECTIONS = frozenset({P.CELL_OV, P.CELL_UV, P.CHARGE_OC, P.DISCHARGE_OC,
                             P.SHORT_CIRCUIT, P.CHARGE_OT, P.DISCHARGE_OT, P.CHARGE_UT,
                             P.DISCHARGE_UT, P.MOSFET_OT})


@dataclass(frozen=True)
class Phase:
    """Push until ``flag`` trips, ease off until ``release`` has cleared, ``repeat`` times."""

    name: str
    flag: P
    push: Demand
    ease: Demand = (0.0, True, False, 25.0)
    #: Flags that must clear before the phase ends; () = go on while still tripped.
    release: Optional[tuple[P, ...]] = None
    #: Seconds to stay eased after the release (lets a recovered pack settle).
    settle_s: float = 5.0
    repeat: int = 1
    #: How a pack that starts in this phase starts, so the trip comes early.
    start: PackSetup = PackSetup(soc=0.5)
    #: A phase that cannot finish moves on after this long (counted as a timeout).
    max_s: float = 6 * HOUR

    @property
    def releases(self) -> tuple[P, ...]:
        return (self.flag,) if self.release is None else self.release


#: One cycle takes ~11 simulated hours and stores ~37 history records per pack. The
#: currents and rooms are the ones tests/test_sim_protection.py trips each protection with.
PHASES: tuple[Phase, ...] = (
    # A charger with a failed CV stage; a load releases the held over-voltage at once.
    Phase("cell OV", P.CELL_OV, (60.0, False, False, 25.0), ease=(-20.0, True, False, 25.0),
          settle_s=30, start=PackSetup(soc=0.97)),
    Phase("charge OC", P.CHARGE_OC, (210.0, False, False, 25.0), repeat=5),
    Phase("discharge OC", P.DISCHARGE_OC, (-210.0, True, False, 25.0), repeat=5),
    Phase("short circuit", P.SHORT_CIRCUIT, (-30.0, True, True, 25.0), repeat=20),
    # A charge releases a held under-voltage at once; 10 min of it gives the next phases
    # something to draw on.
    Phase("cell UV", P.CELL_UV, (-200.0, True, False, 25.0), ease=(50.0, True, False, 25.0),
          settle_s=600, start=PackSetup(soc=0.06)),
    # Cold: the charge is blocked at 2 °C, then the discharge at -5 °C; a warm room
    # releases both.
    Phase("charge UT", P.CHARGE_UT, (20.0, True, False, -25.0), release=(),
          start=PackSetup(soc=0.3, cell_temp_c=4.0)),
    Phase("discharge UT", P.DISCHARGE_UT, (-20.0, True, False, -25.0),
          ease=(0.0, True, False, 45.0), release=(P.CHARGE_UT, P.DISCHARGE_UT),
          start=PackSetup(soc=0.3, cell_temp_c=-3.0)),
    # Hot: a trickle charge trips charge OT at 65 °C, a trickle discharge discharge OT.
    Phase("charge OT", P.CHARGE_OT, (5.0, True, False, 110.0), release=(),
          start=PackSetup(soc=0.3, cell_temp_c=62.0)),
    Phase("discharge OT", P.DISCHARGE_OT, (-5.0, True, False, 110.0),
          ease=(0.0, True, False, 20.0), release=(P.CHARGE_OT, P.DISCHARGE_OT),
          start=PackSetup(soc=0.3, cell_temp_c=66.0)),
    # 200 A in a warm box heats the MOSFETs to 100 °C before the cells reach 65 °C.
    Phase("MOSFET OT", P.MOSFET_OT, (200.0, False, False, 70.0),
          ease=(0.0, True, False, 20.0), settle_s=600,
          start=PackSetup(soc=0.3, cell_temp_c=55.0)),
)


@dataclass
class _Walk:
    phase: int
    easing: bool = False
    since: float = 0.0
    done: int = 0
    released_at: Optional[float] = None


class ProtectionCycle(Profile):
    """Each pack walks PHASES in a loop, reacting to its own protection flags.

    Pack n starts at phase ``(n - 1 + first_phase) % len(PHASES)``, from that phase's
    start state. ``repeats`` overrides a phase's repeat count by name.
    """

    def __init__(self, seed: int, packs: int, cells: int, first_phase: int = 0,
                 repeats: Optional[dict[str, int]] = None, outages: bool = True):
        super().__init__(seed, packs, cells)
        self.phases = tuple(Phase(**{**p.__dict__, "repeat": (repeats or {}).get(p.name, p.repeat)})
                            for p in PHASES)
        self.outages = outages
        self._walk = {a: _Walk((a - 1 + first_phase) % len(self.phases))
                      for a in range(1, packs + 1)}
        self._flags = None
        self.completed: Counter[str] = Counter()
        self.timeouts: Counter[str] = Counter()

    def attach(self, sim: BatterySim) -> None:
        """The profile reacts to the packs' flags; BatterySim builds it before the packs."""
        packs = {a: sim._pack(a).protector for a in sim.addresses}
        self._flags = lambda address: packs[address].flags

    def setup(self, address: int) -> PackSetup:
        return self.phases[self._walk[address].phase].start

    def ambient(self, t: float) -> float:
        return 25.0

    def demand(self, t: float, address: int) -> Demand:
        w = self._walk[address]
        phase = self.phases[w.phase]
        flags = self._flags(address) if self._flags else frozenset()
        if t - w.since > phase.max_s:
            self.timeouts[phase.name] += 1
            self._next(w, t)
            return self.phases[w.phase].push
        if not w.easing:
            if phase.flag in flags:
                w.easing, w.released_at = True, None
            else:
                return phase.push
        if not any(f in flags for f in phase.releases):
            if w.released_at is None:
                w.released_at = t
            if t - w.released_at >= phase.settle_s:
                w.done += 1
                if w.done >= phase.repeat:
                    self.completed[phase.name] += 1
                    self._next(w, t)
                else:
                    w.easing = False
                return self.phases[w.phase].push
        else:
            w.released_at = None
        return phase.ease

    def _next(self, w: _Walk, t: float) -> None:
        w.phase = (w.phase + 1) % len(self.phases)
        w.easing, w.since, w.done, w.released_at = False, t, 0, None

    def answering(self, t: float, address: int) -> bool:
        if not self.outages:
            return True
        hour = int(t // HOUR)
        length = OUTAGES_S[(address + hour) % len(OUTAGES_S)]
        start = (address * 977 + hour * 131) % 3000
        return not start <= t % HOUR < start + length


def protection_cycle(**kw) -> Scenario:
    return Scenario("protection-cycle", "every protection in turn, packs out of step", {},
                    lambda seed, packs, cells: ProtectionCycle(seed, packs, cells, **kw))


@dataclass
class SoakResult:
    seconds: int = 0
    packs: int = 0
    wall_s: float = 0.0
    frames: int = 0
    frames_by_values: Counter = field(default_factory=Counter)
    pages_drawn: Counter = field(default_factory=Counter)
    #: The property of issue 7: must stay 0.
    stale_drawn_as_live: int = 0
    violations: list[str] = field(default_factory=list)
    violation_count: int = 0
    publishes: int = 0
    history_checks: int = 0
    trip_checks: int = 0
    records_seen: int = 0
    records_dropped: int = 0
    max_held: int = 0
    trips: Counter = field(default_factory=Counter)
    clears: int = 0
    banner_taps: int = 0
    link_states_seen: Counter = field(default_factory=Counter)
    errors_logged: int = 0
    warnings_logged: Counter = field(default_factory=Counter)
    rss_kb: list[tuple[int, int]] = field(default_factory=list)
    #: The anonymous part of RSS (heap), where a leak would show; the rest is mapped files.
    anon_kb: list[tuple[int, int]] = field(default_factory=list)
    objects: list[tuple[int, int]] = field(default_factory=list)
    peak_rss_kb: int = 0
    phases_completed: Counter = field(default_factory=Counter)
    phase_timeouts: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.violation_count and not self.stale_drawn_as_live \
            and not self.errors_logged

    @property
    def rss_growth_kb(self) -> Optional[int]:
        """RSS at the last mid-hour sample minus at 1.5 h (caches and histories full)."""
        if len(self.rss_kb) < 3:
            return None
        return self.rss_kb[-1][1] - self.rss_kb[1][1]


def rss_kb() -> tuple[int, int, int]:
    """(VmRSS, VmHWM, RssAnon) of this process in kB."""
    got = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:")):
                got[line.split(":")[0]] = int(line.split()[1])
    return got["VmRSS"], got["VmHWM"], got["RssAnon"]


class _LogCounter(logging.Handler):
    def __init__(self, result: SoakResult):
        super().__init__(logging.WARNING)
        self.result = result

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.result.errors_logged += 1
            self.result.violations.append(f"logged {record.levelname}: {record.getMessage()}")
        else:
            self.result.warnings_logged[record.getMessage()[:60]] += 1


class Soak:
    """The simulated system, the app, and the soak's own record of what was published."""

    def __init__(self, packs: int = 30, profile: str = "800x480", seed: int = 1,
                 first_phase: int = 0, repeats: Optional[dict[str, int]] = None,
                 outages: bool = True, max_violations: int = 20,
                 banner_every_s: int = BANNER_EVERY_S, clear_every_s: int = CLEAR_EVERY_S,
                 gc_every_s: int = 0):
        headless()
        self.freshness = Freshness()
        self.driver = SimDriver(packs=packs, seed=seed, cells=16, scenario=protection_cycle(
            first_phase=first_phase, repeats=repeats, outages=outages))
        self.sim = self.driver.sim
        self.cycle: ProtectionCycle = self.sim.profile
        self.cycle.attach(self.sim)
        self.clock = FakeClock(SIM_EPOCH, 0.0)
        self.bus = DataBus(self.clock, self.freshness, local_address=1, source="sim:soak")
        self.result = SoakResult(packs=packs)
        self.max_violations = max_violations
        self.banner_every_s = banner_every_s
        self.clear_every_s = clear_every_s
        #: hmi.housekeeping.release_memory every so many simulated seconds, as hmi/loop.py
        #: calls it every hour (a full collection, then malloc_trim). 0 = never.
        self.gc_every_s = gc_every_s
        self.gc_ms: list[float] = []
        # The soak's own ledger, fed where the driver hands snapshots to the bus.
        self.last_publish: dict[int, float] = {}
        self.last_snap: dict[int, PackSnapshot] = {}
        self.clear_asked: dict[int, float] = {}
        publish = self.bus.publish

        def observed(snap: PackSnapshot) -> None:
            self._on_publish(snap)
            publish(snap)
        self.bus.publish = observed
        self.driver.connect(self.bus)
        self.app = HmiApp(self.bus, PROFILES[profile], load_theme(), start_page="pack",
                          driver=self.driver, sleep_after_s=0.0)
        self.surface = pygame.Surface(PROFILES[profile].size)
        self._slot = -1
        self._targets = self._page_slots()
        self._elapsed = 0

    # -- what the screen is asked to show ----------------------------------------------
    def _page_slots(self) -> list[tuple[str, dict]]:
        """Every page; the pages about one pack once for each pack, in turn."""
        slots: list[tuple[str, dict]] = []
        addresses = self.sim.addresses
        for i, page in enumerate(PAGE_IDS):
            if page == "pack-detail":
                slots += [(page, {"detail_address": a, "selected": a % 3}) for a in addresses]
            elif page == "alarms":
                slots += [(page, {"alarm_address": a}) for a in addresses]
            else:
                slots.append((page, {}))
        return slots

    def _navigate(self, t: int) -> None:
        slot = t // PAGE_S
        if slot != self._slot:
            self._slot = slot
            page, ui = self._targets[(slot // 2) % len(self._targets)]
            # Every other slot goes to a pack that is silent right now, if one is: the
            # stale and lost frames are where a mistake would show.
            silent = [a for a in self.sim.addresses if not self.cycle.answering(t, a)]
            if slot % 2 and silent:
                a = silent[slot % len(silent)]
                page, ui = (("pack-detail", {"detail_address": a, "selected": slot % 3})
                            if (slot // 2) % 2 else ("alarms", {"alarm_address": a}))
            self.app.goto(page, **ui)
        if t % self.banner_every_s == 0 and self.app.banners:
            b = self.app.banners[-1]
            self.app.act(("banner", b.address, b.code))
            self.result.banner_taps += 1
        if t % self.clear_every_s == 0:
            address = 1 + (t // self.clear_every_s) % len(self.sim.addresses)
            self.app.goto("alarms", alarm_address=address)
            self.app.act(("ask_clear",))
            self.app.act(("clear_history",))
            self.clear_asked[address] = float(t)

    # -- independent expectations ------------------------------------------------------
    def expected_link(self, address: int, now: float) -> LinkState:
        last = self.last_publish.get(address)
        if last is None:
            return LinkState.LOST
        age = now - last
        if age >= self.freshness.lost_after_s:
            return LinkState.LOST
        if age >= self.freshness.stale_after_s:
            return LinkState.STALE
        return LinkState.LIVE

    def _violation(self, text: str) -> None:
        r = self.result
        r.violation_count += 1
        if len(r.violations) < self.max_violations:
            r.violations.append(f"t={self.clock.t:.0f}s: {text}")

    def _on_publish(self, snap: PackSnapshot) -> None:
        r = self.result
        r.publishes += 1
        a = snap.address
        now = self.clock.t
        prev = self.last_snap.get(a)
        prev_t = self.last_publish.get(a)
        self.last_publish[a] = now
        self.last_snap[a] = snap
        h1 = snap.history or AlarmHistory()
        r.max_held = max(r.max_held, len(h1.records))
        r.history_checks += 1
        if len(h1.records) > HISTORY_CAPACITY:
            self._violation(f"pack {a} holds {len(h1.records)} records")
        times = [rec.time for rec in h1.records]
        if times != sorted(times, reverse=True):
            self._violation(f"pack {a} history not newest first")
        if prev is None:
            r.records_seen += len(h1.records)
            return
        h0 = prev.history or AlarmHistory()
        k = h1.total - h0.total
        asked = self.clear_asked.get(a)
        if not h1.records and h0.records and k == 0 and asked is not None:
            del self.clear_asked[a]       # the clear the soak asked for, read back
            self.result.clears += 1
            return
        if asked is not None and now - asked > 10:
            del self.clear_asked[a]       # refused (the pack was silent): nothing to see
        if k < 0:
            self._violation(f"pack {a} history total went back {h0.total} -> {h1.total}")
            return
        r.records_seen += k
        want = (h1.records[:k] + h0.records)[:HISTORY_CAPACITY]
        if h1.records != want:
            self._violation(f"pack {a} history is not the 50 newest: {k} new, held "
                            f"{len(h0.records)} -> {len(h1.records)}")
        r.records_dropped += max(0, len(h0.records) + k - HISTORY_CAPACITY)
        tripped = sorted(alarm_code(f) for f in snap.protections - prev.protections)
        for f in snap.protections - prev.protections:
            r.trips[f.name] += 1
        if prev_t is not None and now - prev_t == 1.0:
            # One second apart: every trip in between shows as a new flag, none released yet.
            r.trip_checks += 1
            if sorted(rec.code for rec in h1.records[:k]) != tripped:
                self._violation(f"pack {a}: new records {[x.code for x in h1.records[:k]]} "
                                f"but trips {tripped}")

    def _check_frame(self, state) -> None:
        r = self.result
        now = self.clock.t
        rep = self.app.last_frame
        r.frames += 1
        r.frames_by_values[rep.values] += 1
        r.pages_drawn[rep.page] += 1
        for p in state.packs:
            want = self.expected_link(p.address, now)
            r.link_states_seen[want.value] += 1
            if p.link.state is not want:
                self._violation(f"pack {p.address} link {p.link.state.value}, "
                                f"expected {want.value} (age {p.link.age_s})")
        if rep.address is not None:
            want = self.expected_link(rep.address, now)
            shown = {LinkState.LIVE: "live", LinkState.STALE: "stale",
                     LinkState.LOST: "withdrawn"}[want]
            if rep.values == "live" and want is not LinkState.LIVE:
                r.stale_drawn_as_live += 1
            if rep.values != shown or rep.link is not want:
                self._violation(f"{rep.page} of pack {rep.address} drawn {rep.values} "
                                f"({rep.link}), expected {shown}")
        if rep.page == "system":
            live = tuple(sorted(a for a in self.sim.addresses
                                if self.expected_link(a, now) is LinkState.LIVE))
            if summarize(state.packs).included != live:
                self._violation(f"system page sums {summarize(state.packs).included}, "
                                f"live are {live}")

    # -- running -----------------------------------------------------------------------
    def run(self, seconds: int, progress: bool = False) -> SoakResult:
        """Run ``seconds`` more simulated seconds; the result counts from the first run."""
        r = self.result
        handler = _LogCounter(r)
        root = logging.getLogger()
        root.addHandler(handler)
        start = time.perf_counter()
        try:
            for t in range(self._elapsed + 1, self._elapsed + seconds + 1):
                self.clock.advance(1.0)
                self.driver.tick(1.0)
                self._navigate(t)
                self.app.update()
                state = self.bus.view()
                if self.app.needs_draw(state):
                    self.app.draw(self.surface, state)
                    self._check_frame(state)
                if self.gc_every_s and t % self.gc_every_s == 0:
                    self.gc_ms.append(1000 * release_memory())
                # Mid-hour, halfway between two housekeeping calls: every sample at the
                # same point of RSS's sawtooth, so that the trend is growth, not phase.
                if t % int(HOUR) == int(HOUR) // 2:
                    rss, _, anon = rss_kb()
                    r.rss_kb.append((t, rss))
                    r.anon_kb.append((t, anon))
                    r.objects.append((t, len(gc.get_objects())))
                    if progress:
                        print(f"  hour {t // 3600:3d}: {time.perf_counter() - start:6.1f} s "
                              f"wall, RSS {r.rss_kb[-1][1] / 1024:.1f} MB, "
                              f"{r.frames} frames, {r.violation_count} violations",
                              flush=True)
        finally:
            root.removeHandler(handler)
        self._elapsed += seconds
        r.seconds = self._elapsed
        r.wall_s += time.perf_counter() - start
        r.peak_rss_kb = rss_kb()[1]
        r.phases_completed = self.cycle.completed
        r.phase_timeouts = self.cycle.timeouts
        return r


def report(r: SoakResult) -> str:
    mb = 1024.0
    growth = r.rss_growth_kb
    lines = [
        f"{r.seconds / HOUR:.1f} simulated h, {r.packs} packs in {r.wall_s:.1f} s wall "
        f"({r.seconds / r.wall_s:.0f} simulated s per s)",
        f"frames drawn and checked: {r.frames} ({dict(r.frames_by_values)})",
        f"pages drawn: {dict(r.pages_drawn)}",
        f"stale values drawn as live: {r.stale_drawn_as_live}",
        f"link states expected on frames (pack-frames): {dict(r.link_states_seen)}",
        f"publishes: {r.publishes}; history checks {r.history_checks}, trip checks "
        f"{r.trip_checks}; records seen {r.records_seen}, fell off past 50: "
        f"{r.records_dropped}; most held {r.max_held}",
        f"trips: {dict(sorted(r.trips.items()))}",
        f"protections never tripped: "
        f"{sorted(f.name for f in SIM_PROTECTIONS if f.name not in r.trips) or 'none'}",
        f"phases completed: {dict(r.phases_completed)}; timed out: "
        f"{dict(r.phase_timeouts) or 'none'}",
        f"histories cleared through the app: {r.clears}; banner taps: {r.banner_taps}",
        f"logged: {r.errors_logged} errors, warnings {dict(r.warnings_logged) or 'none'}",
    ]
    if len(r.rss_kb) >= 3:
        lines.append(f"RSS at 1.5 h {r.rss_kb[1][1] / mb:.1f} MB, at the end "
                     f"{r.rss_kb[-1][1] / mb:.1f} MB, growth "
                     f"{'-' if growth is None else f'{growth / mb:+.2f} MB'} (heap "
                     f"{(r.anon_kb[-1][1] - r.anon_kb[1][1]) / mb:+.2f} MB); peak "
                     f"{r.peak_rss_kb / mb:.1f} MB; Python objects "
                     f"{r.objects[1][1]} -> {r.objects[-1][1]}")
    if r.rss_kb:
        lines.append("RSS at each half hour (MB): "
                     + " ".join(f"{kb / mb:.1f}" for _, kb in r.rss_kb))
    lines.append(f"violations: {r.violation_count}")
    lines += [f"  {v}" for v in r.violations]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--packs", type=int, default=30)
    ap.add_argument("--profile", default="800x480", choices=sorted(PROFILES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gc-every", type=int, default=3600, metavar="S",
                    help="hmi.housekeeping.release_memory every S simulated seconds, as the "
                         "loop does (default 3600; 0 = never)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    soak = Soak(packs=args.packs, profile=args.profile, seed=args.seed,
                gc_every_s=args.gc_every)
    print(f"soak: {args.hours:g} simulated h, {args.packs} packs, {args.profile}", flush=True)
    result = soak.run(int(args.hours * HOUR), progress=True)
    print(report(result))
    if soak.gc_ms:
        print(f"release_memory every {args.gc_every} s: median {sorted(soak.gc_ms)[len(soak.gc_ms) // 2]:.1f} ms, "
              f"max {max(soak.gc_ms):.1f} ms")
    growth = result.rss_growth_kb
    flat = growth is not None and growth <= 2 * 1024
    print("memory flat (≤ 2 MB growth): " + ("n/a (under 2 h)" if growth is None
                                              else "yes" if flat else "NO"))
    return 0 if result.ok and (flat or growth is None) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
