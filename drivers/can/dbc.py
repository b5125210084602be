"""The Pylon low-voltage frame table as a cantools database, loaded once.

The layout lives in ``assets/can/pylon_lv.dbc`` so that the same file opens in the tools
field engineers already use (SavvyCAN, CANalyzer, ``cantools dump``); Python keeps only
the meaning of each field for the HMI.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cantools
from cantools.database.can import Database, Message

DBC_PATH = Path(__file__).resolve().parents[2] / "assets" / "can" / "pylon_lv.dbc"

#: The DBC node of the master battery; the inverter is ``INV``.
BATTERY_NODE = "BMS"
#: DBC signal attribute: 1 = a conforming sender may leave this field out (shorter DLC).
OPTIONAL_ATTRIBUTE = "HmiOptional"


@dataclass(frozen=True, slots=True)
class FrameSpec:
    """One message of the table, with what the decoder needs precomputed."""

    message: Message
    #: Bytes a frame needs to carry every field that is not optional.
    required_bytes: int
    #: signal name → (minimum, maximum) physical value; outside it the value is dropped.
    ranges: dict[str, tuple[float | None, float | None]]

    @property
    def frame_id(self) -> int:
        return self.message.frame_id

    @property
    def name(self) -> str:
        return self.message.name

    @property
    def from_battery(self) -> bool:
        """Sent by the battery (DBC node ``BMS``), not by the inverter (``INV``)."""
        return BATTERY_NODE in self.message.senders


def _is_optional(signal) -> bool:
    attrs = signal.dbc.attributes if signal.dbc else {}
    attr = attrs.get(OPTIONAL_ATTRIBUTE)
    return bool(attr and attr.value)


def _required_bytes(message: Message) -> int:
    # Little-endian signals only (the table has no other kind): last bit = start + length - 1.
    ends = [(s.start + s.length + 7) // 8 for s in message.signals if not _is_optional(s)]
    return max(ends, default=0)


@functools.cache
def database(path: Path = DBC_PATH) -> Database:
    return cantools.database.load_file(str(path), strict=True)


@functools.cache
def frame_specs(path: Path = DBC_PATH) -> dict[int, FrameSpec]:
    """frame id → spec for every standard-id message in the DBC."""
    out: dict[int, FrameSpec] = {}
    for m in database(path).messages:
        out[m.frame_id] = FrameSpec(
            message=m, required_bytes=_required_bytes(m),
            ranges={s.name: (s.minimum, s.maximum) for s in m.signals})
    return out
