"""The contract every data source keeps: start publishing to a bus, stop, take commands.

Drivers know nothing of pygame. They turn what a link carries into the snapshots of
``hmi.model`` and hand them to the bus; they never raise into the UI.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Optional

from hmi.bus import DataBus, Freshness
from hmi.model import Command, CommandResult

from drivers.errors import DriverError


class DriverABC(ABC):
    #: The registry name (``sim``, ``modbus``, ...).
    name: str = ""
    #: How long this source's data stays live; a slow sweep needs a longer window.
    freshness: Freshness = Freshness()
    #: The pack this screen belongs to (1 = master: system and packs pages).
    local_address: int = 1

    @classmethod
    @abstractmethod
    def from_source(cls, arg: str) -> "DriverABC":
        """Build the driver from the part of the source string after ``name:``."""

    @abstractmethod
    def start(self, bus: DataBus) -> None:
        """Begin publishing to ``bus`` from the driver's own thread; return at once."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the thread and release the link; safe to call twice."""

    def submit(self, command: Command) -> None:
        """Queue a command; the answer arrives later through ``bus.complete``.

        A source that cannot write (CAN, a recording) answers at once that it cannot.
        """
        bus: Optional[DataBus] = getattr(self, "bus", None)
        if bus is not None:
            bus.complete(CommandResult(command.id, False,
                                       f"the {self.name} link cannot change settings"))

    def start_recording(self, path: str) -> object:
        """Write what the live link carries to ``path`` (CAN logs, Modbus captures)."""
        raise DriverError(f"the {self.name} source has no link to record")


def parse_options(arg: str) -> dict[str, str]:
    """``a=1,b=x`` → {'a': '1', 'b': 'x'}; an empty string → {}."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in arg.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise DriverError(f"option {part!r} should look like name=value")
        out[key.strip()] = value.strip()
    return out
