"""CAN frames → one running :class:`SystemSnapshot`, and counts of everything odd.

Each known frame id contributes the fields it carries; its latest frame replaces its
previous contribution whole, so a field a shorter frame no longer carries becomes ``None``
instead of keeping an old value. A frame id that falls silent for ``expire_s`` stops
contributing. Nothing a bus can put on the wire raises out of :meth:`SystemDecoder.feed`.

Flag vocabulary (``SystemSnapshot.protections`` = tripped, ``.alarms`` = warning level),
shared by 0x359 and the 0x35A extension; see :data:`FLAG_TEXT`.
"""
from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

import can
from cantools.database.errors import DecodeError

from drivers.can.dbc import FrameSpec, frame_specs
from hmi.model import SystemSnapshot

#: Plain words for every flag name this decoder can put into protections or alarms.
FLAG_TEXT: dict[str, str] = {
    "OVER_VOLTAGE": "cell or module voltage high",
    "UNDER_VOLTAGE": "cell or module voltage low",
    "OVER_TEMP": "temperature high",
    "UNDER_TEMP": "temperature low",
    "CHARGE_OVER_TEMP": "temperature too high to charge",
    "CHARGE_UNDER_TEMP": "temperature too low to charge",
    "DISCHARGE_OC": "discharge current high",
    "CHARGE_OC": "charge current high",
    "SHORT_CIRCUIT": "short circuit",
    "CONTACTOR": "contactor fault",
    "CELL_IMBALANCE": "cells out of balance",
    "SYSTEM_ERROR": "BMS system error",
    "COMM_FAIL": "internal communication failure",
    "GENERAL": "general alarm",
}

# 0x359: one bit per flag; two bits name the same flag where firmwares disagree on the bit.
BIT_FLAGS: dict[str, tuple[str, str]] = {
    "ProtCellOverVoltage": ("protections", "OVER_VOLTAGE"),
    "ProtCellUnderVoltage": ("protections", "UNDER_VOLTAGE"),
    "ProtOverTemp": ("protections", "OVER_TEMP"),
    "ProtUnderTemp": ("protections", "UNDER_TEMP"),
    "ProtDischargeOverCurrent": ("protections", "DISCHARGE_OC"),
    "ProtChargeOverCurrent": ("protections", "CHARGE_OC"),
    "ProtSystemError": ("protections", "SYSTEM_ERROR"),
    "ProtSystemErrorAlt": ("protections", "SYSTEM_ERROR"),
    "AlarmHighVoltage": ("alarms", "OVER_VOLTAGE"),
    "AlarmLowVoltage": ("alarms", "UNDER_VOLTAGE"),
    "AlarmHighTemp": ("alarms", "OVER_TEMP"),
    "AlarmLowTemp": ("alarms", "UNDER_TEMP"),
    "AlarmDischargeHighCurrent": ("alarms", "DISCHARGE_OC"),
    "AlarmChargeHighCurrent": ("alarms", "CHARGE_OC"),
    "AlarmCommFail": ("alarms", "COMM_FAIL"),
    "AlarmCommFailAlt": ("alarms", "COMM_FAIL"),
}

# 0x35A: 2-bit pairs, "Alarm*" = tripped, "Warn*" = warning; only the value 2 means active.
PAIR_FLAGS: dict[str, str] = {
    "General": "GENERAL", "HighVoltage": "OVER_VOLTAGE", "LowVoltage": "UNDER_VOLTAGE",
    "HighTemp": "OVER_TEMP", "LowTemp": "UNDER_TEMP",
    "HighTempCharge": "CHARGE_OVER_TEMP", "LowTempCharge": "CHARGE_UNDER_TEMP",
    "HighCurrent": "DISCHARGE_OC", "HighChargeCurrent": "CHARGE_OC",
    "Contactor": "CONTACTOR", "ShortCircuit": "SHORT_CIRCUIT",
    "BmsInternal": "SYSTEM_ERROR", "CellImbalance": "CELL_IMBALANCE",
}
PAIR_ACTIVE = 2

