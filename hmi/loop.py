"""The event loop on a real display: sleep until a touch, new data or a timer, then draw.

Only the pygame parts in use are initialised (display and font; no audio). The loop sleeps
on the data bus, so a publish from a driver thread wakes it at once, and looks for touches
as often as poll_interval says.
"""
from __future__ import annotations

import logging
import time

import pygame

from hmi.app import HmiApp
from hmi.display import Screen
from hmi.housekeeping import PERIOD_S as HOUSEKEEPING_S, release_memory

log = logging.getLogger(__name__)

#: The frame-rate cap: a touch panel gains nothing past this, and the board has other work.
MAX_FPS = 30
#: The SDL events that are a hand on the panel (or a mouse on the desktop).
INPUT_EVENTS = frozenset({pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION,
                          pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION})
#: How often the loop looks for touches. Each look is a wake-up (0.09-0.12 ms of CPU on
#: the CI machine) and most of what the HMI costs when nothing changes, so the rate
#: follows the hand: the first touch after a quiet spell is seen within TOUCH_POLL_S,
#: and for ACTIVE_WINDOW_S after any touch (taps in a row, a drag through a list) every
#: frame of the 30 fps cap. With the backlight off a waking tap may take ASLEEP_POLL_S
#: (the light comes on; the tap itself is swallowed).
TOUCH_POLL_S = 0.1
ACTIVE_POLL_S = 1 / MAX_FPS
ACTIVE_WINDOW_S = 3.0
ASLEEP_POLL_S = 0.25


def _logged(what: str, raw: tuple[float, float], pos: tuple[int, int]) -> tuple[int, int]:
    # One debug line per touch: the raw reading beside the result is what calibrating needs.
    log.debug("%s raw (%.4g, %.4g) -> layout %s", what, raw[0], raw[1], pos)
    return pos


def _idle_wait(bus, since: int, poll_s: float = TOUCH_POLL_S) -> None:
    """Sleep until a publish, a pending SDL event or one second (ages count in seconds).

    ``since`` is the version of the state last looked at: a publish after that look, even
    one before this call, ends the wait at once.

    Not pygame.event.wait: on drivers without a native wait (dummy, KMSDRM) SDL makes that
    a 1 ms polling loop, the largest idle cost there was. Touches are seen within
    ``poll_s``; the loop's body runs only when there is something to do.
    """
    end = time.monotonic() + 1.0
    while not bus.wait(since, poll_s):
        if pygame.event.peek() or time.monotonic() >= end:
            return


def poll_interval(asleep: bool, since_input_s: float) -> float:
    """How long the loop may sleep before it looks for touches again."""
    if asleep:
        return ASLEEP_POLL_S
    return ACTIVE_POLL_S if since_input_s < ACTIVE_WINDOW_S else TOUCH_POLL_S


def run(app: HmiApp, screen: Screen, exit_after_s: float = 0.0) -> int:
    """Run until the window closes (or ``exit_after_s`` wall seconds, for smoke tests).

    The app draws into ``screen.frame`` in its own layout; ``screen`` turns it onto the
    panel and turns touches back. Returns the number of frames drawn.
    """
    frame_ms = 1000 // MAX_FPS
    last_flip = -frame_ms
    last_housekeeping = time.monotonic()
    frames = 0
    dark = False
    started = time.monotonic()
    running = True
    last_input = float("-inf")
    shown_page = None
    seen = None  # the bus version last looked at; none before the first frame
    while running:
        if exit_after_s and time.monotonic() - started >= exit_after_s:
            break
        if seen is not None:  # the first frame (the logo) goes out at once
            _idle_wait(app.bus, seen, poll_interval(app.asleep, time.monotonic() - last_input))
        if time.monotonic() - last_housekeeping >= HOUSEKEEPING_S:
            release_memory()  # RSS crept up 5.6 MB a day without it
            last_housekeeping = time.monotonic()
        for ev in pygame.event.get():
            if ev.type in INPUT_EVENTS:
                last_input = time.monotonic()
            if ev.type == pygame.QUIT or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
                running = False
            # SDL also turns touches into mouse events (ev.touch); take each touch once.
            elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1 and not getattr(ev, "touch", False):
                app.press(_logged("mouse down", ev.pos, screen.mouse(ev.pos)))
            elif ev.type == pygame.MOUSEBUTTONUP and ev.button == 1 and not getattr(ev, "touch", False):
                app.release(_logged("mouse up", ev.pos, screen.mouse(ev.pos)))
            elif ev.type == pygame.FINGERDOWN:
                app.press(_logged("finger down", (ev.x, ev.y), screen.finger(ev.x, ev.y)))
            elif ev.type == pygame.FINGERUP:
                app.release(_logged("finger up", (ev.x, ev.y), screen.finger(ev.x, ev.y)))
        app.update()
        state = app.bus.view()
        seen = state.version
        if app.asleep:
            if not dark:
                # With no backlight to switch (desktop), a black frame shows the sleep.
                screen.blank()
                dark = True
            continue
        dark = False
        if app.needs_draw(state):
            wait = frame_ms - (pygame.time.get_ticks() - last_flip)
            if wait > 0:
                pygame.time.wait(wait)
            app.draw(screen.frame, state)
            page = (app.last_frame.page, app.last_frame.address)
            if page != shown_page:
                # A new page goes out whole: no half-old picture between two partial updates.
                screen.presenter.invalidate()
                shown_page = page
            screen.present()
            last_flip = pygame.time.get_ticks()
            frames += 1
    return frames
