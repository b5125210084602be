"""Helpers for the CAN and replay tests: a bus that keeps what was published, deadlines."""
from __future__ import annotations

import itertools
import time
from typing import Callable, Optional, TypeVar

from hmi.bus import DataBus
from hmi.model import PackSnapshot, SystemSnapshot

T = TypeVar("T")
_channels = itertools.count()


def channel(name: str) -> str:
    """A virtual channel no other test shares (VirtualBus channels are process-wide)."""
    return f"{name}-{next(_channels)}-{time.monotonic_ns()}"


class CollectingBus(DataBus):
    """A DataBus that also keeps every system snapshot published to it, in order."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.published: list[SystemSnapshot] = []
        self.published_at: list[float] = []  # time.monotonic() of each publish

    def publish_system(self, snapshot: SystemSnapshot) -> None:
        self.published.append(snapshot)
        self.published_at.append(time.monotonic())
        super().publish_system(snapshot)


def wait_for(condition: Callable[[], Optional[T]], timeout: float = 5.0,
             what: str = "condition") -> T:
    """Poll until ``condition()`` is truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def pack(address: int, **kw) -> PackSnapshot:
    """A plausible pack, different per address, for frames that need no simulator."""
    base = dict(address=address, timestamp=0.0,
                cells_mv=tuple(3300 + address + i for i in range(16)),
                temps_c=(25.0, 26.0, 24.5, 24.0, 23.9, 24.1, 20.0),
                current_a=-12.3 * address, voltage_v=52.8 + address / 100, soc=60 + address,
                soh=99, remaining_ah=100.0 + address, full_ah=200.0, design_ah=200.0)
    base.update(kw)
    return PackSnapshot(**base)
