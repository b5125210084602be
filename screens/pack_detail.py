"""One pack of the system, opened from the packs page: its summary, cells and
temperatures (the same views as the local pack's pages), and a way back."""
from __future__ import annotations

import pygame

from hmi.widgets import Canvas, button, columns
from screens.base import Page
from screens.context import PageContext
from screens.cells import CellsPage
from screens.pack import PackPage
from screens.temps import TempsPage

TABS = (("pack", "Summary", PackPage()), ("cells", "Cells", CellsPage()),
        ("temps", "Temps", TempsPage()))


class PackDetailPage(Page):
    id = "pack-detail"
    title = "Pack detail"
    master_only = True

    def draw(self, cv: Canvas, rect: pygame.Rect, ctx: PageContext) -> None:
        p = cv.profile
        bar_h = p.min_touch_px
        bar = pygame.Rect(rect.x, rect.y, rect.width, bar_h)
        tab = ctx.ui.selected if ctx.ui.selected in range(len(TABS)) else 0
        back, *tab_cells = columns(bar, len(TABS) + 1, p.gap)
        button(cv, back, "‹ Packs", ("goto", "packs"), role="label_bold")
        for i, (cell, (_, label, _page)) in enumerate(zip(tab_cells, TABS)):
            button(cv, cell, label, ("detail_tab", i), active=i == tab, role="label_bold")
        body = pygame.Rect(rect.x, bar.bottom + p.gap, rect.width, rect.bottom - bar.bottom - p.gap)
        TABS[tab][2].draw(cv, body, ctx)
