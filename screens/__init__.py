"""The pages, by the ids HMI.md gives them (also the CLI and screenshot names)."""
from __future__ import annotations

from screens.alarms import AlarmsPage
from screens.base import Page
from screens.cells import CellsPage
from screens.logo import LogoPage
from screens.pack import PackPage
from screens.pack_detail import PackDetailPage
from screens.packs import PacksPage
from screens.protocol import ProtocolPage
from screens.system import SystemPage
from screens.temps import TempsPage


def all_pages() -> dict[str, Page]:
    """A fresh set of page objects, in navigation-bar order."""
    pages: list[Page] = [LogoPage(), PackPage(), CellsPage(), TempsPage(), AlarmsPage(),
                         ProtocolPage(), SystemPage(), PacksPage(), PackDetailPage()]
    return {p.id: p for p in pages}


PAGE_IDS: tuple[str, ...] = tuple(all_pages())
