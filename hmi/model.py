"""Immutable snapshots of what a BMS reported: the one shape every driver produces.

Plain Python, no pygame: drivers build these, the bus carries them, pages read them.
A snapshot is never mutated; a driver publishes a new one. Values a link did not carry
are ``None`` (never 0), so a page can say "—" instead of lying.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional

#: The seven temperature sensors, in the order every snapshot lists them.
TEMP_SENSORS: tuple[str, ...] = ("BMS", "Pack", "Cell1", "Cell2", "Cell3", "Cell4", "Environment")

MAX_CELLS = 16
MIN_CELLS = 8
MAX_PACKS = 30
HISTORY_CAPACITY = 50
#: What the inverter page may write (registers 40 and 41), inclusive.
ADDRESS_RANGE = (0, 50)
CHARGE_VOLTAGE_LIMIT_RANGE_V = (48.0, 60.0)


class WarningFlag(enum.IntEnum):
    """Register 9: a value is near its limit; nothing has been switched off yet."""

    CELL_OV = 0
    CELL_UV = 1
    PACK_OV = 2
    PACK_UV = 3
    CHARGE_OC = 4
    DISCHARGE_OC = 5
    CHARGE_OT = 8
    DISCHARGE_OT = 9
    CHARGE_UT = 10
    DISCHARGE_UT = 11
    ENV_OT = 12
    ENV_UT = 13
    MOSFET_OT = 14
    SOC_LOW = 15


class ProtectionFlag(enum.IntEnum):
    """Register 10: the BMS has opened a MOSFET. The value is also the alarm code."""

    CELL_OV = 0
    CELL_UV = 1
    PACK_OV = 2
    PACK_UV = 3
    CHARGE_OC = 4
    DISCHARGE_OC = 5
    SHORT_CIRCUIT = 6
    CHARGER_OV = 7
    CHARGE_OT = 8
    DISCHARGE_OT = 9
    CHARGE_UT = 10
    DISCHARGE_UT = 11
    MOSFET_OT = 12
    ENV_OT = 13
    ENV_UT = 14


class FaultFlag(enum.IntEnum):
    """Register 11, bits 0-5: hardware faults. Alarm code = 16 + value."""

    CHARGE_MOS = 0
    DISCHARGE_MOS = 1
    TEMP_SENSOR = 2
    RPSD = 3
    CELL = 4
    AFE_COMM = 5


FAULT_CODE_OFFSET = 16


def alarm_code(flag: ProtectionFlag | FaultFlag) -> int:
    """The code a history record carries for a protection or a fault."""
    if isinstance(flag, FaultFlag):
        return FAULT_CODE_OFFSET + int(flag)
    return int(flag)


def flag_for_code(code: int) -> ProtectionFlag | FaultFlag | None:
    """Inverse of :func:`alarm_code`; ``None`` for a code no table knows."""
    try:
        if code >= FAULT_CODE_OFFSET:
            return FaultFlag(code - FAULT_CODE_OFFSET)
        return ProtectionFlag(code)
    except ValueError:
        return None


class PackStatus(enum.Enum):
    CHARGE = "Charge"
    DISCHARGE = "Discharge"
    IDLE = "Idle"
    PROTECT = "Protect"
    OFFLINE = "Offline"


class LinkState(enum.Enum):
    LIVE = "live"
    STALE = "stale"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class ProtectionLimits:
    """Protection parameters, defaults from the seed's section 9 table.

    Voltages in mV, temperatures in °C, currents in A, delays in seconds. ``*_alarm`` is the
    warning level (register 9) a page colours amber; ``*_protect`` trips a MOSFET.
    """

    cell_ov_alarm_mv: int = 3600
    cell_ov_protect_mv: int = 3750
    cell_ov_release_mv: int = 3550
    cell_ov_delay_s: float = 4.0
    cell_uv_alarm_mv: int = 2800
    cell_uv_protect_mv: int = 2500
    cell_uv_release_mv: int = 2700
    cell_uv_delay_s: float = 4.0
    charge_oc_alarm_a: float = 190.0
    charge_oc_protect_a: float = 205.0
    charge_oc_delay_s: float = 8.0
    discharge_oc_alarm_a: float = 190.0
    discharge_oc_protect_a: float = 205.0
    discharge_oc_delay_s: float = 8.0
    oc_recovery_s: float = 30.0
    charge_ot_alarm_c: float = 60.0
    charge_ot_protect_c: float = 65.0
    charge_ot_release_c: float = 55.0
    charge_ut_alarm_c: float = 5.0
    charge_ut_protect_c: float = 2.0
    charge_ut_release_c: float = 5.0
    discharge_ot_alarm_c: float = 60.0
    discharge_ot_protect_c: float = 65.0
    discharge_ot_release_c: float = 55.0
    discharge_ut_alarm_c: float = -2.0
    discharge_ut_protect_c: float = -5.0
    discharge_ut_release_c: float = -2.0
    mosfet_ot_alarm_c: float = 90.0
    mosfet_ot_protect_c: float = 100.0
    mosfet_ot_release_c: float = 70.0
    env_ot_alarm_c: float = 55.0
    env_ot_protect_c: float = 65.0
    env_ut_alarm_c: float = -10.0
    env_ut_protect_c: float = -20.0
    balance_start_mv: int = 3500
    balance_active_on_mv: int = 150
    balance_active_off_mv: int = 50

    def temp_band(self, sensor: str) -> tuple[float, float, float, float]:
        """(protect low, alarm low, alarm high, protect high) °C for one named sensor."""
        if sensor in ("BMS", "Pack"):
            return (-40.0, -30.0, self.mosfet_ot_alarm_c, self.mosfet_ot_protect_c)
        if sensor == "Environment":
            return (self.env_ut_protect_c, self.env_ut_alarm_c, self.env_ot_alarm_c,
                    self.env_ot_protect_c)
        # Cells: below the charge UT limit charging is already blocked, so that is the
        # protect level a person must see, even though discharge still runs to -5 °C.
        return (self.charge_ut_protect_c, self.charge_ut_alarm_c, self.charge_ot_alarm_c,
                self.charge_ot_protect_c)


DEFAULT_LIMITS = ProtectionLimits()


@dataclass(frozen=True, slots=True)
class PackSettings:
    """The configuration block (registers 38-46, 150-179): what the inverter page edits."""

    cells_in_series: int = 16
    protocol_id: int = 0
    address: int = 1
    charge_voltage_limit_v: float = 56.0
    discharge_voltage_limit_v: float = 40.0
    charge_current_limit_a: int = 200
    discharge_current_limit_a: int = 200
    firmware: str = ""
    bms_serial: str = ""
    pack_serial: str = ""


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One stored history record (8 registers from 202 on).

    ``value`` is in the unit of the code: mV for cell voltages, °C for temperatures, A for
    currents; ``None`` where the record carries none. ``index`` is the cell (1-16) or
    sensor (1-7, in :data:`TEMP_SENSORS` order) number, 0 when the code names neither.
    """

    time: int
    code: int
    index: int = 0
    value: Optional[float] = None
    pack_voltage_v: Optional[float] = None
    soc: Optional[int] = None


