"""Giving memory back now and then, so that a panel that runs for months stays flat.

Two things hold memory in this program's loop that nothing else gives back:

* CPython's free lists (spare tuples and the like) empty only in a full collection, and
  the loop's objects all die young, so full collections almost never run;
* glibc's heap keeps the pages of freed text surfaces (SDL allocates them with malloc,
  a few KB to 100 KB each, all sizes) and hands them out again only to requests that fit,
  so the heap's high-water mark creeps up as the mix of strings shifts.

Measured by ``bench/memory.py`` over a day's soak (30 packs, every page): without this,
RSS grew 5.6 MB; with a full collection every hour, 2.5-2.7 MB; with malloc_trim too,
see the README's table. No pygame here: the soak bench runs this same function.
"""
from __future__ import annotations

import ctypes
import functools
import gc
import logging
import time
from typing import Callable, Optional

log = logging.getLogger(__name__)

#: How often the loop calls release_memory: rare enough to cost nothing (about 10 ms).
PERIOD_S = 3600.0


@functools.cache
def _malloc_trim() -> Optional[Callable[[int], int]]:
    """glibc's malloc_trim, or None on a C library without it (musl, macOS)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        log.info("malloc_trim is not available here; the heap is not trimmed")
        return None
    trim.argtypes = [ctypes.c_size_t]
    return trim


def release_memory() -> float:
    """A full collection, then free heap pages back to the system. Returns seconds taken."""
    t0 = time.perf_counter()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return time.perf_counter() - t0
