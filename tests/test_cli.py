"""run_hmi.py as a person runs it: no display, headless screenshots, the live loop."""
import os
import subprocess
import sys

from PIL import Image

from tests.conftest import ROOT
from tests.golden import GOLDEN_DIR


def run(args, env_extra=None, drop=("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(ROOT / "run_hmi.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_without_a_display_it_says_so_in_one_line_and_how_to_render_instead():
    r = run([])
    assert r.returncode == 2
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and "No display" in lines[0] and "--screenshot" in lines[0]


def test_screenshot_command_renders_the_same_pixels_as_the_golden(tmp_path):
    out = tmp_path / "x.png"
    r = run(["--screenshot", "cells", "--size", "480x272", "--scenario", "imbalance",
             "--at", "wide", "--out", str(out)])
    assert r.returncode == 0, r.stderr
    with Image.open(out) as a, Image.open(GOLDEN_DIR / "cells-imbalance-480x272.png") as g:
        assert a.convert("RGB").tobytes() == g.convert("RGB").tobytes()


def test_list_pages_names_every_page_of_the_spec():
    r = run(["--list-pages"])
    assert r.stdout.split() == ["logo", "pack", "cells", "temps", "alarms", "protocol",
                                "system", "packs", "pack-detail"]


def test_bad_source_is_refused_with_a_reason():
    r = run(["--source", "sim:packs=99"], env_extra={"SDL_VIDEODRIVER": "dummy"})
    assert r.returncode == 2 and "packs" in r.stderr


def test_live_loop_runs_on_the_simulator_and_stops_cleanly():
    r = run(["--exit-after", "3", "--source", "sim:speed=30", "--log-level", "INFO"],
            env_extra={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert r.returncode == 0, r.stderr
    frames = [l for l in r.stderr.splitlines() if "stopped after" in l]
    assert frames and int(frames[0].split("after ")[1].split()[0]) >= 2
    # Power-on: the logo before the source is opened, and the journal says how soon.
    lines = r.stderr.splitlines()
    logo = next(i for i, l in enumerate(lines) if "logo on screen" in l)
    source = next(i for i, l in enumerate(lines) if "source sim" in l)
    assert logo < source and int(lines[logo].split("screen ")[1].split()[0]) < 5000
