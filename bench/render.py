"""Frame cost: median full-frame render per page per profile, and partial display updates.

    .venv/bin/python bench/render.py [--frames 60] [--packs 30] [--profiles 800x480,...]

Full frames: each page is drawn ``--frames`` times in two ways. "warm" redraws one state
(text cache full: the cost of the drawing itself); "live" moves the simulated battery one
second before each timed draw, as the panel does at 1 Hz, so values that changed are
rasterised anew. Goal: ≤ 3 ms for a full 800x480 frame on a 2-core CI-class machine.

Partial updates go through hmi.present.Presenter on the SDL dummy display (the loop's path
once the lead wires it in): a cells page where one cell moves 1 mV, a live second of the
cells and pack pages while charging, and a frame where nothing changed, against a full
flip. It prints the rectangles and pixels sent and the median time of ``present()``. The
dummy driver's flip moves no pixels, so ``present()`` here is the diff's own cost; on a
panel the transfer adds a cost in proportion to the pixels sent.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from hmi.scenes import headless_environment  # noqa: E402

headless_environment()

import pygame  # noqa: E402

from hmi.present import Presenter  # noqa: E402
from hmi.profile import PROFILES  # noqa: E402
from screens import PAGE_IDS  # noqa: E402
from tests.harness import Harness  # noqa: E402

GOAL_MS = 3.0

#: The state each page is timed in: the busiest one a person meets it in. Alarms need a
#: history and a banner, which only a fault scenario has; the rest show a charging system.
PAGE_SCENES = {"alarms": ("overcharge", "protect")}
DEFAULT_SCENE = ("mixed", "charging")


def _ms(seconds: list[float]) -> float:
    return 1000.0 * statistics.median(seconds)


def _p95(seconds: list[float]) -> float:
    s = sorted(seconds)
    return 1000.0 * s[min(len(s) - 1, int(0.95 * len(s)))]


def harness_for(profile: str, scene: tuple[str, str], packs: int) -> Harness:
    scenario, at = scene
    # The logo would hand over to the pack page after 2.5 s of simulated time.
    return Harness(profile, packs=packs, scenario=scenario, at=at, start_page="pack",
                   logo_seconds=float("inf"))


def open_page(h: Harness, page: str, packs: int) -> None:
    if page == "pack-detail":
        h.app.goto(page, detail_address=min(3, packs), selected=0)
    else:
        h.app.goto(page, dialog=())
    h.frame()


def time_page(h: Harness, page: str, packs: int, frames: int) -> tuple[list[float], list[float]]:
    open_page(h, page, packs)
    state = h.bus.view()
    for _ in range(5):
        h.app.draw(h.surface, state)
    warm = []
    for _ in range(frames):
        t0 = time.perf_counter()
        h.app.draw(h.surface, state)
        warm.append(time.perf_counter() - t0)
    live = []
    for _ in range(frames):
        h.clock.advance(1.0)
        h.driver.tick(1.0)
        h.app.update()
        state = h.bus.view()
        t0 = time.perf_counter()
        h.app.draw(h.surface, state)
        live.append(time.perf_counter() - t0)
        if h.app.ui.page != page:   # a timeout or a wake must not change what is timed
            raise SystemExit(f"{page}: the app moved to {h.app.ui.page} during the run")
    return warm, live


def full_frames(profiles: list[str], packs: int, frames: int) -> list[dict]:
    rows = []
    for pname in profiles:
        harnesses: dict[tuple[str, str], Harness] = {}
        for page in PAGE_IDS:
            scene = PAGE_SCENES.get(page, DEFAULT_SCENE)
            if scene not in harnesses:
                harnesses[scene] = harness_for(pname, scene, packs)
            warm, live = time_page(harnesses[scene], page, packs, frames)
            rows.append(dict(profile=pname, page=page, warm=_ms(warm), live=_ms(live),
                             live_p95=_p95(live)))
            print(f"  {pname:8} {page:12} warm {_ms(warm):6.2f} ms   live {_ms(live):6.2f} ms"
                  f"   (p95 {_p95(live):5.2f})", flush=True)
    return rows


def _present_case(h: Harness, display: pygame.Surface, change, repeats: int) -> dict:
    """Median present() time and what it sent, for ``repeats`` frames each made by
    ``change`` from the previous one (the first present of the run is the full one)."""
    presenter = Presenter()
    h.app.draw(display)
    presenter.present(display)
    times, pixels, rect_counts, full = [], [], [], 0
    for _ in range(repeats):
        change()
        h.app.draw(display)
        before = presenter.pixels_sent
        t0 = time.perf_counter()
        rects = presenter.present(display)
        times.append(time.perf_counter() - t0)
        pixels.append(presenter.pixels_sent - before)
        if rects is None:
            full += 1
        else:
            rect_counts.append(len(rects))
    return dict(present_ms=_ms(times), pixels=statistics.mean(pixels),
                rects=statistics.mean(rect_counts) if rect_counts else None, full=full,
                sent=sum(1 for p in pixels if p))


def partial_updates(profiles: list[str], packs: int, repeats: int) -> list[dict]:
    rows = []
    for pname in profiles:
        profile = PROFILES[pname]
        display = pygame.display.set_mode(profile.size)
        screen_px = profile.width * profile.height
        h = harness_for(pname, DEFAULT_SCENE, packs)
        open_page(h, "cells", packs)
        local = h.bus.local_address

        def one_cell(step=[0]) -> None:
            # The same pack, one cell 1 mV up or down: the smallest change a BMS reports.
            snap = h.bus.view().pack(local).snapshot
            cells = list(snap.cells_mv)
            step[0] += 1
            cells[5] += 1 if step[0] % 2 else -1
            h.bus.publish(replace(snap, cells_mv=tuple(cells)))

        def live_second() -> None:
            h.clock.advance(1.0)
            h.driver.tick(1.0)
            h.app.update()

        def nothing() -> None:
            pass

        cases = [("cells", "one cell changes", one_cell),
                 ("cells", "live second, charging", live_second),
                 ("pack", "live second, charging", live_second),
                 ("cells", "nothing changed", nothing)]
        for page, name, change in cases:
            open_page(h, page, packs)
            r = _present_case(h, display, change, repeats)
            r.update(profile=pname, case=f"{page}: {name}", share=r["pixels"] / screen_px)
            rows.append(r)
        # The reference: the whole frame every time, as the loop does without a Presenter.
        flips = []
        for _ in range(repeats):
            h.app.draw(display)
            t0 = time.perf_counter()
            pygame.display.flip()
            flips.append(time.perf_counter() - t0)
        rows.append(dict(profile=pname, case="pack: full flip, no diff", present_ms=_ms(flips),
                         pixels=screen_px, rects=None, full=repeats, share=1.0, sent=repeats))
        for r in rows[-5:]:
            rects = "full" if r["rects"] is None else f"{r['rects']:.1f} rects"
            print(f"  {pname:8} {r['case']:30} {r['sent']:3}/{repeats} sent  {rects:10} "
                  f"{r['pixels']:8.0f} px ({100 * r['share']:5.1f} %)  "
                  f"present {r['present_ms']:5.2f} ms", flush=True)
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=60, help="timed frames per page and way")
    ap.add_argument("--packs", type=int, default=30)
    ap.add_argument("--profiles", default=",".join(PROFILES))
    args = ap.parse_args(argv)
    profiles = args.profiles.split(",")
    pygame.display.init()
    pygame.font.init()
    print(f"full frames: median of {args.frames} draws, {args.packs} packs "
          f"(warm = same state; live = one simulated second between draws)")
    rows = full_frames(profiles, args.packs, args.frames)
    print(f"\npartial updates (hmi.present), cells and pack pages, {args.frames} frames each: frames "
          f"that sent anything, mean rectangles and pixels per frame, median present()")
    partial_updates(profiles, args.packs, args.frames)
    worst = max(rows, key=lambda r: r["live"])
    big = [r for r in rows if r["profile"] == "800x480"]
    print(f"\nslowest full frame (live): {worst['live']:.2f} ms ({worst['page']}, "
          f"{worst['profile']})")
    if big:
        worst_big = max(big, key=lambda r: r["live"])
        verdict = "met" if worst_big["live"] <= GOAL_MS else "MISSED"
        print(f"800x480 slowest page (live): {worst_big['live']:.2f} ms ({worst_big['page']});"
              f" goal ≤ {GOAL_MS} ms: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
