"""What the world outside the battery does: loads, the charger, the room, the wiring.

A scenario is a name, a description, the moments worth a screenshot, and a profile
factory. A profile is one seeded run of it: per pack and per second it says which current
the charger or load asks for, whether the charger regulates its voltage, whether the
output is shorted, how warm the room is, and whether the pack answers on the bus.
Everything random is drawn from ``random.Random`` seeded by (seed, what, which), so a
pack or a day draws the same whatever else was asked before it.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable

from drivers.simbms.pack import PackSetup

HOUR = 3600.0
DAY = 24 * HOUR

#: (request A, charger regulates at the pack's charge voltage limit, output shorted, room °C)
Demand = tuple[float, bool, bool, float]


class Profile:
    """The quiet default: nothing connected, a 25 °C room, every pack answering."""

    def __init__(self, seed: int, packs: int, cells: int):
        self.seed = seed
        self.packs = packs
        self.cells = cells

    def rng(self, *what: object) -> random.Random:
        return random.Random(":".join(map(str, (self.seed,) + what)))

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=0.5)

    def demand(self, t: float, address: int) -> Demand:
        return (0.0, True, False, self.ambient(t))

    def ambient(self, t: float) -> float:
        return 25.0

    def answering(self, t: float, address: int) -> bool:
        return True


@dataclass(frozen=True, eq=False)   # compared and hashed by identity: moments is a dict
class Scenario:
    name: str
    description: str
    moments: dict[str, float]
    profile: Callable[[int, int, int], Profile] = field(repr=False, default=Profile)
    #: Pack count used when the caller does not choose one.
    packs: int = 1


# -- a residential day -------------------------------------------------------------------
class DayProfile(Profile):
    """Per pack: morning load, solar charge through CV to full, evening load, quiet night.

    The interesting part sits in the first six hours (08:00-14:00 on the clock) so a short
    run shows all of it; the pattern repeats every 24 h with that day's own events.
    """

    MORNING = (0.0, 0.6)        # hours: breakfast, 30 A
    SOLAR = (0.6, 4.0)          # ramps up to ~85 A per pack, down again after 3.4 h
    EVENING = (4.0, 6.0)        # cooking, heat pump: 38 A

    def __init__(self, seed: int, packs: int, cells: int):
        super().__init__(seed, packs, cells)
        self._share = {a: self.rng("share", a).uniform(0.96, 1.04) for a in range(1, packs + 1)}
        self._days: dict[int, tuple] = {}
        self._cache_t = None
        self._cache: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=0.40 + self.rng("soc", address).uniform(-0.03, 0.03))

    def _events(self, day: int) -> tuple:
        """That day's kettles, ovens and clouds: (start h, end h, amps or factor)."""
        if day not in self._days:
            rng = self.rng("day", day)
            spikes = []
            for lo, hi, count in ((0.05, 0.5, 2), (4.1, 5.8, 3)):
                for _ in range(count):
                    start = rng.uniform(lo, hi)
                    spikes.append((start, start + rng.uniform(120, 600) / HOUR,
                                   rng.uniform(15.0, 35.0)))
            # Clouds come after the charge is well under way, so the first hours of
            # charging look the same every day.
            clouds = []
            for _ in range(2):
                start = rng.uniform(1.6, 3.2)
                clouds.append((start, start + rng.uniform(300, 900) / HOUR,
                               rng.uniform(0.3, 0.6)))
            self._days[day] = (tuple(spikes), tuple(clouds))
            if len(self._days) > 4:
                del self._days[min(self._days)]
        return self._days[day]

    def ambient(self, t: float) -> float:
        h = (t % DAY) / HOUR
        return 22.0 + 3.0 * math.sin(2 * math.pi * (h - 2.0) / 24.0)

    def _system(self, t: float) -> tuple[float, float, float]:
        """(solar A, load A, room °C) for a typical 200 Ah pack at time t."""
        if t == self._cache_t:
            return self._cache
        day, rest = divmod(t, DAY)
        h = rest / HOUR
        spikes, clouds = self._events(int(day))
        if h < self.MORNING[1]:
            load = 30.0
        elif h < self.EVENING[0]:
            load = 10.0
        elif h < self.EVENING[1]:
            load = 38.0
        else:
            # Night: fridge and standby, the compressor cycling every half hour.
            load = 3.5 + (1.5 if (rest // 900) % 2 else -1.5)
        for start, end, amps in spikes:
            if start <= h < end:
                load += amps
        lo, hi = self.SOLAR
        if h < lo or h >= hi:
            solar = 0.0
        else:
            solar = 85.0 * min(1.0, (h - lo) / 0.5, (hi - h) / 0.6)
            for start, end, factor in clouds:
                if start <= h < end:
                    solar *= factor
        self._cache_t = t
        self._cache = (solar, load, self.ambient(t))
        return self._cache

    def pack_scale(self, address: int) -> float:
        return self._share[address]

    def demand(self, t: float, address: int) -> Demand:
        solar, load, room = self._system(t)
        return ((solar - load) * self.pack_scale(address), True, False, room)


class MixedProfile(DayProfile):
    """An extension: every even address is an older 100 Ah pack on earlier firmware."""

    def _small(self, address: int) -> bool:
        return address % 2 == 0

    def setup(self, address: int) -> PackSetup:
        base = super().setup(address)
        if self._small(address):
            return PackSetup(soc=base.soc, design_ah=100.0, firmware="PS16S-V5.2")
        return base

    def pack_scale(self, address: int) -> float:
        # Parallel packs share current roughly by capacity.
        return self._share[address] * (0.5 if self._small(address) else 1.0)


class OfflineProfile(DayProfile):
    """The day, with pack 2's link cable working loose for ten minutes."""

    GONE = (300.0, 900.0)

    def answering(self, t: float, address: int) -> bool:
        return not (address == 2 and self.GONE[0] <= t < self.GONE[1])


# -- faults ------------------------------------------------------------------------------
class OverchargeProfile(Profile):
    """A charger whose CV stage failed: it pushes 40 A whatever the voltage.

    Every 6 h: 3.5 h of the broken charger (cell OV trips, relaxes, releases, trips again),
    then 2.5 h of house load, whose discharge releases a held OV at once.
    """

    CHARGE_H = 3.5
    PERIOD_H = 6.0

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=0.90 + self.rng("soc", address).uniform(-0.02, 0.02))

    def ambient(self, t: float) -> float:
        return 24.0

    def demand(self, t: float, address: int) -> Demand:
        h = (t % (self.PERIOD_H * HOUR)) / HOUR
        if h < self.CHARGE_H:
            return (40.0, False, False, 24.0)
        return (-45.0, True, False, 24.0)


class ColdProfile(Profile):
    """A garage in winter: the battery starts at 2 °C, the room falls from -2 to -14 °C.

    Solar tries to charge from 0.5 h to 3 h (blocked by charge low-temperature
    protection); the house draws 15 A from 3 h on, until the cells pass -5 °C and
    discharge low-temperature protection stops that too.
    """

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=0.55 + self.rng("soc", address).uniform(-0.03, 0.03),
                         cell_temp_c=2.0)

    def ambient(self, t: float) -> float:
        return -2.0 - 12.0 * min(1.0, t / (6 * HOUR))

    def demand(self, t: float, address: int) -> Demand:
        h = t / HOUR
        if 0.5 <= h < 3.0:
            request = 35.0
        elif h >= 3.0:
            request = -15.0
        else:
            request = 0.0
        return (request, True, False, self.ambient(t))


