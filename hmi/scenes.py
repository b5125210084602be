"""Named moments of the simulated battery, rendered without a window.

A scene fixes everything that decides a picture: scenario, seed, pack and cell count, the
simulated time, how long the link has been silent, and the page's UI state. The golden
screenshot tests, the contact sheet and ``run_hmi.py --screenshot`` all render through
here, so what a reviewer sees is exactly what the tests compare.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Union

import pygame

from hmi.app import HmiApp
from hmi.bus import DataBus, FakeClock, Freshness
from hmi.model import BusState
from hmi.profile import Profile
from hmi.theme import ASSETS, Theme

#: Simulated seconds published before the moment, so a pack that fell silent has a
#: "last seen" time, as it would on a running screen.
RUN_IN_S = 90


@dataclass(frozen=True)
class Scene:
    name: str
    scenario: str = "day"
    #: A moment name from the scenario's table, or simulated seconds.
    at: Union[str, float] = "charging"
    packs: int = 1
    cells: int = 16
    seed: int = 1
    #: Seconds the link has been silent when the picture is taken (stale, lost).
    silence_s: float = 0.0
    local_address: int = 1
    #: UI state fields to set before drawing (scroll, selection, dialogs).
    ui: tuple = ()
    pages: tuple[str, ...] = ("pack", "cells", "temps")
    #: A write or clear outcome shown in the header's place: (ok, text).
    notice: tuple = ()
    #: A CAN recording to show instead of the simulator (``at`` = seconds into it).
    replay: str = ""


#: The scenes every profile is checked in (issue 3).
CORE_SCENES: tuple[Scene, ...] = (
    Scene("normal"),
    Scene("protect", scenario="overcharge", at="protect"),
    Scene("stale", silence_s=8.0),
    Scene("lost", silence_s=40.0),
    Scene("8s", cells=8),
    Scene("cold", scenario="cold", at="charge_blocked", pages=("temps",)),
    Scene("imbalance", scenario="imbalance", at="wide", pages=("cells",)),
)


#: The pages of issue 4 in the states a person meets them in.
FLOW_SCENES: tuple[Scene, ...] = (
    Scene("empty", at="discharging", pages=("alarms",)),
    Scene("history", scenario="overcharge", at="protect", pages=("alarms",)),
    Scene("scrolled", scenario="overcharge", at="protect", pages=("alarms",),
          ui=(("scroll", (("alarms", 99),)),)),
    Scene("detail", scenario="overcharge", at="protect", pages=("alarms",),
          ui=(("dialog", ("alarm_detail", 0, 0)),)),
    Scene("banner", scenario="short", at="protect", pages=("pack",)),
    Scene("normal", pages=("protocol",)),
    Scene("edited", pages=("protocol",), ui=(("draft", (3, 2, 571)),)),
    Scene("pin", pages=("protocol",),
          ui=(("draft", (3, 2, 571)), ("dialog", ("pin", "12", "")))),
    Scene("confirm", pages=("protocol",),
          ui=(("draft", (3, 2, 571)), ("dialog", ("confirm_write",)))),
    Scene("write-failed", pages=("protocol",),
          notice=(False, "Write failed: no reply from PACK-1. Nothing was changed.")),
    Scene("4packs", scenario="mixed", at="charging", packs=4, pages=("system", "packs")),
    # Pack 2 of the pack-offline scenario falls silent at 300 s: 8 s later it is stale.
    Scene("stale-pack", scenario="pack-offline", at=308.0, packs=3, pages=("system", "packs")),
    Scene("lost-pack", scenario="pack-offline", at="offline", packs=3, pages=("system",)),
    Scene("30packs", packs=30, pages=("packs",)),
    Scene("pack3", scenario="mixed", at="charging", packs=4, pages=("pack-detail",),
          ui=(("detail_address", 3), ("selected", 1))),
    # The committed CAN sample, replayed: the system summary, and what CAN cannot carry.
    Scene("can-replay", replay="recordings/sample-can.log", at=60.0,
          pages=("system", "pack", "packs")),
    Scene("can-stale", replay="recordings/sample-can.log", at=60.0, silence_s=4.0,
          pages=("system",)),
)


def moment_seconds(scenario: str, at: Union[str, float]) -> float:
    from drivers.simbms import SCENARIOS
    if isinstance(at, str):
        name, plus, offset = at.partition("+")
        try:
            return float(SCENARIOS[scenario].moments[name]) + (float(offset) if plus else 0.0)
        except KeyError:
            raise ValueError(f"scenario {scenario!r} has no moment {at!r}; it has "
                             f"{', '.join(SCENARIOS[scenario].moments)}") from None
    return float(at)


def replay_state(scene: Scene) -> tuple[DataBus, BusState]:
    """The system a CAN recording shows at ``scene.at`` seconds, as a frame would see it."""
    from drivers.can.driver import DEFAULT_SILENCE_S, link_freshness
    from drivers.replay import system_at
    from drivers.simbms import SIM_EPOCH
    snap = system_at(ASSETS / scene.replay, float(scene.at))
    clock = FakeClock(SIM_EPOCH, float(scene.at))
    bus = DataBus(clock, link_freshness(DEFAULT_SILENCE_S), source=f"replay:{scene.replay}")
    if snap is not None:
        bus.publish_system(snap)
    clock.advance(scene.silence_s)
    return bus, bus.view()


def scene_state(scene: Scene) -> tuple[DataBus, BusState]:
    """Run the simulator to the scene's moment and return the bus as a frame would see it."""
    if scene.replay:
        return replay_state(scene)
    from drivers.simbms import SIM_EPOCH, BatterySim

    t = moment_seconds(scene.scenario, scene.at)
    sim = BatterySim(packs=scene.packs, seed=scene.seed, scenario=scene.scenario,
                     cells=scene.cells)
    sim.run_until(max(0.0, t - RUN_IN_S))
    clock = FakeClock(SIM_EPOCH, sim.t)
    bus = DataBus(clock, Freshness(), local_address=scene.local_address,
                  source=f"sim:scenario={scene.scenario}")
    bus.configure(sim.addresses)
    while sim.t < t:
        sim.step(1.0)
        clock.t = sim.t
        for snap in sim.snapshots():
            bus.publish(snap)
    clock.advance(scene.silence_s)
    return bus, bus.view()


