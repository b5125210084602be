"""Start-up: process start to the first logo frame on the display, against bare pygame.

    .venv/bin/python bench/startup.py [--runs 20] [--size 800x480] [--sources sim,modbus,can]

Each run starts fresh interpreters, in turns:

* the HMI: ``run_hmi.main`` as ``HMI_SOURCE=... run_hmi.py --page logo`` runs it (the
  source as a panel's settings give it; one row reads deploy/hmi.example.toml), with
  ``pygame.display.flip`` wrapped so that the first call (the first frame presented)
  prints the time and ends the process;
* bare: ``import pygame; pygame.display.init(); set_mode(size); flip()``.

Both on the SDL dummy driver; times run from just before the process is spawned to the
first flip, on the monotonic clock both processes share. The logo goes out before the
driver is imported (run_hmi.run_live), so the sources (sim; modbus = pymodbus; can =
python-can and cantools) should not differ; they are timed to show that they do not.
Goal: HMI / bare ≤ 1.5 (medians), bytecode cached as on an installed panel.

The first frame must be the logo: the child hashes what it presented and the hash must
equal the committed golden of the logo at that size (tests/goldens/logo-<size>.png).

``--phases`` prints where the HMI's time goes (one more run per source, instrumented).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

GOAL_RATIO = 1.5
SOURCES = {"sim": "sim", "modbus": "modbus:/dev/ttyUSB-bench-none?packs=1-4",
           "can": "can:virtual:bench-startup"}

HMI_CHILD = """
import sys, time, hashlib, os
# The source as a panel gets it, from its settings (the environment stands in for the
# file): a source typed on the command line is opened before the screen, to fail fast.
source = sys.argv.pop(1)
if source:
    os.environ["HMI_SOURCE"] = source
import pygame
def flip():
    t = time.monotonic()
    shown = hashlib.sha256(pygame.image.tobytes(pygame.display.get_surface(), "RGB"))
    # Flush first: os._exit skips it, and the parent needs this line.
    print("FIRST", t, shown.hexdigest(), flush=True)
    import os
    os._exit(0)
pygame.display.flip = flip
import run_hmi
run_hmi.main(sys.argv[1:])
print("NOFLIP", flush=True)
"""

BARE_CHILD = """
import sys, time
import pygame
pygame.display.init()
screen = pygame.display.set_mode((int(sys.argv[1]), int(sys.argv[2])))
pygame.display.flip()
print("FIRST", time.monotonic(), "bare", flush=True)
"""

#: The HMI child again, with a mark at each step on the way to the first frame.
PHASES_CHILD = """
import sys, time, os, json
marks = [("interpreter up", time.monotonic())]
source = sys.argv.pop(1)
if source:
    os.environ["HMI_SOURCE"] = source
def mark(what):
    marks.append((what, time.monotonic()))
import pygame; mark("import pygame")
import run_hmi; mark("import run_hmi")
def wrap(mod, name, label):
    f = getattr(mod, name)
    def g(*a, **k):
        r = f(*a, **k); mark(label); return r
    setattr(mod, name, g)
import hmi.display, hmi.theme, hmi.splash
mark("import the logo's modules (hmi.display, hmi.theme, hmi.splash, screens.logo)")
wrap(run_hmi, "parse_args", "parse the command line (imports hmi.config)")
wrap(run_hmi, "load_settings", "read the settings")
wrap(hmi.theme, "load_theme", "load the theme")
wrap(hmi.display, "init_video", "SDL video init")
wrap(hmi.display, "open_screen", "open the screen")
def flip():
    mark("draw the logo (fonts, text)")
    print("PHASES", json.dumps(marks), flush=True)
    os._exit(0)
