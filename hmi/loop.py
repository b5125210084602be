"""The event loop on a real display: sleep until a touch, new data or a timer, then draw.

Only the pygame parts in use are initialised (display and font; no audio). Driver threads
wake the loop through a pygame user event posted by the bus's waker; at most one such
event is queued at a time, so a fast driver cannot flood the queue.
"""
from __future__ import annotations

import logging
import threading
import time

import pygame

from hmi.app import HmiApp

log = logging.getLogger(__name__)

#: The frame-rate cap: a touch panel gains nothing past this, and the board has other work.
MAX_FPS = 30


class _Waker:
    def __init__(self, event_type: int):
        self.event_type = event_type
        self.pending = threading.Event()

    def __call__(self) -> None:
        if not self.pending.is_set():
            self.pending.set()
            pygame.event.post(pygame.event.Event(self.event_type))


def open_display(size: tuple[int, int], fullscreen: bool, title: str) -> pygame.Surface:
    pygame.display.init()
    pygame.font.init()
    flags = pygame.FULLSCREEN if fullscreen else 0
    screen = pygame.display.set_mode(size, flags)
    pygame.display.set_caption(title)
    if fullscreen:
        pygame.mouse.set_visible(False)
    return screen


def touch_position(event: pygame.event.Event, size: tuple[int, int]) -> tuple[int, int]:
    """SDL finger events carry 0..1 coordinates; the app wants pixels."""
    return (min(size[0] - 1, int(event.x * size[0])), min(size[1] - 1, int(event.y * size[1])))


def run(app: HmiApp, screen: pygame.Surface, exit_after_s: float = 0.0) -> int:
    """Run until the window closes (or ``exit_after_s`` wall seconds, for smoke tests).

    Returns the number of frames drawn.
    """
    waker = _Waker(pygame.event.custom_type())
    app.bus.set_waker(waker)
    size = screen.get_size()
    frame_ms = 1000 // MAX_FPS
    last_flip = 0
    frames = 0
    dark = False
    started = time.monotonic()
    running = True
    while running:
        if exit_after_s and time.monotonic() - started >= exit_after_s:
            break
        # Wake at least once a second: ages on screen count in seconds.
        event = pygame.event.wait(1000)
        for ev in [event, *pygame.event.get()]:
            if ev.type == pygame.QUIT or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
                running = False
            elif ev.type == waker.event_type:
                waker.pending.clear()
            # SDL also turns touches into mouse events (ev.touch); take each touch once.
            elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1 and not getattr(ev, "touch", False):
                app.press(ev.pos)
            elif ev.type == pygame.MOUSEBUTTONUP and ev.button == 1 and not getattr(ev, "touch", False):
                app.release(ev.pos)
            elif ev.type == pygame.FINGERDOWN:
                app.press(touch_position(ev, size))
            elif ev.type == pygame.FINGERUP:
                app.release(touch_position(ev, size))
        app.update()
        state = app.bus.view()
        if app.asleep:
            if not dark:
                # With no backlight to switch (desktop), a black frame shows the sleep.
                screen.fill((0, 0, 0))
                pygame.display.flip()
                dark = True
            continue
        dark = False
        if app.needs_draw(state):
            wait = frame_ms - (pygame.time.get_ticks() - last_flip)
            if wait > 0:
                pygame.time.wait(wait)
            app.draw(screen, state)
            pygame.display.flip()
            last_flip = pygame.time.get_ticks()
            frames += 1
    return frames