# signal → field, per message. Fields that SystemSnapshot lacks land in extras().
_RENAMES: dict[str, dict[str, str]] = {
    "Limits": {"ChargeVoltageLimit": "charge_voltage_limit_v",
               "ChargeCurrentLimit": "charge_current_limit_a",
               "DischargeCurrentLimit": "discharge_current_limit_a",
               "DischargeVoltageLimit": "discharge_voltage_limit_v"},
    "SocSoh": {"Soh": "soh"},
    "Measurements": {"Voltage": "voltage_v", "Current": "current_a",
                     "Temperature": "temperature_c"},
    "Protections": {"PackCount": "packs"},
    "BatteryInfo": {"HardwareVersion": "hardware_version",
                    "FirmwareVersion": "firmware_version", "Capacity": "capacity_ah"},
    "PackCounts": {"PacksOnline": "packs_online", "PacksBlockingCharge": "packs_blocking_charge",
                   "PacksBlockingDischarge": "packs_blocking_discharge",
                   "PacksOffline": "packs_offline"},
    "CellExtremes": {"MinCellVoltage": "min_cell_mv", "MaxCellVoltage": "max_cell_mv",
                     "MinTemperature": "min_temp_c", "MaxTemperature": "max_temp_c"},
    "Energy": {"ChargedEnergy": "charged_kwh", "DischargedEnergy": "discharged_kwh"},
    "InstalledCapacity": {"InstalledCapacity": "installed_capacity_ah"},
}
_BOOLS: dict[str, str] = {
    "ChargeEnable": "charge_enable", "DischargeEnable": "discharge_enable",
    "ForceCharge1": "force_charge_1", "ForceCharge2": "force_charge_2",
    "FullChargeRequest": "full_charge_request",
}
# message → (signal-name prefix of its characters, field)
_TEXTS: dict[str, tuple[str, str]] = {
    "Manufacturer": ("Char", "manufacturer"),
    "MinCellVoltageName": ("Char", "min_cell_name"),
    "MaxCellVoltageName": ("Char", "max_cell_name"),
    "MinTemperatureName": ("Char", "min_temp_name"),
    "MaxTemperatureName": ("Char", "max_temp_name"),
    "BatteryInfo": ("Chemistry", "chemistry"),
}

#: Frames of the base table; where an extension says the same thing, these win.
BASE_IDS = frozenset({0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E, 0x305})
_SNAPSHOT_FIELDS = frozenset(f.name for f in dataclasses.fields(SystemSnapshot))


class Malformed(ValueError):
    """A known frame whose payload cannot be used at all."""


@dataclass(frozen=True, slots=True)
class CanCounters:
    """What the link carried, for the diagnostics page.

    ``frames == decoded + unknown + malformed + error_frames``; ``short`` and
    ``out_of_range`` count decoded frames that were only partly usable; ``unreadable``
    counts recording lines that held no frame at all (replay).
    """

    frames: int = 0
    decoded: int = 0
    unknown: int = 0
    malformed: int = 0
    error_frames: int = 0
    short: int = 0
    out_of_range: int = 0
    unreadable: int = 0
    published: int = 0
    bus_errors: int = 0
    reconnects: int = 0
    by_id: dict[int, int] = field(default_factory=dict)
    last_frame: str = ""
    last_problem: str = ""


@dataclass(frozen=True, slots=True)
class _Contribution:
    timestamp: float
    fields: dict[str, Any]
    protections: frozenset[str] = frozenset()
    alarms: frozenset[str] = frozenset()


def frame_text(msg: can.Message) -> str:
    """The frame as candump writes it (``356#8E14F9FFB400``), for logs and the UI."""
    if msg.is_error_frame:
        return "error frame"
    ident = f"{msg.arbitration_id:08X}" if msg.is_extended_id else f"{msg.arbitration_id:03X}"
    return f"{ident}#R" if msg.is_remote_frame else f"{ident}#{bytes(msg.data).hex().upper()}"