class ShortProfile(Profile):
    """A house load of 35 A; at 600 s an appliance shorts the output for 90 s."""

    SHORT = (600.0, 690.0)

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=0.75 + self.rng("soc", address).uniform(-0.03, 0.03))

    def ambient(self, t: float) -> float:
        return 23.0

    def demand(self, t: float, address: int) -> Demand:
        shorted = self.SHORT[0] <= t < self.SHORT[1]
        # The faulty appliance is the load: while it is shorted nothing else draws.
        return (0.0 if shorted else -35.0, True, shorted, 23.0)


class ImbalanceProfile(Profile):
    """Pack 1 is back from service with one cell 10 % behind, resting at ~12 % SOC.

    At the bottom knee that is a ~200 mV spread: active balancing switches on, moves charge
    from the highest cell to the low one at 3 A, and stops once the spread is 50 mV.
    """

    def setup(self, address: int) -> PackSetup:
        soc = 0.12 + self.rng("soc", address).uniform(-0.005, 0.005)
        if address != 1:
            return PackSetup(soc=soc)
        low = self.rng("low cell").randrange(self.cells)
        return PackSetup(soc=soc, low_cell=(low, 0.10))

    def ambient(self, t: float) -> float:
        return 23.0

    def demand(self, t: float, address: int) -> Demand:
        return (0.0, True, False, 23.0)


