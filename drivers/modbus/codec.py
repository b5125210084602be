"""Registers ↔ snapshots, both ways, driven only by the register map.

``decode_*`` serve the master (the HMI's driver, capture replay); ``encode_*`` serve the
simulator slave. Registers are a sparse ``{register: raw uint16}`` image: a register that a
link did not carry (exception reply, not read yet) is simply missing, and every field that
needs it decodes to ``None`` and is listed in ``PackSnapshot.unavailable``.
"""
from __future__ import annotations

from dataclasses import fields as dc_fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Optional

from hmi import model
from hmi.model import (DEFAULT_LIMITS, HISTORY_CAPACITY, MAX_CELLS, TEMP_SENSORS, AlarmHistory,
                       AlarmRecord, FaultFlag, PackSettings, PackSnapshot,
                       ProtectionFlag, ProtectionLimits, flag_for_code)

from .regmap import Field, RegisterMap


Registers = Mapping[int, int]


class RangeError(ValueError):
    """A value a write would send is outside the map's range; nothing was sent."""


# -- alarm record values: the unit follows the alarm code (modbus.md, alarm history) ---
_CELL_CODES = {ProtectionFlag.CELL_OV, ProtectionFlag.CELL_UV, FaultFlag.CELL}
_PACK_CODES = {ProtectionFlag.PACK_OV, ProtectionFlag.PACK_UV, ProtectionFlag.CHARGER_OV}
_CURRENT_CODES = {ProtectionFlag.CHARGE_OC, ProtectionFlag.DISCHARGE_OC,
                  ProtectionFlag.SHORT_CIRCUIT}


def record_value_scale(code: int) -> Decimal:
    """Scale of a history record's value register: mV, 10 mV (pack), 0.1 A or 0.1 °C."""
    flag = flag_for_code(code)
    if flag in _CELL_CODES:
        return Decimal(1)
    if flag in _PACK_CODES:
        # A pack voltage in mV does not fit an int16; 10 mV matches register 1.
        return Decimal("0.01")
    if flag in _CURRENT_CODES:
        return Decimal("0.1")
    if flag is None:
        return Decimal(1)
    return Decimal("0.1")  # temperatures: every OT/UT code and the sensor fault


# -- one field ---------------------------------------------------------------------------
def _present(regs: Registers, first: int, count: int) -> bool:
    return all((first + i) in regs for i in range(count))


def _signed(raw: int) -> int:
    return raw - 0x10000 if raw & 0x8000 else raw


def _scaled(raw: int, scale: Decimal, decimals: int) -> int | float:
    if scale == 1:
        return raw
    return round(float(raw * scale), decimals)


def _number(f: Field, raw: int, scale: Optional[Decimal] = None) -> Optional[int | float]:
    if f.type == "int16":
        raw = _signed(raw)
    if f.absent is not None and raw == f.absent:
        return None
    s = f.scale if scale is None else scale
    return _scaled(raw, s, max(0, -int(s.normalize().as_tuple().exponent)))


def _enum(name: str):
    return getattr(model, name)


def decode_field(f: Field, regs: Registers, base: int = 0,
                 scale: Optional[Decimal] = None) -> Any:
    """One field's value from the image (``base`` shifts it, for history records)."""
    first = f.reg + base
    words = [regs[first + i] & 0xFFFF for i in range(f.count)]
    t = f.type
    if t in ("uint16", "int16"):
        vals = [_number(f, w, scale) for w in words]
        return vals[0] if f.count == 1 else tuple(vals)
    if t == "uint32":
        raw = (words[0] << 16) | words[1]
        if f.absent is not None and raw == f.absent:
            return None
        return _scaled(raw, f.scale if scale is None else scale, f.decimals)
    if t == "ascii":
        data = b"".join(w.to_bytes(2, "big") for w in words)
        return data.split(b"\0", 1)[0].decode("ascii", "replace").rstrip()
    if t.startswith("flags:"):
        enum = _enum(t.partition(":")[2])
        known = {int(m) for m in enum}
        return frozenset(enum(b) for b in range(16) if words[0] >> b & 1 and b in known)
    if t.startswith("bit:"):
        return bool(words[0] >> int(t.partition(":")[2]) & 1)
    if t == "cellbits":
        # The model keeps cell *indices* (0 = cell 1), as the cells page draws them.
        return frozenset(b for b in range(16) if words[0] >> b & 1)
    return None  # reserved, records: carried by other rows