def _text(signals: dict[str, Any], prefix: str) -> Optional[str]:
    chars = []
    for i in range(8):
        c = signals.get(f"{prefix}{i}")
        if c is None or c == 0:  # absent (short frame) or NUL padding ends the text
            break
        if not 0x20 <= c < 0x7F:
            raise Malformed(f"non-ASCII byte 0x{c:02X} in text")
        chars.append(chr(c))
    return "".join(chars).strip() or None


def _interpret(spec: FrameSpec, signals: dict[str, Any], timestamp: float) -> _Contribution:
    """Give decoded signal values their HMI meaning (field names, flags, text)."""
    name = spec.name
    fields: dict[str, Any] = {}
    for sig, fld in _RENAMES.get(name, {}).items():
        if sig in signals:
            fields[fld] = signals[sig]
    for sig, fld in _BOOLS.items():
        if sig in signals:
            fields[fld] = bool(signals[sig])
    if name in _TEXTS:
        prefix, fld = _TEXTS[name]
        fields[fld] = _text(signals, prefix)
    if name == "SocSoh":
        soc = signals.get("SocHighRes", signals.get("Soc"))
        fields["soc"] = None if soc is None else float(soc)
    if "soh" in fields:
        fields["soh"] = float(fields["soh"])
    if name == "PackCounts" and "packs_online" in fields:
        fields["packs"] = fields["packs_online"]
    sets: dict[str, set[str]] = {"protections": set(), "alarms": set()}
    if name == "Protections":
        for sig, (kind, flag) in BIT_FLAGS.items():
            if signals.get(sig):
                sets[kind].add(flag)
    elif name == "SmaAlarms":
        for suffix, flag in PAIR_FLAGS.items():
            if signals.get(f"Alarm{suffix}") == PAIR_ACTIVE:
                sets["protections"].add(flag)
            if signals.get(f"Warn{suffix}") == PAIR_ACTIVE:
                sets["alarms"].add(flag)
    return _Contribution(timestamp, fields, frozenset(sets["protections"]),
                         frozenset(sets["alarms"]))