# -- by hand -------------------------------------------------------------------------------
class ManualProfile(Profile):
    """Conditions set by hand between steps: for tests and bench tools, not a story.

    ``request_a`` is what every pack's charger (+) or load (-) asks for; ``cv`` whether
    the charger regulates its voltage; ``short`` a short on the output; ``ambient_c`` the
    room; ``silent`` the addresses that do not answer.
    """

    def __init__(self, seed: int, packs: int, cells: int, soc: float = 0.5,
                 ambient_c: float = 25.0, cell_temp_c: float | None = None):
        super().__init__(seed, packs, cells)
        self.soc = soc
        self.cell_temp_c = cell_temp_c
        self.request_a = 0.0
        self.cv = True
        self.short = False
        self.ambient_c = ambient_c
        self.silent: set[int] = set()

    def setup(self, address: int) -> PackSetup:
        return PackSetup(soc=self.soc, cell_temp_c=self.cell_temp_c)

    def ambient(self, t: float) -> float:
        return self.ambient_c

    def demand(self, t: float, address: int) -> Demand:
        return (self.request_a, self.cv, self.short, self.ambient_c)

    def answering(self, t: float, address: int) -> bool:
        return address not in self.silent


def manual_scenario(soc: float = 0.5, ambient_c: float = 25.0,
                    cell_temp_c: float | None = None) -> Scenario:
    """A Scenario for BatterySim whose conditions the caller sets through ``sim.profile``."""
    return Scenario("manual", "conditions set by hand", {},
                    lambda seed, packs, cells: ManualProfile(seed, packs, cells, soc,
                                                             ambient_c, cell_temp_c))


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("day", "a residential day: morning load, solar charge through CV to full with "
             "balancing, evening load; repeats daily",
             {"discharging": 900.0, "charging": 5400.0, "balancing": 10800.0,
              "evening": 5.0 * HOUR}, DayProfile),
    Scenario("overcharge", "a charger with a failed CV stage keeps pushing 40 A: cell OV "
             "trips, the cells relax, it releases at 3550 mV and trips again",
             {"protect": 7340.0}, OverchargeProfile),
    Scenario("cold", "a garage in winter: charge low-temperature protection blocks the "
             "morning charge, later discharge low-temperature protection stops the load",
             {"charge_blocked": 3600.0, "discharge_blocked": 5.0 * HOUR}, ColdProfile),
    Scenario("short", "a 35 A house load; an appliance shorts the output at 600 s, short "
             "circuit protection opens the discharge FET, it releases once the load is gone",
             {"protect": 630.0, "recovered": 900.0}, ShortProfile),
    Scenario("imbalance", "pack 1 has one cell far behind (spread over 150 mV); active "
             "balancing closes it to 50 mV",
             {"wide": 600.0, "narrowed": 5.0 * HOUR}, ImbalanceProfile),
    Scenario("pack-offline", "the day on three packs; pack 2 stops answering at 300 s and "
             "comes back at 900 s",
             {"offline": 600.0, "back": 1200.0}, OfflineProfile, packs=3),
    Scenario("mixed", "the day on four packs: even addresses are older 100 Ah packs on "
             "firmware V5.2",
             {"charging": 5400.0}, MixedProfile, packs=4),
)}
