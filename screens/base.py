"""What a page is: a pure view of one frame's data plus theme, drawn into a rectangle.

A page keeps no state of its own; scroll positions and selections live in the app's
UiState and reach the page through :class:`PageContext`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import pygame

from hmi.widgets import Canvas

if TYPE_CHECKING:  # annotations only: the logo is drawn before the model is imported
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


class Page:
    id: str = ""
    title: str = ""
    #: Short name and icon for the navigation bar; empty = not in the bar.
    nav_label: str = ""
    icon: str = ""
    master_only: bool = False
    #: Pages about one pack get the header "PACK-n" and the lost-link treatment.
    about_pack: bool = True

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        raise NotImplementedError

    def draw_overlay(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        """Dialogs over the whole screen (drawn after the navigation bar, so they cover it)."""
