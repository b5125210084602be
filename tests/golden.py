"""Pixel-exact comparison of a rendered surface against a committed golden PNG.

Exact, with no tolerance: the font is pinned and rendering is software-only, so any
differing pixel is a real change. A failure leaves evidence: the actual image and a diff
image in tests/_failures/, and the first differing pixel in the message.
"""
from __future__ import annotations

from pathlib import Path

import pygame
from PIL import Image, ImageChops

from hmi.scenes import save_png, surface_rgb

GOLDEN_DIR = Path(__file__).resolve().parent / "goldens"
FAILURE_DIR = Path(__file__).resolve().parent / "_failures"


def compare(name: str, surface: pygame.Surface) -> str | None:
    """None when equal; otherwise a message naming the first differing pixel."""
    golden_path = GOLDEN_DIR / f"{name}.png"
    if not golden_path.exists():
        return (f"no golden {golden_path.name}: render it with "
                f"`.venv/bin/python tools/update_goldens.py` and look at it before committing")
    actual = Image.frombytes("RGB", surface.get_size(), surface_rgb(surface))
    with Image.open(golden_path) as im:
        golden = im.convert("RGB")
    if golden.size != actual.size:
        return f"{name}: size {actual.size} != golden {golden.size}"
    if golden.tobytes() == actual.tobytes():
        return None
    diff = ImageChops.difference(golden, actual)
    bbox = diff.getbbox()
    # Any channel off by any amount counts (a grey conversion would hide a 1-step blue).
    r, g, b = diff.split()
    mask = ImageChops.lighter(ImageChops.lighter(r, g), b).point(lambda v: 255 if v else 0)
    count = mask.histogram()[255]
    first = mask.tobytes().find(b"\xff")
    x, y = first % actual.width, first // actual.width
    FAILURE_DIR.mkdir(exist_ok=True)
    save_png(surface, FAILURE_DIR / f"{name}-actual.png")
    Image.composite(Image.new("RGB", actual.size, (255, 0, 255)), golden.point(lambda v: v // 3),
                    mask).save(FAILURE_DIR / f"{name}-diff.png")
    return (f"{name}: {count} pixels differ (box {bbox}); first at ({x}, {y}): golden "
            f"{golden.getpixel((x, y))} actual {actual.getpixel((x, y))}; see "
            f"{FAILURE_DIR.name}/{name}-actual.png and -diff.png")
