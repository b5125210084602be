"""The pages, by the ids HMI.md gives them (also the CLI and screenshot names).

The page modules are imported only when the pages are built: the logo goes on the panel
before the rest of the program is even imported (see hmi/splash.py).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screens.base import Page

#: id → (module, class), in navigation-bar order.
_PAGES: dict[str, tuple[str, str]] = {
    "logo": ("screens.logo", "LogoPage"),
    "pack": ("screens.pack", "PackPage"),
    "cells": ("screens.cells", "CellsPage"),
    "temps": ("screens.temps", "TempsPage"),
    "alarms": ("screens.alarms", "AlarmsPage"),
    "protocol": ("screens.protocol", "ProtocolPage"),
    "system": ("screens.system", "SystemPage"),
    "packs": ("screens.packs", "PacksPage"),
    "pack-detail": ("screens.pack_detail", "PackDetailPage"),
}

PAGE_IDS: tuple[str, ...] = tuple(_PAGES)


def page_class(page_id: str) -> type[Page]:
    module, name = _PAGES[page_id]
    return getattr(importlib.import_module(module), name)


def all_pages() -> dict[str, Page]:
    """A fresh set of page objects, in navigation-bar order."""
    return {pid: page_class(pid)() for pid in PAGE_IDS}
