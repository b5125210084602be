"""The panel's backlight: off when the screen sleeps, on when it wakes.

On the panel this is Linux's sysfs interface (``/sys/class/backlight/<name>/bl_power``:
0 = on, 4 = off, and ``brightness``). On a desktop it does nothing. Tests point it at a
fake directory. A write that fails is logged once and never stops the screen.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

SYSFS_ROOT = Path("/sys/class/backlight")


class Backlight:
    """No backlight control (desktop window, headless)."""

    is_on = True

    def set(self, on: bool) -> None:
        self.is_on = on


class SysfsBacklight(Backlight):
    def __init__(self, device: Path):
        self.device = Path(device)
        self._warned = False

    def set(self, on: bool) -> None:
        self.is_on = on
        try:
            (self.device / "bl_power").write_text("0\n" if on else "4\n")
        except OSError as exc:
            if not self._warned:
                log.warning("backlight %s not writable (%s); the screen stays lit",
                            self.device, exc)
                self._warned = True


def find_backlight(root: Path = SYSFS_ROOT) -> Backlight:
    """The first sysfs backlight device, or a no-op on a machine without one."""
    try:
        devices = sorted(d for d in root.iterdir() if (d / "bl_power").exists())
    except OSError:
        devices = []
    if not devices:
        return Backlight()
    log.info("backlight: %s", devices[0])
    return SysfsBacklight(devices[0])
