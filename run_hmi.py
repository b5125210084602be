#!/usr/bin/env python3
"""Start the BMS HMI: in a window (default), full screen on a panel, or headless to PNG.

Examples:
  run_hmi.py                                   window, simulated battery
  run_hmi.py --size 800x480 --source "sim:packs=4,scenario=day,speed=60"
  run_hmi.py --fullscreen                      on the panel
  run_hmi.py --screenshot cells --size 480x272 --scenario imbalance --at 3600 --out x.png
  run_hmi.py --contact-sheet sheet.png         every page at every size in one PNG
  run_hmi.py --list-pages | --list-scenarios
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

# pygame prints a greeting on import; a panel's journal and --list-pages want none.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

log = logging.getLogger("hmi")


def parse_args(argv: list[str]) -> argparse.Namespace:
    from hmi.profile import DEFAULT_PROFILE, PROFILES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--source", default=os.environ.get("HMI_SOURCE", "sim"),
                    help="data source: sim[:packs=4,seed=7,scenario=day,speed=1] "
                         "(default sim; env HMI_SOURCE)")
    ap.add_argument("--size", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                    help="panel profile (default %(default)s)")
    ap.add_argument("--fullscreen", action="store_true", help="full screen, no cursor (panel)")
    ap.add_argument("--theme", help="brand theme JSON (default assets/theme/default.json)")
    ap.add_argument("--page", default="logo", help="page to start on (default logo)")
    ap.add_argument("--log-level", default="INFO")
    ap.add_argument("--sleep-after", type=float, default=300.0, metavar="S",
                    help="backlight off after S idle seconds; 0 = never (default %(default)s)")
    ap.add_argument("--pin", default=os.environ.get("HMI_PIN", "1234"),
                    help="installer PIN for settings writes (env HMI_PIN; default 1234)")
    ap.add_argument("--record", metavar="FILE",
                    help="record the live link: CAN as .log/.asc/.blf, Modbus as a capture")
    ap.add_argument("--exit-after", type=float, default=0.0, metavar="S",
                    help="quit after S seconds (smoke tests and demos)")
    shot = ap.add_argument_group("headless rendering")
    shot.add_argument("--screenshot", metavar="PAGE", help="render PAGE to --out and exit")
    shot.add_argument("--out", default="screenshot.png")
    shot.add_argument("--scenario", default="day")
    shot.add_argument("--at", default=None,
                      help="simulated seconds, or a moment name of the scenario")
    shot.add_argument("--packs", type=int, default=1)
    shot.add_argument("--cells", type=int, default=16)
    shot.add_argument("--seed", type=int, default=1)
    shot.add_argument("--silence", type=float, default=0.0,
                      help="seconds the link has been silent (8 → stale, 40 → lost)")
    shot.add_argument("--contact-sheet", metavar="PNG",
                      help="render every page at every size into one PNG and exit")
    ap.add_argument("--list-pages", action="store_true")
    ap.add_argument("--list-scenarios", action="store_true")
    return ap.parse_args(argv)


def has_display(fullscreen: bool) -> bool:
    if os.environ.get("SDL_VIDEODRIVER"):
        return True
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return True
    # On a panel with no desktop, SDL can drive the screen through KMS/DRM.
    return fullscreen and os.path.exists("/dev/dri/card0")


def screenshot(args) -> int:
    from hmi import scenes
    from hmi.profile import get_profile
    from hmi.theme import load_theme
    scenes.headless()
    at = args.at
    if at is not None:
        try:
            at = float(at)
        except ValueError:
            pass
    scene = scenes.Scene("cli", scenario=args.scenario, at=at if at is not None else 0.0,
                         packs=args.packs, cells=args.cells, seed=args.seed,
                         silence_s=args.silence)
    theme = load_theme(args.theme)
    profile = get_profile(args.size)
    if args.screenshot == "logo":
        surface = scenes.render_logo(profile, theme)
    else:
        surface = scenes.render_scene(scene, args.screenshot, profile, theme)
    scenes.save_png(surface, args.out)
    print(f"wrote {args.out} ({args.screenshot}, {args.size}, {args.scenario} at "
          f"{scenes.moment_seconds(scene.scenario, scene.at):.0f} s)")
    return 0


def contact_sheet(args) -> int:
    from hmi import scenes
    from hmi.contact_sheet import contact_sheet as sheet
    from hmi.profile import PROFILES
    from hmi.theme import load_theme
    scenes.headless()
    theme = load_theme(args.theme)
    items = [(name, render()) for name, render in scenes.golden_cases(PROFILES, theme)]
    scenes.save_png(sheet(items, theme), args.contact_sheet)
    print(f"wrote {args.contact_sheet} ({len(items)} pages)")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.list_pages:
        from screens import PAGE_IDS
        print("\n".join(PAGE_IDS))
        return 0
    if args.list_scenarios:
        from drivers.simbms import SCENARIOS
        for s in SCENARIOS.values():
            moments = ", ".join(f"{k}={v:.0f}s" for k, v in s.moments.items())
            print(f"{s.name:14} {s.description}  [{moments}]")
        return 0
    if args.screenshot:
        return screenshot(args)
    if args.contact_sheet:
        return contact_sheet(args)
    if not has_display(args.fullscreen):
        print("No display found (DISPLAY is not set): render pages headless instead, e.g. "
              "./run.sh --screenshot pack --out pack.png  or  ./run.sh --contact-sheet sheet.png")
        return 2
    return run_live(args)


def run_live(args) -> int:
    from drivers import DriverError, open_source
    from hmi import loop
    from hmi.app import HmiApp
    from hmi.backlight import find_backlight
    from hmi.bus import DataBus
    from hmi.profile import get_profile
    from hmi.theme import load_theme
    try:
        driver = open_source(args.source)
    except DriverError as exc:
        print(f"--source {args.source!r}: {exc}", file=sys.stderr)
        return 2
    profile = get_profile(args.size)
    theme = load_theme(args.theme)
    bus = DataBus(freshness=driver.freshness, local_address=driver.local_address,
                  source=args.source)
    screen = loop.open_display(profile.size, args.fullscreen, theme.name)
    backlight = find_backlight() if args.fullscreen else None
    app = HmiApp(bus, profile, theme, start_page=args.page, driver=driver, pin=args.pin,
                 sleep_after_s=args.sleep_after, backlight=backlight)
    log.info("HMI %s on %s, source %s", theme.name, profile.name, args.source)
    driver.start(bus)
    if args.record:
        try:
            if driver.start_recording(args.record) is None:
                log.warning("recording to %s could not start (see above)", args.record)
        except DriverError as exc:
            log.warning("--record: %s", exc)
    try:
        frames = loop.run(app, screen, exit_after_s=args.exit_after)
        log.info("stopped after %d frames", frames)
    finally:
        driver.stop()
        import pygame
        pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
