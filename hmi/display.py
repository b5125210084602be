"""Opening the screen: which SDL video driver, which layout, and a turned frame on the panel.

On a panel there is no X or Wayland: SDL draws through KMS/DRM, or on builds that have
them the framebuffer console or DirectFB. Each is tried in turn and the one that works is
logged, so a journal says how the picture got there. The app always draws into a frame of
its profile's size; when the panel is mounted turned, or is bigger than the profile, the
frame is turned by a multiple of 90 degrees (exact, no resampling) and centred here.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Mapping, MutableMapping, Optional

import pygame

from hmi.geometry import Calibration, Point, Size, Viewport, rotated_size
from hmi.present import Presenter
from hmi.profile import DEFAULT_PROFILE, PROFILES, Profile, get_profile, nearest_profile

log = logging.getLogger(__name__)

#: Tried in this order on a panel with no desktop; SDL's own choice comes last.
PANEL_DRIVERS = ("kmsdrm", "fbcon", "directfb")


class DisplayError(RuntimeError):
    """No video driver could open the screen; the message lists what each one said."""


def has_display(fullscreen: bool, env: Mapping[str, str] = os.environ,
                dev: Path = Path("/dev")) -> bool:
    if env.get("SDL_VIDEODRIVER") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return True
    # With no desktop only full screen makes sense: SDL drives the panel itself.
    return fullscreen and (any(dev.glob("dri/card*")) or any(dev.glob("fb[0-9]*")))


def driver_candidates(env: Mapping[str, str], fullscreen: bool) -> list[Optional[str]]:
    """Video drivers to try, in order; None = let SDL pick."""
    if env.get("SDL_VIDEODRIVER"):
        return [env["SDL_VIDEODRIVER"]]  # a person chose: no second-guessing
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or not fullscreen:
        return [None]
    return [*PANEL_DRIVERS, None]


def init_video(fullscreen: bool, env: MutableMapping[str, str] = os.environ,
               init=pygame.display.init, close=pygame.display.quit,
               driver=pygame.display.get_driver) -> str:
    """Start SDL's video on the first driver that works; log which one."""
    failed: list[str] = []
    for name in driver_candidates(env, fullscreen):
        if name is None:
            env.pop("SDL_VIDEODRIVER", None)
        else:
            env["SDL_VIDEODRIVER"] = name
        try:
            init()
        except pygame.error as exc:
            failed.append(f"{name or 'SDL default'}: {exc}")
            close()
            continue
        chosen = driver()
        log.info("video driver %s%s", chosen,
                 f" (not available: {'; '.join(failed)})" if failed else "")
        return chosen
    raise DisplayError("no video driver could open the screen: " + "; ".join(failed))


def pick_profile(setting: str, panel: Optional[Size], rotation: int) -> Profile:
    """The layout: as set, or ("auto") the one that fits the panel as it is mounted."""
    if setting != "auto":
        return get_profile(setting)
    if panel is None:
        return PROFILES[DEFAULT_PROFILE]  # a desktop window: the reference panel
    return nearest_profile(*rotated_size(panel, rotation))


def turn(frame: pygame.Surface, rotation: int) -> pygame.Surface:
    """The frame turned clockwise as the panel shows it (pygame turns counter-clockwise)."""
    return pygame.transform.rotate(frame, -rotation) if rotation else frame


class Screen:
    """The physical display, the frame the app draws into, and the touch transform."""

    def __init__(self, surface: pygame.Surface, profile: Profile, rotation: int,
                 calibration: Calibration = Calibration()):
        self.surface = surface
        self.profile = profile
        self.calibration = calibration
        self.view = Viewport(surface.get_size(), profile.size, rotation)
        # The common case (profile = panel, not turned) draws straight to the display.
        self.frame = surface if self.view.fills_panel else pygame.Surface(profile.size)
        self._border = self.view.turned != self.view.logical
        # Only what changed since the last frame goes to the display.
        self.presenter = Presenter()

    def present(self) -> None:
        if self.frame is not self.surface:
            if self._border:
                self.surface.fill((0, 0, 0))
            self.surface.blit(turn(self.frame, self.view.rotation), self.view.blit_position())
        self.presenter.present(self.surface)

    def blank(self) -> None:
        """A black screen: how sleep looks where there is no backlight to switch off."""
        self.surface.fill((0, 0, 0))
        pygame.display.flip()
        self.presenter.invalidate()

    def finger(self, x: float, y: float) -> Point:
        return self.view.touch((x, y), self.calibration)

    def mouse(self, pos: Point) -> Point:
        return self.view.mouse(pos, self.calibration)


def open_screen(profile_setting: str, rotation: int, fullscreen: bool, title: str,
                calibration: Calibration = Calibration()) -> Screen:
    """Open the window or the panel (after :func:`init_video`) and lay out the frame."""
    pygame.font.init()
    if fullscreen:
        # The panel's own mode: no mode switch, no scaling by SDL or the display.
        panel = pygame.display.get_desktop_sizes()[0]
        profile = pick_profile(profile_setting, panel, rotation)
        surface = pygame.display.set_mode(panel, pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)
    else:
        profile = pick_profile(profile_setting, None, rotation)
        surface = pygame.display.set_mode(rotated_size(profile.size, rotation))
    pygame.display.set_caption(title)
    screen = Screen(surface, profile, rotation, calibration)
    view = screen.view
    log.info("screen %dx%d%s, rotation %d, layout %s%s%s", *view.physical,
             " full screen" if fullscreen else " window", rotation, profile.name,
             " (auto)" if profile_setting == "auto" else "",
             "" if view.turned == view.logical else f" centred at {view.offset}")
    if view.offset[0] < 0 or view.offset[1] < 0:
        log.warning("layout %s is bigger than the panel (%dx%d as mounted): its edges are "
                    "cut off; choose a smaller profile", profile.name, *view.turned)
    return screen
