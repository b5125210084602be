"""Dialogs more than one page uses: the installer PIN pad and the "please wait" card."""
from __future__ import annotations

import pygame

from hmi.widgets import Canvas, button, columns, modal, rows, text, wrap

PIN_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok")


def pin_pad(cv: Canvas, rect: pygame.Rect, entered: str, error: str) -> None:
    """A numeric keypad: digits show as dots, a wrong PIN says so in red."""
    p = cv.profile
    inner = modal(cv, rect)
    left_w = inner.width * 2 // 5
    info = pygame.Rect(inner.x, inner.y, left_w, inner.height)
    pad = pygame.Rect(info.right + p.gap, inner.y, inner.right - info.right - p.gap,
                      inner.height)
    r = text(cv, "Installer PIN", "title", cv.theme.text, info.topleft)
    y = r.bottom + p.gap
    for line in wrap(cv, "Settings change how the battery works with the inverter.", "small",
                     info.width):
        y = text(cv, line, "small", cv.theme.text_muted, (info.x, y)).bottom
    d = pygame.Rect(info.x, y + p.gap * 2, info.width, cv.text.size("0", "title")[1])
    rad = d.height // 4
    for i in range(max(4, len(entered))):
        # The font has no bullet glyph; drawn dots look the same on every panel anyway.
        centre = (d.x + rad + i * 3 * rad, d.centery)
        pygame.draw.circle(cv.surface, cv.theme.text, centre, rad, 0 if i < len(entered) else 1)
    if error:
        text(cv, error, "label_bold", cv.theme.alarm, (info.x, d.bottom + p.gap))
    cancel = pygame.Rect(info.x, info.bottom - p.min_touch_px, info.width - p.gap,
                         p.min_touch_px)
    button(cv, cancel, "Cancel", ("close_dialog",))
    keys = [c for r_ in rows(pad, 4, p.gap // 2 + 1) for c in columns(r_, 3, p.gap // 2 + 1)]
    for key, cell in zip(PIN_KEYS, keys):
        if key == "del":
            button(cv, cell, "Del", ("pin_del",), role="label_bold")
        elif key == "ok":
            button(cv, cell, "OK", ("pin_ok",), active=True, role="label_bold")
        else:
            button(cv, cell, key, ("pin_key", key), role="title")


def busy(cv: Canvas, rect: pygame.Rect, message: str) -> None:
    """Shown while the BMS has not answered yet; there is nothing to press."""
    card = pygame.Rect(0, 0, rect.width * 3 // 4, rect.height // 3).move(0, 0)
    card.center = rect.center
    inner = modal(cv, card)
    text(cv, message, "body_bold", cv.theme.text, inner.center, "center")
