"""Where a layout pixel lands on the panel, and where a touch lands in the layout.

Plain arithmetic, no pygame, so every transform is unit-tested without a display.

Three coordinate spaces:

* **raw touch**: what SDL reports for a finger, a fraction of the touch device's advertised
  range (0..1 on a well-behaved panel; outside it on one that advertises the wrong range).
* **physical**: pixels of the panel as the display controller scans them out.
* **logical**: pixels of the layout the app draws (the profile's size). A panel mounted
  turned by ``rotation`` degrees clockwise shows the logical picture turned the same way,
  centred when the panel is bigger than the profile.

Rotations are multiples of 90 degrees only, so every pixel maps to exactly one pixel.
"""
from __future__ import annotations

from dataclasses import dataclass

Point = tuple[int, int]
Size = tuple[int, int]

ROTATIONS = (0, 90, 180, 270)


def check_rotation(rotation: int) -> int:
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation {rotation!r} is not one of {', '.join(map(str, ROTATIONS))}")
    return rotation


def rotated_size(size: Size, rotation: int) -> Size:
    """The size of a picture of ``size`` after turning it by ``rotation``."""
    w, h = size
    return (h, w) if check_rotation(rotation) in (90, 270) else (w, h)


def rotate_point(point: Point, size: Size, rotation: int) -> Point:
    """Where pixel ``point`` of a picture of ``size`` lands after turning it clockwise."""
    x, y = point
    w, h = size
    rotation = check_rotation(rotation)
    if rotation == 90:
        return (h - 1 - y, x)
    if rotation == 180:
        return (w - 1 - x, h - 1 - y)
    if rotation == 270:
        return (y, w - 1 - x)
    return (x, y)


def unrotate_point(point: Point, size: Size, rotation: int) -> Point:
    """The inverse of :func:`rotate_point`: ``size`` is the picture's size before turning."""
    back = (360 - check_rotation(rotation)) % 360
    return rotate_point(point, rotated_size(size, rotation), back)


def clamp_point(point: Point, size: Size) -> Point:
    return (min(max(point[0], 0), size[0] - 1), min(max(point[1], 0), size[1] - 1))


@dataclass(frozen=True)
class Calibration:
    """How a touch panel's raw axes line up with the picture it sits on.

    Applied in this order: ``swap_xy`` (a panel wired with its axes crossed), then the raw
    range (``x_min`` is the raw x reported at one edge of the picture, ``x_max`` at the
    other), then ``invert_x`` / ``invert_y`` (the raw value grows towards the left / top).
    """

    swap_xy: bool = False
    invert_x: bool = False
    invert_y: bool = False
    x_min: float = 0.0
    x_max: float = 1.0
    y_min: float = 0.0
    y_max: float = 1.0


def calibrate(raw: tuple[float, float], cal: Calibration) -> tuple[float, float]:
    """Raw touch → fraction of the physical picture (0..1 each way, clamped)."""
    rx, ry = raw
    if cal.swap_xy:
        rx, ry = ry, rx
    fx = (rx - cal.x_min) / (cal.x_max - cal.x_min)
    fy = (ry - cal.y_min) / (cal.y_max - cal.y_min)
    if cal.invert_x:
        fx = 1.0 - fx
    if cal.invert_y:
        fy = 1.0 - fy
    # A finger on the bezel edge can read a little past the calibrated range.
    return (min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0))


def uncalibrate(frac: tuple[float, float], cal: Calibration) -> tuple[float, float]:
    """The raw reading a calibrated panel gives at a fraction of the picture (tests, tools)."""
    fx, fy = frac
    if cal.invert_x:
        fx = 1.0 - fx
    if cal.invert_y:
        fy = 1.0 - fy
    rx = cal.x_min + fx * (cal.x_max - cal.x_min)
    ry = cal.y_min + fy * (cal.y_max - cal.y_min)
    return (ry, rx) if cal.swap_xy else (rx, ry)


def fraction_to_pixel(frac: tuple[float, float], size: Size) -> Point:
    """0..1 → the pixel containing that point (1.0 is the last pixel, not one past it)."""
    return clamp_point((int(frac[0] * size[0]), int(frac[1] * size[1])), size)


def pixel_to_fraction(point: Point, size: Size) -> tuple[float, float]:
    """A pixel → the fraction at its centre, so that fraction_to_pixel gives it back."""
    return ((point[0] + 0.5) / size[0], (point[1] + 0.5) / size[1])


@dataclass(frozen=True)
class Viewport:
    """The logical picture on a physical panel: turned by ``rotation``, centred."""

    physical: Size
    logical: Size
    rotation: int = 0

    def __post_init__(self) -> None:
        check_rotation(self.rotation)

    @property
    def turned(self) -> Size:
        """The panel's size as the layout sees it (width and height swapped at 90/270)."""
        return rotated_size(self.physical, self.rotation)

    @property
    def offset(self) -> Point:
        """Top-left of the logical picture inside :attr:`turned`; negative = cropped."""
        return ((self.turned[0] - self.logical[0]) // 2, (self.turned[1] - self.logical[1]) // 2)

    @property
    def fills_panel(self) -> bool:
        return self.rotation == 0 and self.logical == self.physical

    def to_physical(self, point: Point) -> Point:
        """Where logical pixel ``point`` is lit on the panel."""
        ox, oy = self.offset
        return rotate_point((point[0] + ox, point[1] + oy), self.turned, self.rotation)

    def to_logical(self, point: Point) -> Point:
        """The logical pixel under physical pixel ``point`` (clamped onto the picture)."""
        tx, ty = unrotate_point(point, self.turned, self.rotation)
        ox, oy = self.offset
        return clamp_point((tx - ox, ty - oy), self.logical)

    def blit_position(self) -> Point:
        """Top-left on the panel of the turned logical picture (what the loop blits)."""
        w, h = self.logical
        corners = [self.to_physical(c) for c in ((0, 0), (w - 1, h - 1))]
        return (min(c[0] for c in corners), min(c[1] for c in corners))

    def touch(self, raw: tuple[float, float], cal: Calibration) -> Point:
        """A finger's raw reading → the logical pixel the app is given."""
        return self.to_logical(fraction_to_pixel(calibrate(raw, cal), self.physical))

    def mouse(self, pos: Point, cal: Calibration) -> Point:
        """A mouse position (physical pixels) → the logical pixel.

        A panel that SDL takes for an absolute mouse reports through these events, so the
        same calibration applies; with the default calibration a desktop mouse is exact.
        """
        return self.touch(pixel_to_fraction(clamp_point(pos, self.physical), self.physical), cal)
