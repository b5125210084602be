"""The pack's configuration block: defaults, identity strings, and range-checked writes."""
from __future__ import annotations

import math
import random
from dataclasses import replace

from hmi.model import ADDRESS_RANGE, CHARGE_VOLTAGE_LIMIT_RANGE_V, PackSettings

FIRMWARE = "PS16S-V6.0"
PROTOCOL_IDS = range(0, 23)        # modbus.md protocol table, 0 Pylon CAN .. 22 Fronius
ADDRESSES = range(ADDRESS_RANGE[0], ADDRESS_RANGE[1] + 1)
CHARGE_LIMIT_V = CHARGE_VOLTAGE_LIMIT_RANGE_V      # register 41, in 0.1 V steps
WRITABLE = ("protocol_id", "address", "charge_voltage_limit_v")


def default_settings(address: int, cells: int, rng: random.Random,
                     firmware: str = FIRMWARE) -> PackSettings:
    # Charger limits scale with the string: 3.5 V and 2.5 V per cell (56.0 / 40.0 at 16S).
    return PackSettings(
        cells_in_series=cells, protocol_id=0, address=address,
        charge_voltage_limit_v=round(3.5 * cells, 1),
        discharge_voltage_limit_v=round(2.5 * cells, 1),
        charge_current_limit_a=200, discharge_current_limit_a=200, firmware=firmware,
        bms_serial=f"PS20016S-2605{rng.randrange(10000):04d}",
        pack_serial=f"LFP{cells * 32 // 10}V200-26{rng.randrange(100000):05d}")


def _integer(name: str, value: object, allowed: range) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if int(value) not in allowed:
        raise ValueError(f"{name} {int(value)} out of range {allowed.start}..{allowed.stop - 1}")
    return int(value)


def _charge_limit(value: object) -> float:
    lo, hi = CHARGE_LIMIT_V
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value)):
        raise ValueError(f"charge_voltage_limit_v must be a number of volts, got {value!r}")
    tenths = round(value * 10)
    if abs(value * 10 - tenths) > 1e-6:
        raise ValueError(f"charge_voltage_limit_v {value} is not a multiple of 0.1 V")
    if not lo * 10 <= tenths <= hi * 10:
        raise ValueError(f"charge_voltage_limit_v {value} V out of range {lo}..{hi} V")
    return tenths / 10


def apply_changes(settings: PackSettings, changes: dict[str, object]) -> PackSettings:
    """The settings after a write; raises ValueError (and changes nothing) on any bad key."""
    unknown = sorted(set(changes) - set(WRITABLE))
    if unknown:
        raise ValueError(f"cannot write {', '.join(map(repr, unknown))}; "
                         f"writable settings: {', '.join(WRITABLE)}")
    checked: dict[str, object] = {}
    for name, value in changes.items():
        if name == "protocol_id":
            checked[name] = _integer(name, value, PROTOCOL_IDS)
        elif name == "address":
            checked[name] = _integer(name, value, ADDRESSES)
        else:
            checked[name] = _charge_limit(value)
    if all(getattr(settings, k) == v for k, v in checked.items()):
        return settings
    return replace(settings, **checked)