pygame.display.flip = flip
run_hmi.main(sys.argv[1:])
"""


#: Set by main(): an empty folder (no config file, no bytecode) removed at the end.
SCRATCH = Path(tempfile.gettempdir())


def env(pycache: str | None) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("HMI_") and k not in ("PYTHONDONTWRITEBYTECODE",
                                                   "PYTHONPYCACHEPREFIX")}
    e.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1",
             TZ="UTC", XDG_CONFIG_HOME=str(SCRATCH / "empty"), PYTHONPATH=str(ROOT))
    if pycache is None:
        e["PYTHONDONTWRITEBYTECODE"] = "1"
        # Python still reads __pycache__ beside the sources: point it at an empty tree.
        e["PYTHONPYCACHEPREFIX"] = str(SCRATCH / "empty")
    else:
        # Compiled once, by the warm-up run, into a tree outside the repository.
        e["PYTHONPYCACHEPREFIX"] = pycache
    return e


def spawn(argv: list[str], pycache: str | None, tag: str) -> tuple[float, str]:
    """(monotonic time just before the spawn, the rest of the child's ``tag`` line)."""
    t0 = time.monotonic()
    out = subprocess.run(argv, cwd=ROOT, env=env(pycache), capture_output=True, text=True,
                         timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith(tag + " "):
            return t0, line[len(tag) + 1:]
    raise SystemExit(f"no frame presented by {argv[:3]}...:\n{out.stdout}\n{out.stderr}")


def once(argv: list[str], pycache: str | None) -> tuple[float, str]:
    """(seconds from spawn to the first flip, what the first frame showed)."""
    t0, rest = spawn(argv, pycache, "FIRST")
    t, what = rest.split(" ", 1)
    return float(t) - t0, what


def hmi_argv(size: str, source: str, code: str = HMI_CHILD) -> list[str]:
    return [sys.executable, "-c", code, source, "--page", "logo", "--size", size,
            "--sleep-after", "0", "--log-level", "CRITICAL"]


def phases(size: str, source: str, pycache: str) -> list[tuple[str, float]]:
    t0, payload = spawn(hmi_argv(size, source, PHASES_CHILD), pycache, "PHASES")
    marks = json.loads(payload)
    out, prev = [("process start to interpreter up", marks[0][1] - t0)], marks[0][1]
    for what, t in marks[1:]:
        out.append((what, t - prev))
        prev = t
    return out


def main(argv: list[str]) -> int:
    global SCRATCH
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        SCRATCH = Path(scratch)
        (SCRATCH / "empty").mkdir()
        return measure(argv)


def measure(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--size", default="800x480")
    ap.add_argument("--sources", default=",".join(SOURCES))
    ap.add_argument("--no-cache", action="store_true",
                    help="also measure with no bytecode cache (compiled at every start)")
    ap.add_argument("--phases", action="store_true", help="print where the time goes")
    args = ap.parse_args(argv)
    w, h = args.size.split("x")
    bare_argv = [sys.executable, "-c", BARE_CHILD, w, h]
    sources = args.sources.split(",")
    print(f"start-up to the first frame presented, {args.size}, SDL dummy, median of "
          f"{args.runs} runs each (HMI and bare in turns)")
    cache = str(SCRATCH / "pycache")
    golden = ROOT / "tests" / "goldens" / f"logo-{args.size}.png"
    with Image.open(golden) as im:
        logo = hashlib.sha256(im.convert("RGB").tobytes()).hexdigest()
    modes = [("bytecode cached (as installed)", cache)]
    if args.no_cache:
        modes.append(("no bytecode cache (compiled at every start)", None))
    verdict = None
    for label, pycache in modes:
        print(f" {label}:")
        runs = {f"source {s}": hmi_argv(args.size, SOURCES[s]) for s in sources}
        # A panel reads its settings file before it opens the screen.
        runs["settings file (sim)"] = hmi_argv(args.size, "") + [
            "--config", str(ROOT / "deploy" / "hmi.example.toml")]
        for warm in [bare_argv, *runs.values()]:
            once(warm, pycache)  # cold disk caches; fills the bytecode tree
        bare_times = []
        hmi_times: dict[str, list[float]] = {s: [] for s in runs}
        for _ in range(args.runs):
            bare_times.append(once(bare_argv, pycache)[0])
            for s, argv_ in runs.items():
                t, shown = once(argv_, pycache)
                if shown != logo:
                    raise SystemExit("the first frame presented is not the logo's golden "
                                     f"{golden.name}")
                hmi_times[s].append(t)
        mb = statistics.median(bare_times)
        print(f"  {'bare pygame':26} {1000 * mb:7.1f} ms   (min {1000 * min(bare_times):.1f})")
        for s in runs:
            mh = statistics.median(hmi_times[s])
            ratio = mh / mb
            if verdict is None:
                verdict = ratio
            label = f"HMI, {s}"
            print(f"  {label:26} {1000 * mh:7.1f} ms   (min "
                  f"{1000 * min(hmi_times[s]):.1f})   ratio {ratio:.2f}   (of the minimums "
                  f"{min(hmi_times[s]) / min(bare_times):.2f})")
    if args.phases:
        for s in sources:
            print(f" where the HMI's time goes, source {s} (one instrumented run, ms):")
            for what, dt in phases(args.size, SOURCES[s], cache):
                print(f"  {1000 * dt:7.1f}  {what}")
    print(f"ratio as installed, source {sources[0]} = {verdict:.2f}  (goal ≤ {GOAL_RATIO}: "
          f"{'met' if verdict <= GOAL_RATIO else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
