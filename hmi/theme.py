"""Brand and semantic colours: the only place a page's colours come from.

Pages ask for meanings (``ok``, ``warn``, ``alarm``, ``stale`` ...), never RGB. A battery
maker replaces the theme file; a broken one falls back to the default with one log line,
and a single bad colour, name, tagline or logo falls back alone. Whatever the file holds,
the theme that comes out can be drawn: text is printable and of a sane length, and the
logo is a picture Pillow has already read.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_THEME_FILE = ASSETS / "theme" / "default.json"

Color = tuple[int, int, int]

#: Longer than this cannot be meant: at the logo's size it would be a surface of many MB.
MAX_NAME_CHARS = 40
MAX_TAGLINE_CHARS = 80
#: A logo is scaled into at most 533x240 px; a larger picture only costs memory to read.
MAX_LOGO_PIXELS = 4096 * 4096

#: Every colour role a page may use, with the default value.
DEFAULT_COLORS: dict[str, Color] = {
    "background": (11, 13, 17),
    "surface": (26, 30, 38),
    "surface_high": (38, 44, 55),
    "outline": (58, 66, 80),
    "text": (242, 244, 247),
    "text_muted": (164, 173, 186),
    "accent": (45, 156, 219),
    "on_accent": (255, 255, 255),
    "ok": (60, 207, 110),
    "warn": (255, 180, 0),
    "alarm": (255, 74, 61),
    "on_alarm": (255, 255, 255),
    "stale": (125, 133, 148),
}


def _font_dir() -> Path:
    # A pinned PyPI package carries the TTFs, so every machine renders the same glyphs.
    # Found, not imported: its import globs its folder, time the logo waits for.
    spec = importlib.util.find_spec("font_source_sans_pro")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("font_source_sans_pro is not installed: install "
                                  "requirements.txt", name="font_source_sans_pro")
    return Path(spec.origin).resolve().parent / "files"


@dataclass(frozen=True)
class Theme:
    name: str = "PowerStack"
    tagline: str = "LiFePO4 51.2 V 200 Ah"
    logo: Optional[Path] = None
    colors: dict[str, Color] = field(default_factory=lambda: dict(DEFAULT_COLORS))
    font_regular: Path = field(default_factory=lambda: _font_dir() / "SourceSansPro-Regular.ttf")
    font_bold: Path = field(default_factory=lambda: _font_dir() / "SourceSansPro-Semibold.ttf")

    def __getattr__(self, role: str) -> Color:
        # theme.ok, theme.alarm ...: an unknown role is a programming error, said plainly.
        colors = object.__getattribute__(self, "colors")
        if role in colors:
            return colors[role]
        raise AttributeError(f"theme has no colour role {role!r}")


def parse_color(value: object) -> Color:
    if isinstance(value, str) and value.startswith("#") and len(value) == 7:
        return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    if (isinstance(value, (list, tuple)) and len(value) == 3
            and all(isinstance(c, int) and 0 <= c <= 255 for c in value)):
        return tuple(value)  # type: ignore[return-value]
    raise ValueError(f"{value!r} is not a colour (write \"#rrggbb\")")


def _text_field(data: dict, key: str, default: str, limit: int, path: Path,
                allow_empty: bool) -> str:
    value = data.get(key)
    if value is None:
        return default
    # Control and format characters (NUL, bidi overrides, lone surrogates) cannot be drawn:
    # pygame refuses them, or draws nothing and fails on the zero width.
    if (not isinstance(value, str) or not value.isprintable() or len(value) > limit
            or not (value.strip() or allow_empty)):
        log.warning("theme %s: %s %s is not printable text of up to %d characters; using %r",
                    path, key, _clip(value), limit, default)
        return default
    return value


def _clip(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _logo(value: object, path: Path) -> Optional[Path]:
    """The logo file, read once by Pillow here so that drawing it cannot fail later."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        log.warning("theme %s: logo %s is not a file name; showing the name instead",
                    path, _clip(value))
        return None
    try:
        logo_path = (path.parent / value).resolve()
        if not logo_path.is_file():
            log.warning("theme %s: logo %s not found; showing the name instead", path,
                        logo_path)
            return None
        from PIL import Image
        with Image.open(logo_path) as im:
            if im.width * im.height > MAX_LOGO_PIXELS:
                raise ValueError(f"{im.width}x{im.height} px is too large for a logo")
            im.load()
    except Exception as exc:  # Pillow raises many kinds for a file that is no picture
        log.warning("theme %s: logo %s unusable (%s); showing the name instead", path,
                    _clip(value), exc)
        return None
    return logo_path


def load_theme(path: Optional[os.PathLike | str] = None) -> Theme:
    """Read a theme file over the defaults. Never raises: a bad file gives the default."""
    base = Theme()
    if path is None:
        path = DEFAULT_THEME_FILE
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("top level must be an object")
    except (OSError, ValueError, RecursionError) as exc:
        # RecursionError: arrays nested thousands deep are valid JSON to the grammar.
        log.warning("theme %s unreadable (%s); using the default theme", path,
                    type(exc).__name__ if isinstance(exc, RecursionError) else exc)
        return base
    colors = dict(base.colors)
    given = data.get("colors")
    if given is not None and not isinstance(given, dict):
        log.warning("theme %s: colors must be an object of role: \"#rrggbb\"; keeping the "
                    "default colours", path)
        given = None
    for role, value in (given or {}).items():
        if role not in DEFAULT_COLORS:
            log.warning("theme %s: unknown colour role %r ignored", path, role)
            continue
        try:
            colors[role] = parse_color(value)
        except ValueError as exc:
            log.warning("theme %s: colour %s: %s; keeping the default", path, role, exc)
    return replace(base, colors=colors, logo=_logo(data.get("logo"), path),
                   name=_text_field(data, "name", base.name, MAX_NAME_CHARS, path,
                                    allow_empty=False),
                   tagline=_text_field(data, "tagline", base.tagline, MAX_TAGLINE_CHARS, path,
                                       allow_empty=True))
