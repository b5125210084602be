"""Drawn pieces that come back frame after frame the same, kept as finished surfaces.

The navigation bar was 30 % of a frame's drawing (nine buttons with icons) and changes
only with the open page, the alarm dot and the page set: drawn once per such key, then
blitted. Its touch targets are kept with it, since drawing is what registers them.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Hashable, Optional

import pygame

#: (surface, [(rect relative to the part, action)]).
Part = tuple[pygame.Surface, list[tuple[pygame.Rect, tuple]]]


class PartCache:
    #: A bar is 250 KB at 800x480. A page stays open for many frames, so a few entries
    #: give nearly every hit; a dozen made the day's soak grow 2.3 MB as they churned.
    def __init__(self, size: int = 4):
        self._parts: OrderedDict[Hashable, Part] = OrderedDict()
        self._size = size

    def get(self, key: Hashable) -> Optional[Part]:
        part = self._parts.get(key)
        if part is not None:
            self._parts.move_to_end(key)
        return part

    def put(self, key: Hashable, part: Part) -> None:
        self._parts[key] = part
        self._parts.move_to_end(key)
        while len(self._parts) > self._size:
            self._parts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._parts)
