#!/usr/bin/env python3
"""Start the BMS HMI: in a window (default), full screen on a panel, or headless to PNG.

Examples:
  run_hmi.py                                   window, simulated battery
  run_hmi.py --size 800x480 --source "sim:packs=4,scenario=day,speed=60"
  run_hmi.py --fullscreen                      on the panel
  run_hmi.py --fullscreen --rotation 90        the picture a quarter turn clockwise
  run_hmi.py --config /etc/bms-hmi/hmi.toml    settings from a file (options override it)
  run_hmi.py --screenshot cells --size 480x272 --scenario imbalance --at 3600 --out x.png
  run_hmi.py --contact-sheet sheet.png         every page at every size in one PNG
  run_hmi.py --list-pages | --list-scenarios
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time

#: For the log line that says how long the panel stayed dark at power-on.
STARTED = time.monotonic()

# pygame prints a greeting on import; a panel's journal and --list-pages want none.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

log = logging.getLogger("hmi")


def parse_args(argv: list[str]) -> argparse.Namespace:
    from hmi import config
    from hmi.profile import PROFILES
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--config", metavar="FILE",
                    help="settings file (default: $HMI_CONFIG, else /etc/bms-hmi/hmi.toml, "
                         "else ~/.config/bms-hmi/hmi.toml); see deploy/hmi.example.toml")
    # Settings default to None (= not given): the file's values stand unless an option is
    # really on the command line. The checks are the file's own.
    ap.add_argument("--source", type=config.arg_type("source"),
                    help="data source: sim[:packs=4,seed=7,scenario=day,speed=1] "
                         "(default sim; env HMI_SOURCE)")
    ap.add_argument("--size", type=config.arg_type("profile"),
                    metavar="{auto," + ",".join(PROFILES) + "}",
                    help="panel profile; auto = fit the panel, 480x320 in a window (default)")
    ap.add_argument("--fullscreen", action=argparse.BooleanOptionalAction,
                    help="full screen, no cursor (panel)")
    ap.add_argument("--rotation", type=config.arg_type("rotation"), metavar="{0,90,180,270}",
                    help="turn the picture clockwise by this many degrees, for a panel "
                         "mounted the other way; touches turn with it (default 0)")
    ap.add_argument("--theme", type=config.arg_type("theme"),
                    help="brand theme JSON (default assets/theme/default.json)")
    ap.add_argument("--page", default="logo", help="page to start on (default logo)")
    ap.add_argument("--log-level", type=config.arg_type("log_level"), help="default INFO")
    ap.add_argument("--sleep-after", type=config.arg_type("sleep_after"), metavar="S",
                    help="backlight off after S idle seconds; 0 = never (default 300)")
    ap.add_argument("--pin", type=config.arg_type("pin"),
                    help="installer PIN for settings writes (env HMI_PIN; default 1234)")
    ap.add_argument("--record", metavar="FILE", type=config.arg_type("record"),
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


def load_settings(args: argparse.Namespace):
    """The settings file and the environment, under whatever the command line says."""
    from hmi.config import load_config
    given = {"source": args.source, "profile": args.size, "fullscreen": args.fullscreen,
             "rotation": args.rotation, "theme": args.theme, "log_level": args.log_level,
             "sleep_after": args.sleep_after, "pin": args.pin, "record": args.record}
    return load_config(given, config_file=args.config)


def screenshot(args, cfg) -> int:
    from hmi import display, scenes
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
    theme = load_theme(cfg.theme)
    profile = display.pick_profile(cfg.profile, None, cfg.rotation)
    if args.screenshot == "logo":
        surface = scenes.render_logo(profile, theme)
    else:
        surface = scenes.render_scene(scene, args.screenshot, profile, theme)
    # As a panel mounted turned shows it.
    scenes.save_png(display.turn(surface, cfg.rotation), args.out)
    print(f"wrote {args.out} ({args.screenshot}, {profile.name}, {args.scenario} at "
          f"{scenes.moment_seconds(scene.scenario, scene.at):.0f} s"
          f"{f', rotation {cfg.rotation}' if cfg.rotation else ''})")
    return 0


def contact_sheet(args, cfg) -> int:
    from hmi import scenes
    from hmi.contact_sheet import contact_sheet as sheet
    from hmi.profile import PROFILES
    from hmi.theme import load_theme
    scenes.headless()
    theme = load_theme(cfg.theme)
    items = [(name, render()) for name, render in scenes.golden_cases(PROFILES, theme)]
    scenes.save_png(sheet(items, theme), args.contact_sheet)
    print(f"wrote {args.contact_sheet} ({len(items)} pages)")
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # INFO until the settings are read: their problems must reach the log whatever it says.
    logging.basicConfig(level=logging.INFO,
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
    cfg = load_settings(args)
    logging.getLogger().setLevel(cfg.log_level)
    if args.screenshot:
        return screenshot(args, cfg)
    if args.contact_sheet:
        return contact_sheet(args, cfg)
    from hmi.display import has_display
    if not has_display(cfg.fullscreen):
        print("No display found (DISPLAY is not set): render pages headless instead, e.g. "
              "./run.sh --screenshot pack --out pack.png  or  ./run.sh --contact-sheet sheet.png")
        return 2
    return run_live(args, cfg)


def open_driver(cfg):
    """The data source's driver; None (pages say "no data") when the file names a bad one."""
    from drivers import DriverError, open_source
    if not cfg.source:
        return None  # the settings already logged why
    try:
        return open_source(cfg.source)
    except DriverError as exc:
        if cfg.origin.get("source") == "command line":
            raise
        # A screen that says "no data" helps the installer more than a restart loop.
        log.error("source %r (%s): %s; running with no data source", cfg.source,
                  cfg.origin.get("source", "default"), exc)
        return None