class SystemDecoder:
    """Feeds on received messages; builds the system snapshot the master broadcast.

    Thread-safe: a driver thread feeds while the UI thread reads counters.
    """

    def __init__(self, expire_s: float = 10.0):
        self.expire_s = expire_s
        self._specs = frame_specs()
        self._lock = threading.Lock()
        self._contrib: dict[int, _Contribution] = {}
        self._latest: Optional[float] = None
        self._counts = dict(frames=0, decoded=0, unknown=0, malformed=0, error_frames=0,
                            short=0, out_of_range=0, unreadable=0)
        self._by_id: dict[int, int] = {}
        self._last_frame = ""
        self._last_problem = ""

    # -- feeding -----------------------------------------------------------------------
    def feed(self, msg: can.Message) -> bool:
        """Take one received message; True if it added to the system view."""
        with self._lock:
            self._counts["frames"] += 1
            self._last_frame = frame_text(msg)
            if msg.is_error_frame:
                self._counts["error_frames"] += 1
                return False
            self._by_id[msg.arbitration_id] = self._by_id.get(msg.arbitration_id, 0) + 1
            spec = None if msg.is_extended_id else self._specs.get(msg.arbitration_id)
            if spec is None:
                self._counts["unknown"] += 1
                return False
            try:
                contribution = self._decode(spec, msg)
            except Malformed as exc:
                self._counts["malformed"] += 1
                self.note_problem(f"0x{spec.frame_id:03X} {spec.name}: {exc}")
                return False
            self._counts["decoded"] += 1
            # The inverter's keep-alive goes on while the battery is silent: it must not
            # make the battery's link look alive.
            if not spec.from_battery:
                return False
            self._accept(spec.frame_id, contribution)
            return True

    def _decode(self, spec: FrameSpec, msg: can.Message) -> _Contribution:
        if msg.is_remote_frame:
            raise Malformed("remote frame")
        if not math.isfinite(msg.timestamp):
            # A recording can say "(nan)": as the newest time it would expire every field
            # heard before or after it, for good.
            raise Malformed(f"timestamp {msg.timestamp} is not a time")
        if msg.is_fd:
            raise Malformed("CAN FD frame on a classic CAN link")
        data = bytes(msg.data)
        if len(data) < spec.required_bytes:
            self._counts["short"] += 1
            self.note_problem(f"0x{spec.frame_id:03X} {spec.name}: {len(data)} bytes, "
                              f"the table needs {spec.required_bytes}")
        try:
            signals = spec.message.decode(data, decode_choices=False, allow_truncated=True)
        except (DecodeError, ValueError) as exc:
            raise Malformed(str(exc)) from exc
        if spec.message.signals and not signals:
            raise Malformed(f"{len(data)} bytes carry no whole field")
        usable = {}
        for sig, value in signals.items():
            # cantools scales in binary floating point: 0.1 * 568 is 56.800000000000004.
            if isinstance(value, float):
                value = round(value, 6)
            lo, hi = spec.ranges[sig]
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                self._counts["out_of_range"] += 1
                self.note_problem(f"0x{spec.frame_id:03X} {sig} = {value:g} outside {lo}..{hi}")
                continue
            usable[sig] = value
        return _interpret(spec, usable, msg.timestamp)

    def _accept(self, frame_id: int, contribution: _Contribution) -> None:
        ts = contribution.timestamp
        # A replay that loops, or a clock set back: what was heard "later" is from before.
        if self._latest is not None and ts < self._latest - 1.0:
            self._contrib.clear()
            self._latest = None
        self._contrib[frame_id] = contribution
        self._latest = ts if self._latest is None else max(self._latest, ts)

    def note_problem(self, text: str) -> None:
        """Remember the latest thing that went wrong on the link, for the diagnostics page."""
        self._last_problem = text  # one reference assignment: no lock needed

    def note_unreadable(self, text: str) -> None:
        """A recording line that held no frame (replay): counted, and the latest problem."""
        with self._lock:
            self._counts["unreadable"] += 1
        self.note_problem(text)

    # -- reading -----------------------------------------------------------------------
    def _current(self) -> list[tuple[int, _Contribution]]:
        if self._latest is None:
            return []
        horizon = self._latest - self.expire_s
        live = [(fid, c) for fid, c in self._contrib.items() if c.timestamp >= horizon]
        # Extensions first, so the base table wins where both say the same thing.
        return sorted(live, key=lambda item: (item[0] in BASE_IDS, item[0]))

    def snapshot(self) -> Optional[SystemSnapshot]:
        """The system as heard so far; ``None`` before any known frame."""
        with self._lock:
            current = self._current()
            if not current:
                return None
            merged: dict[str, Any] = {}
            protections: set[str] = set()
            alarms: set[str] = set()
            for _, c in current:
                merged.update(c.fields)
                protections |= c.protections
                alarms |= c.alarms
            kept = {k: v for k, v in merged.items() if k in _SNAPSHOT_FIELDS}
            return SystemSnapshot(timestamp=self._latest, protections=frozenset(protections),
                                  alarms=frozenset(alarms), **kept)

    def extras(self) -> dict[str, Any]:
        """Values the link carried that SystemSnapshot has no field for (0x35F, 0x372, ...)."""
        with self._lock:
            out: dict[str, Any] = {}
            for _, c in self._current():
                out.update((k, v) for k, v in c.fields.items() if k not in _SNAPSHOT_FIELDS)
            return out

    def counters(self, **more: int) -> CanCounters:
        """A copy of the counts; ``more`` adds the link's own (published, bus_errors, ...)."""
        with self._lock:
            return CanCounters(**self._counts, by_id=dict(self._by_id),
                               last_frame=self._last_frame, last_problem=self._last_problem,
                               **more)