@dataclass(frozen=True, slots=True)
class AlarmHistory:
    """The BMS's alarm history: newest first, at most 50 held, ``total`` ever stored."""

    total: int = 0
    records: tuple[AlarmRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class PackSnapshot:
    """Everything one pack reported at one moment. Never mutated; replaced."""

    address: int
    timestamp: float
    cells_mv: tuple[int, ...]
    temps_c: tuple[Optional[float], ...]
    current_a: float
    voltage_v: float
    soc: int
    soh: int = 100
    remaining_ah: float = 0.0
    full_ah: float = 0.0
    design_ah: float = 0.0
    cycles: int = 0
    #: Cells under balancing, as 0-based indices (cell 1 is 0).
    balancing: frozenset[int] = frozenset()
    charge_mos: bool = True
    discharge_mos: bool = True
    warnings: frozenset[WarningFlag] = frozenset()
    protections: frozenset[ProtectionFlag] = frozenset()
    faults: frozenset[FaultFlag] = frozenset()
    limits: ProtectionLimits = DEFAULT_LIMITS
    settings: Optional[PackSettings] = None
    history: Optional[AlarmHistory] = None
    #: Fields the link could not carry (exception reply, older firmware), by model path:
    #: "temps_c.BMS", "settings", "limits", "history", "settings.firmware", ... A page shows
    #: "—" with the reason; ``None`` values already say "missing", this says why.
    unavailable: frozenset[str] = frozenset()

    @property
    def cell_count(self) -> int:
        return len(self.cells_mv)

    @property
    def max_cell(self) -> tuple[int, int]:
        """(1-based cell number, mV) of the highest cell; the lowest number wins a tie."""
        i = max(range(len(self.cells_mv)), key=lambda k: (self.cells_mv[k], -k))
        return i + 1, self.cells_mv[i]

    @property
    def min_cell(self) -> tuple[int, int]:
        i = min(range(len(self.cells_mv)), key=lambda k: (self.cells_mv[k], k))
        return i + 1, self.cells_mv[i]

    @property
    def spread_mv(self) -> int:
        return self.max_cell[1] - self.min_cell[1]

    @property
    def status(self) -> PackStatus:
        if self.protections or self.faults:
            return PackStatus.PROTECT
        if self.current_a >= 0.5:
            return PackStatus.CHARGE
        if self.current_a <= -0.5:
            return PackStatus.DISCHARGE
        return PackStatus.IDLE

    @property
    def is_balancing(self) -> bool:
        return bool(self.balancing)

    @property
    def power_w(self) -> float:
        return self.voltage_v * self.current_a


@dataclass(frozen=True, slots=True)
class SystemSnapshot:
    """A whole parallel system as one summary, as CAN carries it (or as packs add up to).

    Fields a source did not carry are ``None``. ``packs`` is the count the source claims.
    """

    timestamp: float
    voltage_v: Optional[float] = None
    current_a: Optional[float] = None
    soc: Optional[float] = None
    soh: Optional[float] = None
    temperature_c: Optional[float] = None
    packs: Optional[int] = None
    charge_voltage_limit_v: Optional[float] = None
    discharge_voltage_limit_v: Optional[float] = None
    charge_current_limit_a: Optional[float] = None
    discharge_current_limit_a: Optional[float] = None
    min_cell_mv: Optional[int] = None
    max_cell_mv: Optional[int] = None
    min_temp_c: Optional[float] = None
    max_temp_c: Optional[float] = None
    #: Where the extremes are, as the BMS names them (CAN 0x374-0x377, e.g. "4-13").
    min_cell_name: Optional[str] = None
    max_cell_name: Optional[str] = None
    min_temp_name: Optional[str] = None
    max_temp_name: Optional[str] = None
    protections: frozenset[str] = frozenset()
    alarms: frozenset[str] = frozenset()
    charge_enable: Optional[bool] = None
    discharge_enable: Optional[bool] = None
    manufacturer: Optional[str] = None


@dataclass(frozen=True, slots=True)
class PackLink:
    """How fresh one pack's data is, as the bus judged it at a frame."""

    state: LinkState
    age_s: Optional[float] = None
    last_seen: Optional[float] = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PackView:
    address: int
    snapshot: Optional[PackSnapshot]
    link: PackLink

    @property
    def live(self) -> bool:
        return self.link.state is LinkState.LIVE and self.snapshot is not None


@dataclass(frozen=True, slots=True)
class BusState:
    """What one frame sees: every configured pack with its link, read once per frame."""

    now: float
    packs: tuple[PackView, ...]
    local_address: int = 1
    source: str = ""
    system: Optional[SystemSnapshot] = None
    system_link: Optional[PackLink] = None
    version: int = 0

    def pack(self, address: int) -> Optional[PackView]:
        for p in self.packs:
            if p.address == address:
                return p
        return None

    @property
    def local(self) -> Optional[PackView]:
        return self.pack(self.local_address) or (self.packs[0] if self.packs else None)

    @property
    def is_master(self) -> bool:
        return self.local_address == 1


@dataclass(frozen=True, slots=True)
class Command:
    """A request from the screen to the BMS (settings write, history clear).

    ``kind`` is ``"write_settings"`` (``changes``: field name → value of
    :class:`PackSettings`) or ``"clear_history"``.
    """

    id: int
    address: int
    kind: str
    changes: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class CommandResult:
    """The driver's answer: ``ok`` only after the BMS confirmed (read back equal)."""

    command_id: int
    ok: bool
    message: str = ""
    settings: Optional[PackSettings] = None
    history: Optional[AlarmHistory] = None
