"""Memory: peak RSS of the HMI with 30 packs on every page, and growth over a simulated day.

    .venv/bin/python bench/memory.py [--hours 24] [--packs 30]

Each part runs in a fresh process, so only its own memory counts (VmHWM, VmRSS from
/proc/self/status):

* peak: the app at 800x480 (the biggest frame) with 30 simulated packs, every page shown,
  the pages about one pack once for every pack, for two simulated hours with one frame a
  second; against a bare ``pygame.display.init()`` + ``set_mode`` + flip for scale;
* growth: bench/soak.py's day (every protection, every page, outages) with RSS sampled
  at every half hour (midway between two housekeeping calls, the same point of RSS's
  sawtooth each time); growth = the last sample minus the one at 1.5 h (text cache and
  histories full). As hmi/loop.py does every hour, the soak calls
  ``hmi.housekeeping.release_memory`` (a full collection, then glibc's malloc_trim) every
  ``--gc-every`` simulated seconds (default 3600; 0 = never, to see what it saves).

Goals: peak ≤ 80 MB; growth ≤ 2 MB.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PEAK_GOAL_MB = 80.0
GROWTH_GOAL_MB = 2.0


def status_kb() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def child_bare() -> dict:
    from hmi.scenes import headless_environment
    headless_environment()
    import pygame
    pygame.display.init()
    pygame.display.set_mode((800, 480))
    pygame.display.flip()
    return status_kb()


def child_peak(packs: int, hours: float) -> dict:
    from hmi.scenes import headless_environment
    headless_environment()
    import pygame

    from screens import PAGE_IDS
    from tests.harness import Harness
    pygame.display.init()
    h = Harness("800x480", packs=packs, scenario="mixed", at="charging", start_page="pack",
                logo_seconds=float("inf"))
    display = pygame.display.set_mode((800, 480))
    slots = [(p, {}) for p in PAGE_IDS if p not in ("pack-detail", "alarms")]
    slots += [("pack-detail", {"detail_address": a, "selected": a % 3}) for a in h.sim.addresses]
    slots += [("alarms", {"alarm_address": a}) for a in h.sim.addresses]
    frames = 0
    for t in range(int(hours * 3600)):
        page, ui = slots[(t // 10) % len(slots)]
        if h.app.ui.page != page or any(getattr(h.app.ui, k) != v for k, v in ui.items()):
            h.app.goto(page, **ui)
        h.clock.advance(1.0)
        h.driver.tick(1.0)
        h.app.update()
        state = h.bus.view()
        if h.app.needs_draw(state):
            h.app.draw(display, state)
            pygame.display.flip()
            frames += 1
    return {**status_kb(), "frames": frames, "slots": len(slots)}


def child_growth(packs: int, hours: float, gc_every: int) -> dict:
    from bench.soak import Soak
    soak = Soak(packs=packs, profile="800x480", gc_every_s=gc_every)
    r = soak.run(int(hours * 3600))
    return {**status_kb(), "rss_kb": r.rss_kb, "anon_kb": r.anon_kb, "objects": r.objects,
            "ok": r.ok, "gc_ms": max(soak.gc_ms, default=0.0),
            "violations": r.violation_count, "wall_s": r.wall_s}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", *args],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=24.0, help="simulated hours of the soak")
    ap.add_argument("--peak-hours", type=float, default=2.0)
    ap.add_argument("--packs", type=int, default=30)
    ap.add_argument("--no-peak", action="store_true", help="only the soak's growth")
    ap.add_argument("--gc-every", type=int, default=3600, metavar="S",
                    help="release_memory every S simulated seconds, as the loop does "
                         "(default 3600; 0 = never)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind = args.child[0]
        result = {"bare": child_bare,
                  "peak": lambda: child_peak(args.packs, args.peak_hours),
                  "growth": lambda: child_growth(args.packs, args.hours,
                                                 args.gc_every)}[kind]()
        print(json.dumps(result))
        return 0
    mb = 1024.0
    if not args.no_peak:
        report_peak(args, mb)
    growth = run_child("growth", "--packs", str(args.packs), "--hours", str(args.hours),
                       "--gc-every", str(args.gc_every))
    rss, anon = growth["rss_kb"], growth["anon_kb"]
    collect = (f", release_memory every {args.gc_every} s (longest {growth['gc_ms']:.0f} ms)"
               if args.gc_every else ", no housekeeping")
    print(f"soak of {args.hours:g} simulated h, {args.packs} packs{collect} ({growth['wall_s']:.0f}"
          f" s wall, {growth['violations']} violations): RSS at each half hour (MB) "
          + " ".join(f"{kb / mb:.1f}" for _, kb in rss))
    objects = growth["objects"]
    if len(rss) >= 3:
        delta = (rss[-1][1] - rss[1][1]) / mb
        print(f"growth from 1.5 h: {delta:+.2f} MB (heap {(anon[-1][1] - anon[1][1]) / mb:+.2f}"
              f" MB; Python objects {objects[1][1]} -> {objects[-1][1]}); peak "
              f"{growth['VmHWM'] / mb:.1f} MB; goal ≤ {GROWTH_GOAL_MB:.0f} MB: "
              f"{'met' if delta <= GROWTH_GOAL_MB else 'MISSED'}")
    return 0 if growth["ok"] else 1


def report_peak(args, mb: float) -> None:
    bare = run_child("bare")
    peak = run_child("peak", "--packs", str(args.packs), "--peak-hours", str(args.peak_hours))
    print(f"peak RSS, {args.packs} packs, every page at 800x480 ({peak['slots']} page slots, "
          f"{peak['frames']} frames over {args.peak_hours:g} simulated h): "
          f"{peak['VmHWM'] / mb:.1f} MB (bare pygame with a window: {bare['VmHWM'] / mb:.1f} MB)"
          f"; goal ≤ {PEAK_GOAL_MB:.0f} MB: "
          f"{'met' if peak['VmHWM'] / mb <= PEAK_GOAL_MB else 'MISSED'}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
