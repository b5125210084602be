"""What a page is: a pure view of one frame's data plus theme, drawn into a rectangle.

A page keeps no state of its own; scroll positions and selections live in the app's
UiState and reach the page through :class:`PageContext`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from hmi.widgets import Canvas

if TYPE_CHECKING:  # annotations only: the logo is drawn before these are loaded
    from screens.context import PageContext


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
