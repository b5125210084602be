"""Vector icons drawn from primitives: sharp at every panel size, no image files to brand.

Each icon is drawn in a unit square (0..1) scaled into the target rect, so the same shape
appears at 20 px on the 4.3" panel and 40 px on the 800x480 one.
"""
from __future__ import annotations

from typing import Callable

import pygame

Color = tuple[int, int, int]


class _Pen:
    def __init__(self, surface: pygame.Surface, rect: pygame.Rect, color: Color):
        self.s, self.r, self.c = surface, rect, color
        self.w = max(2, round(rect.width / 11))

    def p(self, x: float, y: float) -> tuple[int, int]:
        return (self.r.x + round(x * self.r.width), self.r.y + round(y * self.r.height))

    def poly(self, pts, fill: bool = True) -> None:
        pygame.draw.polygon(self.s, self.c, [self.p(*q) for q in pts], 0 if fill else self.w)

    def line(self, a, b) -> None:
        pygame.draw.line(self.s, self.c, self.p(*a), self.p(*b), self.w)

    def rect(self, x, y, w, h, fill: bool = False) -> None:
        a, b = self.p(x, y), self.p(x + w, y + h)
        pygame.draw.rect(self.s, self.c, pygame.Rect(a, (b[0] - a[0], b[1] - a[1])),
                         0 if fill else self.w)

    def circle(self, x, y, rad, fill: bool = True) -> None:
        pygame.draw.circle(self.s, self.c, self.p(x, y), max(1, round(rad * self.r.width)),
                           0 if fill else self.w)


def _home(d: _Pen) -> None:
    d.poly([(0.5, 0.08), (0.95, 0.5), (0.05, 0.5)])
    d.rect(0.18, 0.48, 0.64, 0.44, fill=True)


def _cells(d: _Pen) -> None:
    d.rect(0.12, 0.2, 0.7, 0.62)
    d.rect(0.82, 0.4, 0.08, 0.22, fill=True)
    for x in (0.24, 0.42, 0.6):
        d.rect(x, 0.33, 0.1, 0.36, fill=True)


def _temps(d: _Pen) -> None:
    d.rect(0.42, 0.06, 0.16, 0.6)
    d.circle(0.5, 0.76, 0.17)
    d.line((0.5, 0.35), (0.5, 0.7))


def _alarms(d: _Pen) -> None:
    d.poly([(0.5, 0.08), (0.78, 0.3), (0.82, 0.7), (0.92, 0.8), (0.08, 0.8), (0.18, 0.7),
            (0.22, 0.3)])
    d.circle(0.5, 0.9, 0.08)


def _inverter(d: _Pen) -> None:
    for y, x in ((0.22, 0.3), (0.5, 0.65), (0.78, 0.45)):
        d.line((0.08, y), (0.92, y))
        d.circle(x, y, 0.1)


def _system(d: _Pen) -> None:
    for y in (0.1, 0.4, 0.7):
        d.rect(0.12, y, 0.76, 0.2, fill=True)


def _packs(d: _Pen) -> None:
    for x in (0.1, 0.55):
        for y in (0.1, 0.55):
            d.rect(x, y, 0.35, 0.35, fill=True)


def _trash(d: _Pen) -> None:
    d.line((0.1, 0.2), (0.9, 0.2))
    d.rect(0.38, 0.06, 0.24, 0.14)
    d.poly([(0.2, 0.28), (0.8, 0.28), (0.72, 0.94), (0.28, 0.94)])


def _play(d: _Pen) -> None:
    d.poly([(0.22, 0.1), (0.88, 0.5), (0.22, 0.9)])


def _up(d: _Pen) -> None:
    d.poly([(0.5, 0.18), (0.92, 0.74), (0.08, 0.74)])


def _down(d: _Pen) -> None:
    d.poly([(0.08, 0.26), (0.92, 0.26), (0.5, 0.82)])


def _back(d: _Pen) -> None:
    d.poly([(0.1, 0.5), (0.55, 0.12), (0.55, 0.88)])
    d.rect(0.5, 0.38, 0.4, 0.24, fill=True)


def _plus(d: _Pen) -> None:
    d.rect(0.42, 0.1, 0.16, 0.8, fill=True)
    d.rect(0.1, 0.42, 0.8, 0.16, fill=True)


def _minus(d: _Pen) -> None:
    d.rect(0.1, 0.42, 0.8, 0.16, fill=True)


def _close(d: _Pen) -> None:
    d.line((0.15, 0.15), (0.85, 0.85))
    d.line((0.85, 0.15), (0.15, 0.85))


ICONS: dict[str, Callable[[_Pen], None]] = {
    "home": _home, "cells": _cells, "temps": _temps, "alarms": _alarms,
    "inverter": _inverter, "system": _system, "packs": _packs, "trash": _trash,
    "play": _play, "up": _up, "down": _down, "back": _back, "plus": _plus, "minus": _minus,
    "close": _close,
}


def draw(surface: pygame.Surface, name: str, rect: pygame.Rect, color: Color) -> None:
    ICONS[name](_Pen(surface, rect, color))
