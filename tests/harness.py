"""Drive the whole app without a window: simulated battery, fake clock, synthetic taps.

Time moves only when a test says so (``advance``), so every run is identical. Taps go
through the same press/release path as the panel's touches. Targets are found by their
action, not by pixel, so the same test runs at every panel size.
"""
from __future__ import annotations

from typing import Callable, Optional

import pygame

from drivers.sim import SimDriver
from drivers.simbms import SIM_EPOCH, SCENARIOS
from hmi.app import HmiApp
from hmi.bus import DataBus, FakeClock, Freshness
from hmi.model import Command, CommandResult
from hmi.profile import PROFILES
from hmi.scenes import headless
from hmi.theme import load_theme


class RefusingSimDriver(SimDriver):
    """The real simulated driver, except that the BMS refuses every command with
    ``reason`` (as a firmware that answers a write with an exception would)."""

    def __init__(self, reason: str, **kw):
        super().__init__(**kw)
        self.reason = reason

    def _handle(self, command: Command, publish: bool = True) -> None:
        self.bus.complete(CommandResult(command.id, False, self.reason))


class Harness:
    def __init__(self, profile: str = "480x320", *, packs: int = 1, scenario: str = "day",
                 at: float | str = "charging", seed: int = 1, cells: int = 16,
                 start_page: str = "pack", local_address: int = 1,
                 fail_with: Optional[str] = None, **app_kwargs):
        headless()
        t0 = SCENARIOS[scenario].moments[at] if isinstance(at, str) else at
        options = dict(packs=packs, seed=seed, scenario=scenario, cells=cells, start=t0)
        # The real driver, ticked by hand: commands run and results arrive on each tick.
        self.driver = (RefusingSimDriver(fail_with, **options) if fail_with
                       else SimDriver(**options))
        self.sim = self.driver.sim
        self.clock = FakeClock(SIM_EPOCH, t0)
        self.bus = DataBus(self.clock, Freshness(5.0, 15.0), local_address=local_address,
                           source="sim")
        self.commands: list[Command] = []
        submit = self.driver.submit
        self.driver.submit = lambda c: (self.commands.append(c), submit(c))
        self.driver.connect(self.bus)
        self.app = HmiApp(self.bus, PROFILES[profile], load_theme(), start_page=start_page,
                          driver=self.driver, **app_kwargs)
        self.surface = pygame.Surface(PROFILES[profile].size)
        self.frame()

    def publish(self) -> None:
        """Answer queued commands and publish now, without moving time."""
        self.driver.tick(0.0)

    def frame(self) -> None:
        self.app.update()
        self.app.draw(self.surface)

    def advance(self, seconds: int, publish: bool = True) -> None:
        """Move simulated and screen time together, one second at a time."""
        for _ in range(int(seconds)):
            self.clock.advance(1.0)
            if publish:
                self.driver.tick(1.0)
            else:
                self.sim.step(1.0)
            self.app.update()
        self.frame()

    @property
    def page(self) -> str:
        return self.app.ui.page

    def targets(self, match: Callable[[tuple], bool]) -> list[pygame.Rect]:
        return [t.rect for t in self.app._targets if match(t.action)]

    def target(self, *action) -> pygame.Rect:
        """The rect of the target whose action starts with ``action``."""
        found = self.targets(lambda a: a[:len(action)] == action)
        assert found, f"no target {action} on page {self.page}: " \
                      f"{sorted({t.action for t in self.app._targets}, key=str)}"
        return found[-1]

    def tap(self, *action) -> None:
        self.tap_at(self.target(*action).center)

    def tap_at(self, pos: tuple[int, int]) -> None:
        self.app.tap(pos)
        self.publish()   # the driver's next turn: it answers what the tap asked for
        self.frame()

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        self.app.drag(start, end)
        self.frame()
