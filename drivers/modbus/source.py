"""The Modbus source string: ``modbus:PORT[?option=value&...]``.

Examples::

    modbus:/dev/ttyUSB0                          one pack at address 1, 9600 baud
    modbus:/dev/ttyUSB0?packs=1-4&gap_ms=100     four packs
    modbus:/dev/ttyUSB0?baud=19200&packs=1-8,12&timeout_ms=300&retries=2
    modbus:/tmp/ttyHMI?baud=115200&packs=1-4&record=site.mbcap

Options (defaults from shared/protocol/modbus.md):

=============  =========  ==========================================================
``baud``       9600       9600, 19200, 38400, 57600 or 115200 (8N1)
``packs``      1          addresses to poll: ``1-4``, ``1,3,5-8`` (1-50, at most 30)
``gap_ms``     100        quiet time after a reply before the next request
``timeout_ms`` 200        reply timeout
``retries``    1          repeats of a failed request (a silent pack gets none)
``history_s``  30         check the alarm-history counter at least this often
``sweep_ms``   0          shortest time between sweep starts (0: back to back)
``record``     —          capture the raw link to this file (``.mbcap``)
``map``        —          register map file (default assets/regmap/ps20016s.csv)
``stale_s``    computed   data older than this shows stale (see ModbusDriver)
``lost_s``     computed   data older than this is withdrawn
``local``      1          the pack this screen belongs to (1 = master)
=============  =========  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from drivers.base import DriverError
from hmi.model import MAX_PACKS

BAUDS = (9600, 19200, 38400, 57600, 115200)
MAX_ADDRESS = 50


@dataclass(frozen=True, slots=True)
class ModbusOptions:
    port: str
    baud: int = 9600
    packs: tuple[int, ...] = (1,)
    gap_ms: float = 100.0
    timeout_ms: float = 200.0
    retries: int = 1
    history_s: float = 30.0
    sweep_ms: float = 0.0
    record: Optional[str] = None
    map: Optional[str] = None
    stale_s: Optional[float] = None
    lost_s: Optional[float] = None
    local: int = 1


def parse_packs(text: str) -> tuple[int, ...]:
    """``"1-4,7"`` → (1, 2, 3, 4, 7)."""
    out: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, dash, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi) if dash else int(lo)
        except ValueError:
            raise DriverError(f"packs={text!r}: write addresses like 1-4 or 1,3,5-8") from None
        if not 1 <= a <= b <= MAX_ADDRESS:
            raise DriverError(f"packs={text!r}: addresses run 1-{MAX_ADDRESS}, low to high")
        out.update(range(a, b + 1))
    if not out:
        raise DriverError("packs= needs at least one address, e.g. packs=1-4")
    if len(out) > MAX_PACKS:
        raise DriverError(f"packs={text!r}: at most {MAX_PACKS} packs on one link")
    return tuple(sorted(out))


def _number(name: str, value: str, lo: float, hi: float, kind: type = float):
    try:
        out = kind(value)
    except ValueError:
        raise DriverError(f"option {name}={value!r} should be a number") from None
    if not lo <= out <= hi:
        raise DriverError(f"option {name}={value!r} should be {lo:g}-{hi:g}")
    return out


def parse_source(arg: str) -> ModbusOptions:
    """Parse what follows ``modbus:`` in a source string."""
    port, _, query = arg.strip().partition("?")
    port = port.strip()
    if not port:
        raise DriverError("modbus needs a serial port: modbus:/dev/ttyUSB0?packs=1-4")
    opts: dict[str, object] = {"port": port}
    for part in filter(None, (p.strip() for p in query.split("&"))):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise DriverError(f"option {part!r} should look like name=value")
        if key == "baud":
            baud = _number(key, value, 1, 1e7, int)
            if baud not in BAUDS:
                raise DriverError(f"baud={value} : choose one of {', '.join(map(str, BAUDS))}")
            opts[key] = baud
        elif key == "packs":
            opts[key] = parse_packs(value)
        elif key in ("gap_ms", "sweep_ms"):
            opts[key] = _number(key, value, 0, 60_000)
        elif key == "timeout_ms":
            opts[key] = _number(key, value, 10, 10_000)
        elif key == "retries":
            opts[key] = _number(key, value, 0, 5, int)
        elif key == "history_s":
            opts[key] = _number(key, value, 1, 86_400)
        elif key in ("stale_s", "lost_s"):
            opts[key] = _number(key, value, 0.1, 86_400)
        elif key == "local":
            opts[key] = _number(key, value, 1, MAX_ADDRESS, int)
        elif key in ("record", "map"):
            if not value:
                raise DriverError(f"option {key}= needs a file name")
            opts[key] = value
        else:
            raise DriverError(f"unknown modbus option {key!r}; options: baud, packs, gap_ms, "
                              f"timeout_ms, retries, history_s, sweep_ms, record, map, "
                              f"stale_s, lost_s, local")
    out = ModbusOptions(**opts)  # type: ignore[arg-type]
    if out.stale_s and out.lost_s and out.lost_s <= out.stale_s:
        raise DriverError("lost_s must be longer than stale_s")
    return out
