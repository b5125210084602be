"""Power-on: the logo goes on the panel before the link and the other pages are loaded."""
import hashlib
import os
import subprocess
import sys

import pygame
import pytest
from PIL import Image

from hmi import display
from hmi.app import HmiApp
from hmi.bus import DataBus, FakeClock
from hmi.profile import PROFILES
from hmi.splash import show_logo
from hmi.theme import load_theme
from tests.conftest import ROOT
from tests.golden import GOLDEN_DIR, compare

#: Run as run_hmi.py runs, stopped at the first frame presented: what it showed, and
#: which modules had been loaded by then.
FIRST_FRAME = """
import hashlib, os, sys
import pygame
def flip():
    shown = pygame.image.tobytes(pygame.display.get_surface(), "RGB")
    print("SHOWN", hashlib.sha256(shown).hexdigest())
    print("LOADED", " ".join(sorted(sys.modules)), flush=True)
    os._exit(0)
pygame.display.flip = flip
import run_hmi
sys.exit(run_hmi.main(sys.argv[1:]))
"""


def golden_hash(name: str) -> str:
    with Image.open(GOLDEN_DIR / f"{name}.png") as im:
        return hashlib.sha256(im.convert("RGB").tobytes()).hexdigest()


def start(tmp_path, *args, env_extra=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMI_")}
    env.update(SDL_VIDEODRIVER="dummy", XDG_CONFIG_HOME=str(tmp_path), **(env_extra or {}))
    return subprocess.run([sys.executable, "-c", FIRST_FRAME, "--log-level", "CRITICAL", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def first_frame(tmp_path, *args, env_extra=None) -> tuple[str, set[str]]:
    r = start(tmp_path, *args, env_extra=env_extra)
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if " " in line)
    assert "SHOWN" in out, r.stdout + r.stderr
    return out["SHOWN"], set(out["LOADED"].split())


@pytest.mark.parametrize("source", ["sim", "modbus:/dev/ttyUSB-none", "can:virtual:splash"])
def test_the_first_frame_is_the_logo_and_the_link_is_not_loaded_yet(tmp_path, source):
    # As on a panel: the source from the settings (here the environment), not typed.
    shown, loaded = first_frame(tmp_path, "--size", "800x480",
                                env_extra={"HMI_SOURCE": source})
    assert shown == golden_hash("logo-800x480")
    late = {"hmi.app", "hmi.model", "hmi.bus", "drivers.base", "drivers.sim", "drivers.modbus",
            "drivers.can", "pymodbus", "can", "cantools", "screens.cells", "tomllib"}
    assert not late & loaded, sorted(late & loaded)


def test_a_settings_file_is_read_before_the_logo(tmp_path):
    settings = tmp_path / "hmi.toml"
    settings.write_text('profile = "480x272"\n')
    shown, loaded = first_frame(tmp_path, "--config", str(settings))
    assert shown == golden_hash("logo-480x272")  # the file's panel size, so it was read
    assert "tomllib" in loaded and "drivers.sim" not in loaded


def test_a_typed_source_is_checked_before_any_window_opens(tmp_path):
    r = start(tmp_path, "--source", "sim:packs=abc")
    assert r.returncode == 2 and "packs" in r.stderr
    assert "SHOWN" not in r.stdout  # nothing was ever presented


def test_a_bad_source_in_the_settings_shows_the_logo_then_no_data(tmp_path):
    shown, loaded = first_frame(tmp_path, "--size", "480x272",
                                env_extra={"HMI_SOURCE": "sim:packs=abc"})
    assert shown == golden_hash("logo-480x272")


def test_another_start_page_skips_the_logo(tmp_path):
    shown, loaded = first_frame(tmp_path, "--page", "cells", "--source", "sim")
    assert shown != golden_hash("logo-480x320") and "hmi.app" in loaded


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_app_takes_over_from_the_logo_without_a_changed_pixel(profile):
    theme = load_theme()
    screen = display.open_screen(profile, 0, False, theme.name)
    show_logo(screen, theme)
    assert compare(f"logo-{profile}", screen.frame) is None
    app = HmiApp(DataBus(FakeClock(0.0)), screen.profile, theme, start_page="logo")
    app.draw(screen.frame)
    assert screen.presenter.present(screen.surface) == []  # nothing sent to the panel
    pygame.display.quit()


def test_a_logo_file_spoiled_after_start_shows_the_name_and_says_why(tmp_path, caplog):
    from PIL import Image as PILImage
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (120, 40), (200, 30, 30)).save(logo)
    (tmp_path / "brand.json").write_text('{"name": "Brand", "logo": "logo.png"}')
    theme = load_theme(tmp_path / "brand.json")
    assert theme.logo is not None  # read fine at start
    logo.write_bytes(b"not a picture any more")
    screen = display.open_screen("480x320", 0, False, theme.name)
    with caplog.at_level("WARNING", logger="screens.logo"):
        show_logo(screen, theme)
    assert any("unusable now" in r.getMessage() for r in caplog.records)
    # The name is drawn in its place: the middle of the screen is not background.
    mid = screen.frame.subsurface(pygame.Rect(120, 60, 240, 100))
    assert any(mid.get_at((x, y))[:3] != theme.background[:3]
               for x in range(0, 240, 4) for y in range(0, 100, 4))
    pygame.display.quit()
