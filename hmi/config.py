"""The panel's settings: one TOML file, the environment and the command line, merged.

Which file: ``--config FILE``, else ``$HMI_CONFIG``, else the first that exists of
``/etc/bms-hmi/hmi.toml`` and ``~/.config/bms-hmi/hmi.toml`` (``$XDG_CONFIG_HOME``).
Which value: command line > environment (``HMI_SOURCE``, ``HMI_ROTATION`` ...) > that file >
the defaults below. ``deploy/hmi.example.toml`` documents every field.

A screen on a wall has nobody to read a traceback, so a bad file never stops it: each
problem is one log line naming the field, the bad value and what is allowed, and that
field keeps the value from the layer below. Only the data source is different: a bad
source never falls back to the simulator, because a believable simulated battery on a
real battery's panel would be a lie; the screen runs with no source and says so.
No pygame here: settings are read before any window opens (and their problems logged).
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from hmi.geometry import ROTATIONS, Calibration
from hmi.profile import PROFILES

log = logging.getLogger(__name__)

SYSTEM_FILE = Path("/etc/bms-hmi/hmi.toml")
#: What a bad ``source`` becomes: no driver, the pages show "no data" (never the simulator).
NO_SOURCE = ""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: The PIN pad takes up to 8 digits (hmi.app.MAX_PIN_DIGITS); fewer than 4 is no lock.
PIN_DIGITS = (4, 8)


@dataclass(frozen=True)
class HmiConfig:
    source: str = "sim"
    profile: str = "auto"
    fullscreen: bool = False
    rotation: int = 0
    sleep_after: float = 300.0
    pin: str = "1234"
    theme: Optional[Path] = None
    log_level: str = "INFO"
    record: Optional[Path] = None
    touch: Calibration = Calibration()
    #: The file that was read (None: none found, or none readable).
    file: Optional[Path] = field(default=None, compare=False)
    #: Where each setting that is not a default came from: "file", "env HMI_X", "command line".
    origin: Mapping[str, str] = field(default_factory=dict, compare=False)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        """One log line: the file and every setting that is not a default, and from where."""
        parts = [f"file {self.file}" if self.file else "no config file"]
        default = HmiConfig()
        for name, where in self.origin.items():
            value = getattr(self, name)
            if value == getattr(default, name):
                continue
            if name == "pin":
                value = "****"
            elif name == "source":
                value = value or "none"
            elif name == "touch":
                value = " ".join(f"{f.name}={getattr(value, f.name)}" for f in fields(value)
                                 if getattr(value, f.name) != getattr(default.touch, f.name))
            parts.append(f"{name}={value} ({where})")
        return "config: " + ", ".join(parts)


# -- field checks: value in → clean value out, or ValueError saying what is allowed --------

def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string in quotes")
    return value.strip()


def _source(value: Any, _base: Path) -> str:
    from drivers import DRIVERS, split_source
    text = _str(value)
    name, _arg = split_source(text)
    if name not in DRIVERS:
        raise ValueError(f"the source must start with one of {', '.join(sorted(DRIVERS))} "
                         f"(e.g. \"sim\" or \"modbus:/dev/ttyUSB0\")")
    return text


def _profile(value: Any, _base: Path) -> str:
    text = _str(value)
    if text != "auto" and text not in PROFILES:
        raise ValueError(f"allowed: \"auto\" (from the panel's size) or one of "
                         f"{', '.join(PROFILES)}")
    return text


def _bool(value: Any, _base: Path = Path()) -> bool:
    if not isinstance(value, bool):
        raise ValueError("allowed: true or false")
    return value


def _rotation(value: Any, _base: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in ROTATIONS:
        raise ValueError(f"allowed: {', '.join(map(str, ROTATIONS))} (degrees clockwise)")
    return value


def _number(value: Any, _base: Path = Path()) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except OverflowError:  # TOML integers are unbounded; a float is not
        raise ValueError("must be a number of a sensible size") from None
    if not math.isfinite(number):
        raise ValueError("must be a number")
    return number


def _sleep_after(value: Any, _base: Path) -> float:
    seconds = _number(value)
    if seconds < 0:
        raise ValueError("allowed: seconds >= 0 (0 = never sleep)")
    return seconds


def _pin(value: Any, _base: Path) -> str:
    lo, hi = PIN_DIGITS
    if not isinstance(value, str):
        # An integer would lose a leading zero ("0427" → 427) without anyone noticing.
        raise ValueError(f"must be {lo} to {hi} digits in quotes, e.g. pin = \"1234\"")
    if not (value.isascii() and value.isdigit() and lo <= len(value) <= hi):
        raise ValueError(f"allowed: {lo} to {hi} digits 0-9")
    return value


def _path(text: str, base: Path) -> Path:
    """A path from a setting; whatever the OS says against it becomes a ValueError, so a
    strange value (~nosuchuser, a 5000-character name) is a bad setting, not a crash."""
    try:
        return (base / Path(text).expanduser()).resolve()
    except (RuntimeError, OSError, ValueError) as exc:
        raise ValueError(f"not a usable path ({exc})") from None


def _exists(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except (OSError, ValueError):
        return False


def _optional_path(value: Any, base: Path, usable: Callable[[Path], bool],
                   refusal: Callable[[Path], str]) -> Optional[Path]:
    """A path setting where "" means "none"; ``usable`` checks it, ``refusal`` says why not."""
    text = _str(value)
    if not text:
        return None
    path = _path(text, base)
    if not _exists(lambda: usable(path)):
        raise ValueError(refusal(path))
    return path


def _theme(value: Any, base: Path) -> Optional[Path]:
    return _optional_path(value, base, Path.is_file,
                          lambda p: f"no such file {p} (\"\" = the built-in theme)")


def _log_level(value: Any, _base: Path) -> str:
    text = _str(value).upper()
    if text not in LOG_LEVELS:
        raise ValueError(f"allowed: {', '.join(LOG_LEVELS)}")
    return text


def _record(value: Any, base: Path) -> Optional[Path]:
    return _optional_path(value, base, lambda p: p.parent.is_dir(),
                          lambda p: f"the folder {p.parent} does not exist (\"\" = do not record)")


def _env_bool(text: str) -> Any:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    return text  # the check then says what is allowed


def _env_int(text: str) -> Any:
    try:
        return int(text.strip())
    except ValueError:
        return text


def _env_float(text: str) -> Any:
    try:
        return float(text.strip())
    except ValueError:
        return text


Check = Callable[[Any, Path], Any]

#: Top-level fields: the check, and how an environment string becomes a TOML-like value.
TOP: dict[str, tuple[Check, Callable[[str], Any]]] = {
    "source": (_source, str),
    "profile": (_profile, str),
    "fullscreen": (_bool, _env_bool),
    "rotation": (_rotation, _env_int),
    "sleep_after": (_sleep_after, _env_float),
    "pin": (_pin, str),
    "theme": (_theme, str),
    "log_level": (_log_level, str),
    "record": (_record, str),
}
TOUCH: dict[str, Check] = {
    "swap_xy": _bool, "invert_x": _bool, "invert_y": _bool,
    "x_min": _number, "x_max": _number, "y_min": _number, "y_max": _number,
}
ENV_PREFIX = "HMI_"


def check(name: str, value: Any, base: Path = Path()) -> Any:
    """Validate one top-level field; ValueError says what is allowed."""
    return TOP[name][0](value, base)


def arg_type(name: str) -> Callable[[str], Any]:
    """An argparse ``type=`` for a field: the same checks, refused at the command line."""
    import argparse

    def convert(text: str) -> Any:
        try:
            return check(name, TOP[name][1](text), Path.cwd())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    convert.__name__ = name  # argparse names the type in its own messages
    return convert


# -- finding and reading the file ----------------------------------------------------------

def user_file(env: Mapping[str, str]) -> Optional[Path]:
    """The per-user file, or None for a service user with no home directory at all."""
    home = env.get("HOME")
    if not home:
        try:
            home = str(Path.home())
        except RuntimeError:
            home = ""
    base = env.get("XDG_CONFIG_HOME") or (str(Path(home) / ".config") if home else "")
    return Path(base) / "bms-hmi" / "hmi.toml" if base else None


def search_paths(env: Mapping[str, str]) -> tuple[Path, ...]:
    user = user_file(env)
    return (SYSTEM_FILE, user) if user is not None else (SYSTEM_FILE,)


def find_file(explicit: Optional[os.PathLike | str], env: Mapping[str, str],
              search: Sequence[Path]) -> Optional[Path]:
    """The one file to read: explicit, else $HMI_CONFIG, else the first that exists."""
    if explicit:
        return Path(explicit)
    if env.get("HMI_CONFIG"):
        return Path(env["HMI_CONFIG"])
    return next((p for p in search if _exists(p.exists)), None)


class _Problems:
    """Collects problems and logs each as it is found: one line per problem."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        log.warning("%s", text)
        self.lines.append(text)


