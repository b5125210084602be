"""Data sources by name, imported only when chosen (python-can's BACKENDS pattern).

A missing optional library (pyserial, python-can) breaks only the source that needs it,
with a message naming it.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from drivers.errors import DriverError

if TYPE_CHECKING:  # the base imports the bus and model: not needed to check a name
    from drivers.base import DriverABC

__all__ = ["DRIVERS", "DriverError", "driver_class", "open_source", "split_source"]

#: source name → (module, class). A battery maker adds a line here for a new link.
DRIVERS: dict[str, tuple[str, str]] = {
    "sim": ("drivers.sim", "SimDriver"),
    "modbus": ("drivers.modbus", "ModbusDriver"),
    "can": ("drivers.can", "CanDriver"),
    "replay": ("drivers.replay", "ReplayDriver"),
}


def split_source(source: str) -> tuple[str, str]:
    """``"sim:packs=4"`` → ("sim", "packs=4"); ``"sim"`` → ("sim", "")."""
    name, _, arg = source.strip().partition(":")
    return name.strip().lower(), arg


def driver_class(name: str) -> type[DriverABC]:
    if name not in DRIVERS:
        raise DriverError(f"unknown source {name!r}; choose one of {', '.join(sorted(DRIVERS))}")
    module_name, class_name = DRIVERS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise DriverError(f"source {name!r} needs the package {exc.name!r}: "
                          f"install requirements.txt") from exc
    return getattr(module, class_name)


def open_source(source: str) -> DriverABC:
    """Build the driver a source string names, e.g. ``sim:packs=4,seed=7,scenario=day``."""
    name, arg = split_source(source)
    return driver_class(name).from_source(arg)
