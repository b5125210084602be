"""One PNG with every rendered page side by side, for a person to review at a glance."""
from __future__ import annotations

from typing import Sequence

import pygame

from hmi.text import TextRenderer
from hmi.profile import PROFILES
from hmi.theme import Theme


def contact_sheet(items: Sequence[tuple[str, pygame.Surface]], theme: Theme,
                  columns: int = 3, pad: int = 16) -> pygame.Surface:
    """Lay out labelled thumbnails at full size (no scaling: a reviewer sees real pixels)."""
    text = TextRenderer(theme, PROFILES["480x320"])
    label_h = text.size("Ag", "label")[1] + 4
    cell_w = max(s.get_width() for _, s in items) + pad
    cell_h = max(s.get_height() for _, s in items) + pad + label_h
    n_rows = (len(items) + columns - 1) // columns
    sheet = pygame.Surface((pad + columns * cell_w, pad + n_rows * cell_h))
    sheet.fill(theme.outline)
    for i, (name, surf) in enumerate(items):
        x = pad + (i % columns) * cell_w
        y = pad + (i // columns) * cell_h
        sheet.blit(text.render(name, "label", theme.text), (x, y))
        sheet.blit(surf, (x, y + label_h))
    return sheet