#: A settings file is a page of text; past this it is something else (or an attack).
MAX_FILE_BYTES = 64 * 1024
#: tomllib's memory grows with the square of a dotted key's depth (a.a.a...: 73 MB at 4000
#: parts) and its time with the square of a dotted table name's; the deepest real key has 2.
MAX_KEY_PARTS = 16
_NOT_KEY = re.compile(rb"[^A-Za-z0-9_\-\"' \t.]")


def deepest_key(raw: bytes) -> int:
    """Parts in the longest dotted key or table name in a TOML text (linear time)."""
    deepest = 0
    for line in raw.splitlines():
        code = line.split(b"#", 1)[0]
        # Keys stand left of "=" and in [table] headers. Other lines continue a value
        # (a multi-line string or array) and may hold any dots; so may a value, whose
        # inline tables cost tomllib only linear memory.
        if b"=" in code:
            key_side = code.split(b"=", 1)[0]
        elif code.lstrip().startswith(b"["):
            key_side = code
        else:
            continue
        for run in _NOT_KEY.split(key_side):
            deepest = max(deepest, run.count(b".") + 1)
    return deepest


def read_file(path: Path, problems: _Problems) -> Optional[dict]:
    """The file's table, or None (after one log line) when it cannot be used at all."""
    try:
        with path.open("rb") as fp:
            raw = fp.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            problems.add(f"config file {path} is over {MAX_FILE_BYTES // 1024} KiB, too big "
                         f"to be a settings file; using the defaults")
            return None
        if deepest_key(raw) > MAX_KEY_PARTS:
            problems.add(f"config file {path} has a key of more than {MAX_KEY_PARTS} dotted "
                         f"parts, which no setting has; using the defaults")
            return None
        # Imported here: without a settings file (a desktop) the logo comes up sooner.
        import tomllib
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        problems.add(f"config file {path} not found; using the defaults")
        return None
    except OSError as exc:
        problems.add(f"config file {path} cannot be read ({exc.strerror or exc}); "
                     f"using the defaults")
        return None
    except ValueError as exc:  # tomllib.TOMLDecodeError, or bytes that are not UTF-8
        problems.add(f"config file {path} is not valid TOML ({exc}); using the defaults")
        return None
    except RecursionError:  # tomllib recurses into nested arrays and tables
        problems.add(f"config file {path} nests too deeply to be a settings file; "
                     f"using the defaults")
        return None
    return data


