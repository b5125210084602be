"""Drive the whole app without a window: simulated battery, fake clock, synthetic taps.

Time moves only when a test says so (``advance``), so every run is identical. Taps go
through the same press/release path as the panel's touches. Targets are found by their
action, not by pixel, so the same test runs at every panel size.
"""
from __future__ import annotations

from typing import Callable, Optional

import pygame

from drivers.simbms import SIM_EPOCH, SCENARIOS, BatterySim
from hmi.app import HmiApp
from hmi.bus import DataBus, FakeClock, Freshness
from hmi.model import Command, CommandResult
from hmi.profile import PROFILES
from hmi.scenes import headless
from hmi.theme import load_theme


class InlineSimDriver:
    """A driver double that answers commands at once from the simulator, as the real
    drivers do later: settings written and read back, or refused with a reason."""

    def __init__(self, sim: BatterySim, bus: DataBus, fail_with: Optional[str] = None):
        self.sim, self.bus, self.fail_with = sim, bus, fail_with
        self.commands: list[Command] = []

    def submit(self, command: Command) -> None:
        self.commands.append(command)
        if self.fail_with:
            self.bus.complete(CommandResult(command.id, False, self.fail_with))
            return
        try:
            if command.kind == "clear_history":
                history = self.sim.clear_history(command.address)
                result = CommandResult(command.id, True, history=history)
            else:
                settings = self.sim.write_settings(command.address, dict(command.changes))
                result = CommandResult(command.id, True, settings=settings)
        except ValueError as exc:
            result = CommandResult(command.id, False, str(exc))
        for snap in self.sim.snapshots():
            self.bus.publish(snap)
        self.bus.complete(result)


class Harness:
    def __init__(self, profile: str = "480x320", *, packs: int = 1, scenario: str = "day",
                 at: float | str = "charging", seed: int = 1, cells: int = 16,
                 start_page: str = "pack", local_address: int = 1,
                 driver: str = "inline", fail_with: Optional[str] = None, **app_kwargs):
        headless()
        t0 = SCENARIOS[scenario].moments[at] if isinstance(at, str) else at
        self.sim = BatterySim(packs=packs, seed=seed, scenario=scenario, cells=cells)
        self.sim.run_until(t0)
        self.clock = FakeClock(SIM_EPOCH, self.sim.t)
        self.bus = DataBus(self.clock, Freshness(5.0, 15.0), local_address=local_address,
                           source="sim")
        self.bus.configure(self.sim.addresses)
        self.driver = InlineSimDriver(self.sim, self.bus, fail_with) if driver else None
        self.app = HmiApp(self.bus, PROFILES[profile], load_theme(), start_page=start_page,
                          driver=self.driver, **app_kwargs)
        self.surface = pygame.Surface(PROFILES[profile].size)
        self.publish()
        self.frame()

    def publish(self) -> None:
        for snap in self.sim.snapshots():
            self.bus.publish(snap)

    def frame(self) -> None:
        self.app.update()
        self.app.draw(self.surface)

    def advance(self, seconds: int, publish: bool = True) -> None:
        """Move simulated and screen time together, one second at a time."""
        for _ in range(int(seconds)):
            self.sim.step(1.0)
            self.clock.advance(1.0)
            if publish:
                self.publish()
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
        self.frame()

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        self.app.drag(start, end)
        self.frame()