def render_scene(scene: Scene, page: str, profile: Profile, theme: Theme) -> pygame.Surface:
    bus, state = scene_state(scene)
    app = HmiApp(bus, profile, theme, start_page=page)
    app.update(state)  # as on a running screen: active protections raise the banner
    app.goto(page, **dict(scene.ui))
    if scene.notice:
        app.notify(*scene.notice)
    surface = pygame.Surface(profile.size)
    app.draw(surface, state)
    return surface


def render_logo(profile: Profile, theme: Theme) -> pygame.Surface:
    bus = DataBus(FakeClock(0.0))
    app = HmiApp(bus, profile, theme, start_page="logo")
    surface = pygame.Surface(profile.size)
    app.draw(surface)
    return surface


def golden_cases(profiles: dict[str, Profile], theme: Theme
                 ) -> Iterator[tuple[str, Callable[[], pygame.Surface]]]:
    """Every (file stem, render function) the screenshot tests compare, in review order."""
    for pname, profile in profiles.items():
        yield f"logo-{pname}", (lambda pr=profile: render_logo(pr, theme))
    for scene in CORE_SCENES + FLOW_SCENES:
        for page in scene.pages:
            for pname, profile in profiles.items():
                yield (f"{page}-{scene.name}-{pname}",
                       lambda sc=scene, pg=page, pr=profile: render_scene(sc, pg, pr, theme))


def headless_environment() -> None:
    """No window, no sound, one time zone: what makes a render the same on any machine.

    Call before pygame opens anything (tests and the golden tool call it first thing).
    """
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    os.environ["TZ"] = "UTC"
    time.tzset()


def headless() -> None:
    """Prepare pygame for drawing with no window and no sound."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    if not pygame.font.get_init():
        pygame.font.init()


def surface_rgb(surface: pygame.Surface) -> bytes:
    return pygame.image.tobytes(surface, "RGB")


def save_png(surface: pygame.Surface, path: os.PathLike | str) -> None:
    """Write through Pillow so the file does not depend on SDL_image's PNG writer."""
    from PIL import Image
    Image.frombytes("RGB", surface.get_size(), surface_rgb(surface)).save(path, optimize=True)
