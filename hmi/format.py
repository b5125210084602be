"""Units and precision as HMI.md fixes them, in one place: V 2 decimals on the pack, 1 on
limits; A 1 decimal with sign; mV integers; °C 1 decimal; SOC integer %.

A value the link did not carry is ``None`` and comes out as "—", never as 0.
"""
from __future__ import annotations

import time
from typing import Optional

MISSING = "—"


def volts(v: Optional[float], decimals: int = 2) -> str:
    return MISSING if v is None else f"{v:.{decimals}f}"


def amps(a: Optional[float]) -> str:
    if a is None:
        return MISSING
    a = round(a, 1)
    if a == 0:
        return "0.0"  # no "-0.0" or "+0.0": idle reads as idle
    return f"{a:+.1f}"


def amps_plain(a: Optional[float]) -> str:
    """A current limit: no sign, one decimal."""
    return MISSING if a is None else f"{a:.1f}"


def millivolts(mv: Optional[int]) -> str:
    return MISSING if mv is None else f"{int(mv)}"


def celsius(c: Optional[float]) -> str:
    if c is None:
        return MISSING
    s = f"{c:.1f}"
    return "0.0" if s == "-0.0" else s


def percent(p: Optional[float]) -> str:
    return MISSING if p is None else f"{int(round(p))}"


def amp_hours(ah: Optional[float]) -> str:
    return MISSING if ah is None else f"{ah:.1f}"


def clock(epoch: Optional[float]) -> str:
    """Local wall time, HH:MM:SS (the panel's time zone; tests pin TZ=UTC)."""
    return MISSING if epoch is None else time.strftime("%H:%M:%S", time.localtime(epoch))


def date_time(epoch: Optional[float]) -> str:
    return MISSING if epoch is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def age(seconds: Optional[float]) -> str:
    """A data age a person reads at a glance: 8 s, 3 min, 2 h."""
    if seconds is None:
        return MISSING
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h"
