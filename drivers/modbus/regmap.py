"""The register map as data: one CSV table, loaded into fields and read blocks.

The table (``assets/regmap/ps20016s.csv``) is the only place register numbers live, so a
battery maker whose firmware differs swaps the file, not the code. Its header comment
documents every column.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Optional

#: The map shipped with the project.
DEFAULT_MAP = Path(__file__).resolve().parents[2] / "assets" / "regmap" / "ps20016s.csv"

#: Modbus limits: registers per read (0x03) and per write (0x10).
MAX_READ = 125
MAX_WRITE = 123

READ_KINDS = ("sweep", "config", "counter", "history", "write")
_SIMPLE_TYPES = ("uint16", "int16", "uint32", "ascii", "cellbits", "records", "reserved")


class RegMapError(ValueError):
    """The register table is malformed; the message names the line."""


@dataclass(frozen=True, slots=True)
class Field:
    block: str
    read: str
    reg: int
    count: int
    type: str
    scale: Decimal
    unit: str
    absent: Optional[int]
    min: Optional[float]
    max: Optional[float]
    access: str
    path: str
    optional: bool
    default: Optional[float]
    description: str

    @property
    def last(self) -> int:
        return self.reg + self.count - 1

    @property
    def decimals(self) -> int:
        """Digits after the point the scale allows (0.01 → 2), so decoded floats are exact."""
        return max(0, -int(self.scale.normalize().as_tuple().exponent))

    @property
    def writable(self) -> bool:
        return "w" in self.access and self.min is not None and self.max is not None

    @property
    def modelled(self) -> bool:
        return self.path != "-" and not self.path.startswith("x.")


@dataclass(frozen=True, slots=True)
class Block:
    """A register range read in one go (split into ≤125-register requests)."""

    name: str
    read: str
    first: int
    last: int
    #: Last register when the optional (extension) registers at the end are left out.
    fallback_last: Optional[int] = None

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def chunks(self, last: Optional[int] = None) -> list[tuple[int, int]]:
        """(first register, count) requests covering the block, each ≤ MAX_READ."""
        end = self.last if last is None else last
        out = []
        start = self.first
        while start <= end:
            n = min(MAX_READ, end - start + 1)
            out.append((start, n))
            start += n
        return out

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


@dataclass(frozen=True)
class RegisterMap:
    fields: tuple[Field, ...]
    blocks: dict[str, Block]
    source: str = ""
    by_path: dict[str, Field] = field(default_factory=dict, compare=False)

    def field(self, path: str) -> Field:
        try:
            return self.by_path[path]
        except KeyError:
            raise KeyError(f"register map {self.source} has no field {path!r}") from None

    def has(self, path: str) -> bool:
        return path in self.by_path

    def blocks_read(self, read: str) -> list[Block]:
        return [b for b in self.blocks.values() if b.read == read]

    def block_fields(self, name: str) -> list[Field]:
        return [f for f in self.fields if f.block == name]

    @property
    def record_fields(self) -> list[Field]:
        return [f for f in self.fields if f.path.startswith("record.")]

    @property
    def record_stride(self) -> int:
        """Registers per history record: the record.* rows plus reserved rows after them."""
        rec = self.record_fields
        if not rec:
            return 0
        template = [f for f in self.fields if f.block == rec[0].block and f.type != "records"]
        return max(f.last for f in template) - min(f.reg for f in rec) + 1


def _opt_float(text: str) -> Optional[float]:
    text = text.strip()
    return float(text) if text else None


def _opt_int(text: str) -> Optional[int]:
    text = text.strip()
    return int(text, 0) if text else None


def _check_type(t: str, where: str) -> None:
    if t in _SIMPLE_TYPES:
        return
    kind, _, arg = t.partition(":")
    if kind == "flags" and arg:
        from hmi import model
        if not hasattr(model, arg):
            raise RegMapError(f"{where}: flags enum {arg!r} is not in hmi.model")
        return
    if kind == "bit" and arg.isdigit() and 0 <= int(arg) <= 15:
        return
    raise RegMapError(f"{where}: unknown type {t!r}; use one of {', '.join(_SIMPLE_TYPES)}, "
                      f"flags:<Enum>, bit:<0-15>")


def parse(text: str, source: str = "<text>") -> RegisterMap:
    """Parse the CSV text of a map (comment lines start with #)."""
    lines = [ln for ln in io.StringIO(text) if not ln.lstrip().startswith("#") and ln.strip()]
    rows = list(csv.DictReader(lines))
    need = {"block", "read", "reg", "count", "type", "scale", "unit", "absent", "min", "max",
            "access", "field", "optional", "default", "description"}
    if not rows or not need.issubset(rows[0].keys()):
        raise RegMapError(f"{source}: header must name the columns {', '.join(sorted(need))}")
    fields: list[Field] = []
    for n, row in enumerate(rows, start=1):
        where = f"{source} row {n} ({row.get('field')})"
        try:
            f = Field(block=row["block"].strip(), read=row["read"].strip(),
                      reg=int(row["reg"], 0), count=int(row["count"], 0), type=row["type"].strip(),
                      scale=Decimal(row["scale"].strip() or "1"), unit=row["unit"].strip(),
                      absent=_opt_int(row["absent"]), min=_opt_float(row["min"]),
                      max=_opt_float(row["max"]), access=row["access"].strip(),
                      path=row["field"].strip(),
                      optional=row["optional"].strip().lower() in ("yes", "y", "true", "1"),
                      default=_opt_float(row["default"]),
                      description=row["description"].strip())
        except (ValueError, ArithmeticError) as exc:
            raise RegMapError(f"{where}: {exc}") from exc
        if f.read not in READ_KINDS:
            raise RegMapError(f"{where}: read must be one of {', '.join(READ_KINDS)}")
        if not 0 <= f.reg <= 0xFFFF or f.count < 1:
            raise RegMapError(f"{where}: register range out of 0-65535")
        if f.scale <= 0:
            raise RegMapError(f"{where}: scale must be positive")
        _check_type(f.type, where)
        fields.append(f)
    return _assemble(fields, source)


def _assemble(fields: list[Field], source: str) -> RegisterMap:
    blocks: dict[str, Block] = {}
    for name in dict.fromkeys(f.block for f in fields):
        members = [f for f in fields if f.block == name]
        reads = {f.read for f in members}
        if len(reads) != 1:
            raise RegMapError(f"{source}: block {name!r} mixes read kinds {sorted(reads)}")
        first = min(f.reg for f in members)
        last = max(f.last for f in members)
        required = [f for f in members if not f.optional]
        fallback = max(f.last for f in required) if required and len(required) < len(members) \
            else None
        if fallback is not None and any(f.optional and f.reg <= fallback for f in members):
            raise RegMapError(f"{source}: block {name!r}: optional registers must come last")
        blocks[name] = Block(name, reads.pop(), first, last,
                             fallback if fallback is not None and fallback < last else None)
    by_path: dict[str, Field] = {}
    for f in fields:
        if f.path == "-":
            continue
        if f.path in by_path:
            raise RegMapError(f"{source}: field {f.path!r} appears twice")
        by_path[f.path] = f
    _check_overlaps(blocks, source)
    return RegisterMap(tuple(fields), blocks, source, by_path)


def _check_overlaps(blocks: dict[str, Block], source: str) -> None:
    spans = sorted((b.first, b.last, b.name) for b in blocks.values())
    for (a0, a1, an), (b0, b1, bn) in zip(spans, spans[1:]):
        if b0 <= a1:
            raise RegMapError(f"{source}: blocks {an!r} ({a0}-{a1}) and {bn!r} ({b0}-{b1}) "
                              f"overlap")


def load(path: Optional[os.PathLike | str] = None) -> RegisterMap:
    """Load a map file (default: the shipped PS-20016S map)."""
    p = Path(path) if path else DEFAULT_MAP
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegMapError(f"cannot read register map {p}: {exc.strerror}") from exc
    return parse(text, str(p))


def ranges(regs: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted registers → contiguous (first, last) runs, for writes and messages."""
    out: list[tuple[int, int]] = []
    for r in sorted(set(regs)):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