def _unknown(where: str, key: str, known: Sequence[str], problems: _Problems) -> None:
    import difflib  # only for a typo in the file
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
    problems.add(f"{where}: unknown setting {key!r} ignored{hint}")


def _shown(value: Any) -> str:
    """A value as it is written in the file, so the log line can be searched for in it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return '""'
    return repr(value)


def _bad(where: str, key: str, value: Any, reason: str, keeping: Any,
         problems: _Problems) -> None:
    kept = ("no data source (never the simulator)" if key.lower().endswith("source")
            else _shown(keeping))
    problems.add(f"{where}: {key} = {_shown(value)} is not valid; {reason}; using {kept}")


def _from_file(data: Mapping[str, Any], path: Path, cfg: HmiConfig,
               problems: _Problems) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    where = str(path)
    for key, value in data.items():
        if key == "touch":
            continue
        if key not in TOP:
            _unknown(where, key, [*TOP, "touch"], problems)
            continue
        try:
            values[key] = check(key, value, path.parent)
        except ValueError as exc:
            _bad(where, key, value, str(exc), getattr(cfg, key), problems)
            if key == "source":
                values[key] = NO_SOURCE
    if "touch" in data:
        values["touch"] = _touch(data["touch"], where, problems)
    return values, {k: "file" for k in values}


def _touch(table: Any, where: str, problems: _Problems) -> Calibration:
    default = Calibration()
    if not isinstance(table, dict):
        problems.add(f"{where}: touch = {_shown(table)} is not valid; it must be a [touch] "
                     f"table; using no calibration")
        return default
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in TOUCH:
            _unknown(where, f"touch.{key}", [f"touch.{k}" for k in TOUCH], problems)
            continue
        try:
            values[key] = TOUCH[key](value, Path())
        except ValueError as exc:
            _bad(where, f"touch.{key}", value, str(exc), getattr(default, key), problems)
    cal = replace(default, **values)
    for axis in ("x", "y"):
        lo, hi = getattr(cal, f"{axis}_min"), getattr(cal, f"{axis}_max")
        if not lo < hi:
            problems.add(f"{where}: touch.{axis}_min = {lo!r} and touch.{axis}_max = {hi!r} "
                         f"are not valid; {axis}_min must be less than {axis}_max (to mirror "
                         f"the axis set touch.invert_{axis} = true); using 0.0 and 1.0")
            cal = replace(cal, **{f"{axis}_min": 0.0, f"{axis}_max": 1.0})
    return cal


def _from_env(env: Mapping[str, str], cfg: HmiConfig,
              problems: _Problems) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key, (chk, parse) in TOP.items():
        name = ENV_PREFIX + key.upper()
        text = env.get(name, "")
        if text == "":
            continue
        try:
            values[key] = chk(parse(text), Path.cwd())
        except ValueError as exc:
            _bad("environment", name, text, str(exc), getattr(cfg, key), problems)
            if key != "source":
                continue
            values[key] = NO_SOURCE
        origin[key] = f"env {name}"
    return values, origin


def load_config(cli: Optional[Mapping[str, Any]] = None, *,
                config_file: Optional[os.PathLike | str] = None,
                env: Optional[Mapping[str, str]] = None,
                search: Optional[Sequence[Path]] = None) -> HmiConfig:
    """Merge defaults < file < environment < command line. Never raises.

    ``cli`` holds already-checked values (see :func:`arg_type`); a None value means the
    option was not given. ``search`` replaces the /etc and user paths (tests).
    """
    env = os.environ if env is None else env
    search = search_paths(env) if search is None else search
    problems = _Problems()
    cfg = HmiConfig()
    origin: dict[str, str] = {}
    path = find_file(config_file, env, search)
    data = read_file(path, problems) if path is not None else None
    if data is not None:
        values, where = _from_file(data, path, cfg, problems)
        cfg = replace(cfg, **values)
        origin.update(where)
    values, where = _from_env(env, cfg, problems)
    cfg = replace(cfg, **values)
    origin.update(where)
    given = {k: v for k, v in (cli or {}).items() if v is not None}
    unknown = set(given) - {f.name for f in fields(HmiConfig)}
    if unknown:
        raise TypeError(f"not configuration fields: {sorted(unknown)}")  # a programming error
    cfg = replace(cfg, **given)
    origin.update({k: "command line" for k in given})
    return replace(cfg, file=path if data is not None else None, origin=origin,
                   problems=tuple(problems.lines))
