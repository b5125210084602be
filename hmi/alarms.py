"""What each alarm means, in the seed's abbreviations and in plain words.

The abbreviations are the appendix's (OCC, UTC, OTC, OCD, UTD, OTD, OV, UV, SC, RPSD
Activated, C-MOSfault, D-MOSfault); codes the appendix does not name get short forms in the
same style. Each entry says what tripped, which limit applies and what to check first,
because a home owner reading "UTC" at 6 a.m. in a cold garage needs the next step, not the
acronym.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from hmi.model import (TEMP_SENSORS, AlarmRecord, FaultFlag, ProtectionFlag, ProtectionLimits,
                       WarningFlag, alarm_code, flag_for_code)


@dataclass(frozen=True)
class AlarmInfo:
    abbreviation: str
    title: str
    #: "cell" (index is a cell number), "sensor" (a TEMP_SENSORS number), or "".
    where: str
    #: Unit of the value at trip: "mV", "°C", "A" or "".
    unit: str
    #: The limit a record's value is compared against, from the pack's limits.
    limit: Optional[Callable[[ProtectionLimits], float]]
    advice: str


_P, _F = ProtectionFlag, FaultFlag

CATALOGUE: dict[int, AlarmInfo] = {
    alarm_code(_P.CHARGE_OC): AlarmInfo(
        "OCC", "Charging over-current protection", "", "A", lambda l: l.charge_oc_protect_a,
        "Check the inverter's charge current limit against the battery's rating."),
    alarm_code(_P.CHARGE_UT): AlarmInfo(
        "UTC", "Charging low temperature protection", "sensor", "°C",
        lambda l: l.charge_ut_protect_c,
        "Too cold to charge. Charging resumes above the release temperature; warm the room."),
    alarm_code(_P.CHARGE_OT): AlarmInfo(
        "OTC", "Charging high temperature protection", "sensor", "°C",
        lambda l: l.charge_ot_protect_c,
        "Check ventilation around the battery and the charge current."),
    alarm_code(_P.DISCHARGE_OC): AlarmInfo(
        "OCD", "Discharge over-current protection", "", "A", lambda l: l.discharge_oc_protect_a,
        "Check the loads and the inverter's discharge current limit."),
    alarm_code(_P.DISCHARGE_UT): AlarmInfo(
        "UTD", "Discharge low temperature protection", "sensor", "°C",
        lambda l: l.discharge_ut_protect_c,
        "Too cold to discharge. Warm the room; discharge resumes above the release value."),
    alarm_code(_P.DISCHARGE_OT): AlarmInfo(
        "OTD", "Discharge high temperature protection", "sensor", "°C",
        lambda l: l.discharge_ot_protect_c,
        "Check ventilation and reduce the load."),
    alarm_code(_P.CELL_OV): AlarmInfo(
        "OV", "Single cell overvoltage protection", "cell", "mV",
        lambda l: l.cell_ov_protect_mv,
        "Check the inverter's charge voltage limit; a cell far above the others needs "
        "balancing or service."),
    alarm_code(_P.CELL_UV): AlarmInfo(
        "UV", "Single cell undervoltage protection", "cell", "mV",
        lambda l: l.cell_uv_protect_mv,
        "Charge the battery soon. Check the inverter's discharge cut-off."),
    alarm_code(_P.SHORT_CIRCUIT): AlarmInfo(
        "SC", "Short circuit protection", "", "A", None,
        "Switch off and check the DC cables and the inverter before restarting."),
    alarm_code(_P.PACK_OV): AlarmInfo(
        "POV", "Pack overvoltage protection", "", "", None,
        "Check the inverter's charge voltage limit."),
    alarm_code(_P.PACK_UV): AlarmInfo(
        "PUV", "Pack undervoltage protection", "", "", None,
        "Charge the battery soon."),
    alarm_code(_P.CHARGER_OV): AlarmInfo(
        "CHG-OV", "Charger overvoltage protection", "", "", None,
        "The charger's voltage is too high: check its settings."),
    alarm_code(_P.MOSFET_OT): AlarmInfo(
        "MOT", "MOSFET high temperature protection", "sensor", "°C",
        lambda l: l.mosfet_ot_protect_c,
        "Reduce the current; check the BMS is not covered and the fan (if fitted) runs."),
    alarm_code(_P.ENV_OT): AlarmInfo(
        "EOT", "Environment high temperature protection", "sensor", "°C",
        lambda l: l.env_ot_protect_c, "The room is too hot: improve ventilation."),
    alarm_code(_P.ENV_UT): AlarmInfo(
        "EUT", "Environment low temperature protection", "sensor", "°C",
        lambda l: l.env_ut_protect_c, "The room is too cold: warm it."),
    alarm_code(_F.CHARGE_MOS): AlarmInfo(
        "C-MOSfault", "Charge MOS fault", "", "", None,
        "The charge switch failed. Switch the battery off and call service."),
    alarm_code(_F.DISCHARGE_MOS): AlarmInfo(
        "D-MOSfault", "Discharge MOS fault", "", "", None,
        "The discharge switch failed. Switch the battery off and call service."),
    alarm_code(_F.TEMP_SENSOR): AlarmInfo(
        "NTC-fault", "Temperature sensor fault", "sensor", "", None,
        "A temperature sensor is open or shorted: check its plug on the BMS."),
    alarm_code(_F.RPSD): AlarmInfo(
        "RPSD Activated", "Emergency stop alarm", "", "", None,
        "The emergency stop (dry contact) is open. Release it when it is safe."),
    alarm_code(_F.CELL): AlarmInfo(
        "CELL-fault", "Cell fault", "cell", "", None,
        "Check the cell sense wiring (harnesses JA1/JA2)."),
    alarm_code(_F.AFE_COMM): AlarmInfo(
        "AFE-fault", "Measurement chip fault", "", "", None,
        "The BMS lost its measuring chip. Restart the battery; call service if it returns."),
}

WARNING_TITLES: dict[WarningFlag, str] = {
    WarningFlag.CELL_OV: "Cell voltage high",
    WarningFlag.CELL_UV: "Cell voltage low",
    WarningFlag.PACK_OV: "Pack voltage high",
    WarningFlag.PACK_UV: "Pack voltage low",
    WarningFlag.CHARGE_OC: "Charge current high",
    WarningFlag.DISCHARGE_OC: "Discharge current high",
    WarningFlag.CHARGE_OT: "Charge temperature high",
    WarningFlag.DISCHARGE_OT: "Discharge temperature high",
    WarningFlag.CHARGE_UT: "Charge temperature low",
    WarningFlag.DISCHARGE_UT: "Discharge temperature low",
    WarningFlag.ENV_OT: "Room temperature high",
    WarningFlag.ENV_UT: "Room temperature low",
    WarningFlag.MOSFET_OT: "MOSFET temperature high",
    WarningFlag.SOC_LOW: "State of charge low",
}


def info(code: int) -> AlarmInfo:
    known = CATALOGUE.get(code)
    if known is not None:
        return known
    return AlarmInfo(f"#{code}", f"Unknown alarm code {code}", "", "", None,
                     "The BMS reported a code this screen does not know: read it with the "
                     "vendor's PC tool.")


def abbreviation(flag: ProtectionFlag | FaultFlag) -> str:
    return info(alarm_code(flag)).abbreviation


def where_text(record: AlarmRecord) -> str:
    """"cell 7", "sensor Cell3", or "" — where the alarm tripped."""
    kind = info(record.code).where
    if kind == "cell" and record.index > 0:
        return f"cell {record.index}"
    if kind == "sensor" and 1 <= record.index <= len(TEMP_SENSORS):
        return TEMP_SENSORS[record.index - 1]
    return ""


def value_text(record: AlarmRecord) -> str:
    unit = info(record.code).unit
    if record.value is None or not unit:
        return ""
    if unit == "mV":
        return f"{record.value:.0f} mV"
    return f"{record.value:.1f} {unit}"


def explain(record: AlarmRecord, limits: ProtectionLimits) -> list[str]:
    """The plain-words lines of the alarm detail: what, where, value vs limit, advice."""
    i = info(record.code)
    lines = [i.title]
    where = where_text(record)
    if where:
        lines.append(f"Where: {where}")
    value = value_text(record)
    if value and i.limit is not None:
        lim = i.limit(limits)
        lim_s = f"{lim:.0f} mV" if i.unit == "mV" else f"{lim:.1f} {i.unit}"
        lines.append(f"Value at trip: {value} (limit {lim_s})")
    elif value:
        lines.append(f"Value at trip: {value}")
    if record.pack_voltage_v is not None and record.soc is not None:
        lines.append(f"Pack then: {record.pack_voltage_v:.2f} V, SOC {record.soc} %")
    lines.append(i.advice)
    return lines


def kind_of(code: int) -> Optional[ProtectionFlag | FaultFlag]:
    return flag_for_code(code)
