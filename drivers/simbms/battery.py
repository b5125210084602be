"""BatterySim: 1-30 packs in one scenario, stepped in simulated time, read as snapshots."""
from __future__ import annotations

import math
from typing import Optional, Union

from hmi.model import (DEFAULT_LIMITS, MAX_CELLS, MAX_PACKS, MIN_CELLS, AlarmHistory,
                       PackSettings, PackSnapshot)
from drivers.simbms.pack import Pack
from drivers.simbms.scenarios import SCENARIOS, Profile, Scenario

#: The longest step the physics takes at once; protections sample at every one.
MAX_SUBSTEP_S = 1.0


def _whole(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number {lo}..{hi}, got {value!r}")
    return value


def resolve_scenario(scenario: Union[str, Scenario]) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    try:
        return SCENARIOS[scenario]
    except (KeyError, TypeError):
        raise ValueError(f"unknown scenario {scenario!r}; choose one of "
                         f"{', '.join(SCENARIOS)}") from None


class BatterySim:
    """A seeded, time-accelerated parallel battery system.

    ``packs`` defaults to the scenario's own pack count (1, or 3 for pack-offline).
    ``scenario`` is a name from SCENARIOS or a Scenario object (tests build their own).
    """

    def __init__(self, packs: Optional[int] = None, seed: int = 1,
                 scenario: Union[str, Scenario] = "day", cells: int = 16):
        self.scenario = resolve_scenario(scenario)
        if packs is None:
            packs = self.scenario.packs
        _whole("packs", packs, 1, MAX_PACKS)
        _whole("cells", cells, MIN_CELLS, MAX_CELLS)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be a whole number, got {seed!r}")
        self.seed = seed
        self.cells = cells
        self.t = 0.0
        self._profile = self.scenario.profile(seed, packs, cells)
        ambient = self._profile.ambient(0.0)
        self._packs = tuple(Pack(a, cells, seed, self._profile.setup(a), ambient, DEFAULT_LIMITS)
                            for a in range(1, packs + 1))
        self._by_address = {p.address: p for p in self._packs}

    @property
    def profile(self) -> Profile:
        """The running scenario's conditions (a ManualProfile can be changed between steps)."""
        return self._profile

    @property
    def addresses(self) -> tuple[int, ...]:
        return tuple(self._by_address)

    def _pack(self, address: int) -> Pack:
        try:
            return self._by_address[address]
        except (KeyError, TypeError):
            raise ValueError(f"no pack at address {address!r}; packs are "
                             f"{self._packs[0].address}..{self._packs[-1].address}") from None

    # -- time ------------------------------------------------------------------------------
    def step(self, dt: float = 1.0) -> None:
        """Advance ``dt`` simulated seconds in equal substeps of at most one second."""
        if not math.isfinite(dt) or dt < 0:
            raise ValueError(f"dt must be a finite number of seconds >= 0, got {dt!r}")
        if dt == 0:
            return
        n = math.ceil(dt / MAX_SUBSTEP_S - 1e-9)
        sub = dt / n
        demand = self._profile.demand
        packs = self._packs
        t = self.t
        for _ in range(n):
            end = t + sub
            for pack in packs:
                pack.step(end, sub, *demand(t, pack.address))
            t = end
        self.t = t

    def run_until(self, t: float) -> None:
        """Step until ``self.t >= t`` (whole seconds while far, then the exact remainder)."""
        whole = math.floor(t - self.t)
        if whole >= 1:
            self.step(float(whole))
        if self.t < t:
            self.step(t - self.t)

    # -- reading ---------------------------------------------------------------------------
    def is_answering(self, address: int) -> bool:
        self._pack(address)
        return self._profile.answering(self.t, address)

    def snapshot(self, address: int) -> Optional[PackSnapshot]:
        """The pack's data now, or None while it does not answer (or does not exist)."""
        pack = self._by_address.get(address)
        if pack is None or not self._profile.answering(self.t, address):
            return None
        return pack.snapshot(self.t)

    def snapshots(self) -> list[PackSnapshot]:
        return [p.snapshot(self.t) for p in self._packs
                if self._profile.answering(self.t, p.address)]

    # -- configuration -----------------------------------------------------------------------
    def settings(self, address: int) -> PackSettings:
        return self._pack(address).settings

    def write_settings(self, address: int, changes: dict[str, object]) -> PackSettings:
        """Range-checked write of protocol_id / address / charge_voltage_limit_v.

        All or nothing: one bad value raises ValueError and nothing changes. A new
        address is stored but, as on the real BMS, takes effect only after a restart:
        the pack keeps answering where it was.
        """
        return self._pack(address).write_settings(dict(changes))

    def clear_history(self, address: int) -> AlarmHistory:
        return self._pack(address).clear_history()