def run_live(args, cfg) -> int:
    import pygame

    from hmi import display
    from hmi.theme import load_theme
    log.info("%s", cfg.describe())
    # Someone at a keyboard: a mistake in --source ends the run before any window opens.
    # A panel's source comes from its settings and opens behind the logo (never fails).
    typed = cfg.origin.get("source") == "command line"
    driver = None
    if typed:
        from drivers import DriverError
        try:
            driver = open_driver(cfg)
        except DriverError as exc:
            print(f"--source {cfg.source!r}: {exc}", file=sys.stderr)
            return 2
    theme = load_theme(cfg.theme)
    try:
        display.init_video(cfg.fullscreen)
        screen = display.open_screen(cfg.profile, cfg.rotation, cfg.fullscreen, theme.name,
                                     cfg.touch)
    except (display.DisplayError, pygame.error) as exc:
        log.error("cannot open the screen: %s", exc)
        return 2
    text = None
    if args.page == "logo":
        # Power-on shows the brand at once; the link and the pages load behind it.
        from hmi.splash import show_logo
        text = show_logo(screen, theme)
        log.info("logo on screen %.0f ms after run_hmi started",
                 1000 * (time.monotonic() - STARTED))
    try:
        return run_app(args, cfg, theme, screen, driver if typed else open_driver(cfg), text)
    finally:
        pygame.quit()


def run_app(args, cfg, theme, screen, driver, text) -> int:
    from drivers import DriverError
    from hmi import loop
    from hmi.app import HmiApp
    from hmi.backlight import find_backlight
    from hmi.bus import DataBus, Freshness
    source = cfg.source if driver is not None else ""
    bus = DataBus(freshness=driver.freshness if driver else Freshness(),
                  local_address=driver.local_address if driver else 1, source=source)
    backlight = find_backlight() if cfg.fullscreen else None
    app = HmiApp(bus, screen.profile, theme, start_page=args.page, driver=driver, pin=cfg.pin,
                 sleep_after_s=cfg.sleep_after, backlight=backlight, text=text)
    log.info("HMI %s on %s, source %s", theme.name, screen.profile.name, source or "none")
    if driver is not None:
        driver.start(bus)
    if cfg.record:
        try:
            if driver is None or driver.start_recording(str(cfg.record)) is None:
                log.warning("recording to %s could not start (see above)", cfg.record)
        except DriverError as exc:
            log.warning("record: %s", exc)
    try:
        frames = loop.run(app, screen, exit_after_s=args.exit_after)
        log.info("stopped after %d frames", frames)
    finally:
        if driver is not None:
            driver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
