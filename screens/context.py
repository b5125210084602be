"""What the screen remembers between frames, and what a page is handed to draw one.

Apart from screens/base.py so that the logo, drawn before anything else is loaded, does
not wait for these two dataclasses and the model they name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from hmi.model import BusState, PackView


@dataclass(frozen=True)
class UiState:
    """Everything the screen remembers between frames besides the data."""

    page: str = "logo"
    #: The pack the pack-detail page shows (chosen on the packs page).
    detail_address: Optional[int] = None
    #: First visible row per scrolling page id.
    scroll: tuple[tuple[str, int], ...] = ()
    #: Page-specific selection, e.g. the alarm record opened on the alarms page.
    selected: Optional[int] = None
    #: An open dialog: ("confirm_clear",), ("pin", ...), ...
    dialog: tuple = ()
    #: Values being edited on the inverter page (protocol id, address, limit).
    draft: tuple = ()
    #: The pack whose alarms the alarms page shows (None: this screen's own pack).
    alarm_address: Optional[int] = None

    def scroll_of(self, page: str) -> int:
        return dict(self.scroll).get(page, 0)


@dataclass(frozen=True)
class PageContext:
    state: BusState
    ui: UiState
    #: The pack this page is about (the local one, or the one opened on the packs page).
    pack: Optional[PackView]
    #: Extra data the app keeps for pages (protocol names, PIN prompt text ...).
    extras: dict = field(default_factory=dict)