def _raw_number(f: Field, value: Any, scale: Optional[Decimal] = None) -> int:
    s = f.scale if scale is None else scale
    if value is None:
        return (f.absent if f.absent is not None else 0) & 0xFFFFFFFF
    raw = int((Decimal(str(value)) / s).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if f.type == "int16":
        lo = -32767 if f.absent == -32768 else -32768
        raw = max(lo, min(32767, raw))
    elif f.type == "uint16":
        hi = 65534 if f.absent == 65535 else 65535
        raw = max(0, min(hi, raw))
    else:
        raw = max(0, min(0xFFFFFFFF, raw))
    return raw


def encode_field(f: Field, value: Any, out: dict[int, int], base: int = 0,
                 scale: Optional[Decimal] = None) -> None:
    """Write one field into ``out``; flag and bit fields OR into a shared register."""
    first = f.reg + base
    t = f.type
    if t in ("uint16", "int16"):
        vals = list(value) if f.count > 1 else [value]
        vals += [0] * (f.count - len(vals))
        for i, v in enumerate(vals[:f.count]):
            out[first + i] = _raw_number(f, v, scale) & 0xFFFF
    elif t == "uint32":
        raw = _raw_number(f, value, scale)
        out[first], out[first + 1] = raw >> 16 & 0xFFFF, raw & 0xFFFF
    elif t == "ascii":
        data = str(value or "").encode("ascii", "replace")[:f.count * 2].ljust(f.count * 2, b"\0")
        for i in range(f.count):
            out[first + i] = int.from_bytes(data[2 * i:2 * i + 2], "big")
    elif t.startswith("flags:"):
        out[first] = out.get(first, 0) | sum(1 << int(m) for m in value or ())
    elif t.startswith("bit:"):
        out[first] = out.get(first, 0) | (int(bool(value)) << int(t.partition(":")[2]))
    elif t == "cellbits":
        out[first] = out.get(first, 0) | sum(1 << i for i in value or () if 0 <= i <= 15)
    elif t == "reserved":
        for i in range(f.count):
            out.setdefault(first + i, 0)


# -- decode: registers → model -----------------------------------------------------------
def _values(m: RegisterMap, regs: Registers, prefix: str = "") -> tuple[dict, set]:
    """Decoded values of every modelled field under ``prefix``, and the paths not carried."""
    got: dict[str, Any] = {}
    missing: set[str] = set()
    for f in m.fields:
        if not f.modelled or not f.path.startswith(prefix):
            continue
        if f.path.startswith(("status.", "history.", "record.", "command.")):
            continue
        if _present(regs, f.reg, f.count):
            got[f.path] = decode_field(f, regs)
        else:
            missing.add(f.path)
    return got, missing


def decode_settings(m: RegisterMap, regs: Registers) -> tuple[Optional[PackSettings], set[str]]:
    """The configuration, or None while any numeric setting is missing (never a default
    that looks read); missing text fields (firmware, serials) stay "" and are listed."""
    got, missing = _values(m, regs, "settings.")
    numeric = [p for p in m.by_path if p.startswith("settings.") and m.by_path[p].type != "ascii"]
    if any(p in missing for p in numeric):
        return None, {"settings"}
    names = {f.name for f in dc_fields(PackSettings)}
    kwargs = {p.split(".", 1)[1]: v for p, v in got.items() if p.split(".", 1)[1] in names}
    return PackSettings(**kwargs), missing


def decode_limits(m: RegisterMap, regs: Registers) -> tuple[ProtectionLimits, set[str]]:
    """Limits read from the BMS over the seed defaults; missing ones are listed."""
    got, missing = _values(m, regs, "limits.")
    names = {f.name for f in dc_fields(ProtectionLimits)}
    kwargs = {p.split(".", 1)[1]: v for p, v in got.items() if p.split(".", 1)[1] in names}
    if not kwargs and missing:
        return DEFAULT_LIMITS, {"limits"}
    return replace(DEFAULT_LIMITS, **kwargs), missing


def history_header(m: RegisterMap, regs: Registers) -> Optional[tuple[int, int]]:
    """(total ever stored, held now) or None when the counter was not read."""
    ft, fh = m.field("history.total"), m.field("history.held")
    if not (_present(regs, ft.reg, ft.count) and _present(regs, fh.reg, fh.count)):
        return None
    return decode_field(ft, regs), decode_field(fh, regs)


def held_records(m: RegisterMap, held: int) -> int:
    """How many records the map can carry out of ``held``."""
    rows = m.field("history.records")
    return max(0, min(held, HISTORY_CAPACITY, rows.count // max(1, m.record_stride)))


def record_span(m: RegisterMap, held: int) -> tuple[int, int]:
    """(first register, count) holding the newest ``held`` records."""
    return m.field("history.records").reg, held_records(m, held) * m.record_stride


def decode_history(m: RegisterMap, regs: Registers) -> Optional[AlarmHistory]:
    head = history_header(m, regs)
    if head is None:
        return None
    total, held = head
    stride = m.record_stride
    first = m.field("history.records").reg
    tmpl = {f.path.split(".", 1)[1]: f for f in m.record_fields}
    records = []
    for i in range(held_records(m, held)):
        base = i * stride
        if not _present(regs, first + base, stride):
            return None
        code = decode_field(tmpl["code"], regs, base)
        kw = {name: decode_field(f, regs, base,
                                 record_value_scale(code) if name == "value" else None)
              for name, f in tmpl.items()}
        records.append(AlarmRecord(**kw))
    return AlarmHistory(total=total, records=tuple(records))


def decode_pack(m: RegisterMap, address: int, regs: Registers,
                timestamp: float) -> Optional[PackSnapshot]:
    """A snapshot from a pack's register image; None until the live data is there."""
    got, missing = _values(m, regs)
    top = {p: v for p, v in got.items() if "." not in p}
    for need in ("current_a", "voltage_v", "soc", "cells_mv"):
        if need not in top:
            return None
    settings, miss_s = decode_settings(m, regs)
    limits, miss_l = decode_limits(m, regs)
    history = decode_history(m, regs)
    unavailable = {p for p in missing if "." not in p or p.startswith("temps_c.")}
    unavailable |= miss_s | miss_l
    if history is None:
        unavailable.add("history")

    cells = list(top.pop("cells_mv"))
    n = settings.cells_in_series if settings else None
    if n and 1 <= n <= MAX_CELLS:
        cells = cells[:n]
    else:
        while len(cells) > 1 and cells[-1] == 0:
            cells.pop()
    temps = tuple(got.get(f"temps_c.{name}") for name in TEMP_SENSORS)
    names = {f.name for f in dc_fields(PackSnapshot)}
    kwargs = {p: v for p, v in top.items() if p in names}
    return PackSnapshot(address=address, timestamp=timestamp, cells_mv=tuple(cells),
                        temps_c=temps, limits=limits, settings=settings, history=history,
                        unavailable=frozenset(unavailable), **kwargs)


def decode_changes(m: RegisterMap, regs: Registers) -> dict[str, Any]:
    """Settings a write carries (slave side): field name → physical value."""
    out: dict[str, Any] = {}
    for f in m.fields:
        if f.path.startswith("settings.") and _present(regs, f.reg, f.count):
            out[f.path.split(".", 1)[1]] = decode_field(f, regs)
    return out


# -- encode: model → registers -----------------------------------------------------------
def _status_bit(snapshot: PackSnapshot, name: str) -> bool:
    # The current alone, as PackSnapshot.status judges it, whatever protection is active.
    return {"charging": snapshot.current_a >= 0.5,
            "discharging": snapshot.current_a <= -0.5}.get(name, False)


def encode_pack(m: RegisterMap, snapshot: PackSnapshot, settings: Optional[PackSettings] = None,
                history: Optional[AlarmHistory] = None,
                extras: Optional[Mapping[str, Any]] = None,
                blocks: Optional[Iterable[str]] = None) -> dict[int, int]:
    """The register image a real pack would serve for this snapshot.

    ``extras`` gives x.* values (e.g. ``x.bms_clock``); x.* fields without one get the
    map's default. ``blocks`` limits the work to the blocks being read.
    """
    settings = settings or snapshot.settings or PackSettings()
    history = history if history is not None else (snapshot.history or AlarmHistory())
    extras = extras or {}
    wanted = set(blocks) if blocks is not None else None
    temps = dict(zip(TEMP_SENSORS, snapshot.temps_c))
    out: dict[int, int] = {}
    for f in m.fields:
        if wanted is not None and f.block not in wanted:
            continue
        if f.read == "write" or f.type == "records" or f.path.startswith(("record.", "history.")):
            continue
        p = f.path
        if p == "-":
            value: Any = None
        elif p.startswith("x."):
            value = extras.get(p, f.default)
        elif p.startswith("status."):
            value = _status_bit(snapshot, p.split(".", 1)[1])
        elif p.startswith("temps_c."):
            value = temps.get(p.split(".", 1)[1])
        elif p.startswith("settings."):
            value = getattr(settings, p.split(".", 1)[1])
        elif p.startswith("limits."):
            value = getattr(snapshot.limits, p.split(".", 1)[1])
        else:
            value = getattr(snapshot, p)
        encode_field(f, value, out)
    if wanted is None or wanted & {m.field("history.total").block, m.field("history.records").block}:
        out.update(encode_history(m, history))
    for b in m.blocks.values():  # registers a block spans but no row names read as 0
        if b.read != "write" and (wanted is None or b.name in wanted):
            for r in range(b.first, b.last + 1):
                out.setdefault(r, 0)
    return out


def encode_history(m: RegisterMap, history: AlarmHistory) -> dict[int, int]:
    out: dict[int, int] = {}
    records = history.records[:held_records(m, len(history.records))]
    encode_field(m.field("history.total"), history.total & 0xFFFF, out)
    encode_field(m.field("history.held"), len(records), out)
    stride = m.record_stride
    tmpl = {f.path.split(".", 1)[1]: f for f in m.record_fields}
    for i, rec in enumerate(records):
        for name, f in tmpl.items():
            encode_field(f, getattr(rec, name), out, i * stride,
                         record_value_scale(rec.code) if name == "value" else None)
        for f in m.fields:
            if f.block == m.field("history.records").block and f.type == "reserved":
                encode_field(f, None, out, i * stride)
    return out


def encode_changes(m: RegisterMap, changes: Mapping[str, Any] | Iterable[tuple[str, Any]]
                   ) -> dict[int, int]:
    """Registers for a settings write, after checking every value against the map.

    Raises RangeError (nothing is sent) for an unknown or read-only field, a value out of
    range, or one the register cannot carry exactly (57.05 V in 0.1 V steps).
    """
    items = changes.items() if isinstance(changes, Mapping) else changes
    out: dict[int, int] = {}
    for name, value in items:
        path = f"settings.{name}"
        if not m.has(path):
            raise RangeError(f"{name} is not a setting this BMS has")
        f = m.field(path)
        if not f.writable:
            raise RangeError(f"{name} cannot be written")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RangeError(f"{name} must be a number, not {value!r}")
        if not f.min <= value <= f.max:
            raise RangeError(f"{name} {value:g} is out of range {f.min:g}-{f.max:g}"
                             f"{' ' + f.unit if f.unit else ''}")
        steps = Decimal(str(value)) / f.scale
        if steps != steps.to_integral_value():
            raise RangeError(f"{name} {value:g} is not a multiple of {f.scale} {f.unit}".rstrip())
        encode_field(f, value, out)
    return out
