"""Speaking as the master battery: the system's frames, encoded with the same DBC.

:func:`master_frames` turns pack snapshots into the burst a master sends once a second,
from the same aggregate (:mod:`hmi.aggregate`) the HMI's own system page uses.
:class:`SimBroadcaster` sends that burst from a :class:`drivers.simbms.BatterySim` on any
python-can bus, so the simulator drives the CAN driver on ``virtual`` in one process, or a
real inverter or a second board on ``socketcan``::

    python -m drivers.can.broadcast --interface socketcan --channel can0 --packs 4
"""
from __future__ import annotations

import argparse
import logging
import threading
import time
from typing import Any, Iterable, Optional, Sequence

import can

from drivers.can.dbc import database
from drivers.can.decode import BIT_FLAGS
from hmi.aggregate import SystemSummary, summarize, to_system_snapshot
from hmi.model import (FaultFlag, LinkState, PackLink, PackSettings, PackSnapshot, PackView,
                       SystemSnapshot)

log = logging.getLogger(__name__)

MANUFACTURER = "PYLON"  # what inverters set to "Pylon" look for; padded to 8 with spaces

#: Pack flag names (protections, warnings) → the 0x359 flag that carries them.
CAN_FLAG_FOR: dict[str, str] = {
    "CELL_OV": "OVER_VOLTAGE", "PACK_OV": "OVER_VOLTAGE", "CHARGER_OV": "OVER_VOLTAGE",
    "CELL_UV": "UNDER_VOLTAGE", "PACK_UV": "UNDER_VOLTAGE",
    "CHARGE_OT": "OVER_TEMP", "DISCHARGE_OT": "OVER_TEMP", "MOSFET_OT": "OVER_TEMP",
    "ENV_OT": "OVER_TEMP",
    "CHARGE_UT": "UNDER_TEMP", "DISCHARGE_UT": "UNDER_TEMP", "ENV_UT": "UNDER_TEMP",
    "CHARGE_OC": "CHARGE_OC", "DISCHARGE_OC": "DISCHARGE_OC", "SHORT_CIRCUIT": "DISCHARGE_OC",
    **{f.name: "SYSTEM_ERROR" for f in FaultFlag},
}
# (kind, flag) → the first 0x359 bit for it (the table's bit, not a firmware's alternative).
_BIT_FOR: dict[tuple[str, str], str] = {}
for _sig, _key in BIT_FLAGS.items():
    _BIT_FOR.setdefault(_key, _sig)


def can_flags(names: Iterable[str]) -> frozenset[str]:
    """The 0x359 flags that pack flag names become (SOC_LOW, say, has none)."""
    return frozenset(CAN_FLAG_FOR[n] for n in names if n in CAN_FLAG_FOR)


def _frame(name: str, values: dict[str, Any], timestamp: float,
           length: Optional[int] = None) -> can.Message:
    message = database().get_message_by_name(name)
    clamped = {}
    for sig in message.signals:
        v = values.get(sig.name, 0)
        # A 30-pack system can exceed what an int16 of 0.1 A holds: send the limit, as a
        # real master does, rather than fail the burst.
        if sig.minimum is not None:
            v = max(sig.minimum, v)
        if sig.maximum is not None:
            v = min(sig.maximum, v)
        clamped[sig.name] = v
    data = message.encode(clamped)
    return can.Message(arbitration_id=message.frame_id, is_extended_id=False,
                       data=data[:length] if length is not None else data, timestamp=timestamp)


def _text(prefix: str, text: str, width: int = 8) -> dict[str, int]:
    raw = text.encode("ascii", "replace")[:width].ljust(width, b" ")
    return {f"{prefix}{i}": b for i, b in enumerate(raw)}


Plan = list[tuple[str, dict[str, Any], Optional[int]]]  # (message, values, DLC if short)


def master_frames(packs: Sequence[PackSnapshot], timestamp: float, *, offline: int = 0,
                  extensions: bool = True) -> list[can.Message]:
    """The burst a master sends for these live packs; empty when there are none.

    ``offline`` is how many configured packs are not answering (0x372 only).
    Frames are stamped ``timestamp`` plus 2 ms each, the spacing of a real burst.
    """
    summary = summarize(PackView(p.address, p, PackLink(LinkState.LIVE)) for p in packs)
    if not summary.included:
        return []
    plan = _base_plan(packs, summary, to_system_snapshot(summary, timestamp))
    if extensions:
        plan += _extension_plan(packs, summary, offline)
    return [_frame(name, values, timestamp + 0.002 * i, length)
            for i, (name, values, length) in enumerate(plan)]


def _base_plan(packs: Sequence[PackSnapshot], summary: SystemSummary,
               system: SystemSnapshot) -> Plan:
    settings = [p.settings or PackSettings() for p in packs]
    ccl = sum(s.charge_current_limit_a for p, s in zip(packs, settings) if p.charge_mos)
    dcl = sum(s.discharge_current_limit_a for p, s in zip(packs, settings) if p.discharge_mos)
    warnings = can_flags(w.name for p in packs for w in p.warnings)
    bits = {_BIT_FOR[("protections", f)]: 1 for f in can_flags(system.protections)}
    bits.update({_BIT_FOR[("alarms", f)]: 1 for f in warnings if ("alarms", f) in _BIT_FOR})
    return [
        ("Protections", {**bits, "PackCount": len(summary.included),
                         "Marker0": ord("P"), "Marker1": ord("N")}, None),
        ("Limits", {"ChargeVoltageLimit": min(s.charge_voltage_limit_v for s in settings),
                    "ChargeCurrentLimit": ccl, "DischargeCurrentLimit": dcl,
                    "DischargeVoltageLimit": max(s.discharge_voltage_limit_v for s in settings)},
         None),
        ("SocSoh", {"Soc": round(system.soc), "SocHighRes": system.soc,
                    "Soh": round(sum(p.soh for p in packs) / len(packs))}, None),
        # No temperature known: send the shorter frame rather than a made-up 0 °C.
        ("Measurements", {"Voltage": system.voltage_v, "Current": system.current_a,
                          "Temperature": system.temperature_c or 0.0},
         None if system.temperature_c is not None else 4),
        ("Requests", {"ChargeEnable": int(ccl > 0), "DischargeEnable": int(dcl > 0)}, None),
        ("Manufacturer", _text("Char", MANUFACTURER), None),
    ]


def _extension_plan(packs: Sequence[PackSnapshot], summary: SystemSummary,
                    offline: int) -> Plan:
    plan: Plan = [
        ("PackCounts", {"PacksOnline": len(summary.included),
                        "PacksBlockingCharge": sum(not p.charge_mos for p in packs),
                        "PacksBlockingDischarge": sum(not p.discharge_mos for p in packs),
                        "PacksOffline": offline}, None),
        ("InstalledCapacity", {"InstalledCapacity": round(sum(p.design_ah for p in packs))},
         None),
    ]
    lo_t, hi_t = summary.min_temp, summary.max_temp
    if summary.min_cell and summary.max_cell:
        plan += [
            ("CellExtremes", {"MinCellVoltage": summary.min_cell.value,
                              "MaxCellVoltage": summary.max_cell.value,
                              "MinTemperature": lo_t.value if lo_t else 0.0,
                              "MaxTemperature": hi_t.value if hi_t else 0.0},
             None if lo_t and hi_t else 4),
            ("MinCellVoltageName", _text("Char", summary.min_cell.place), None),
            ("MaxCellVoltageName", _text("Char", summary.max_cell.place), None),
        ]
    if lo_t and hi_t:
        plan += [("MinTemperatureName", _text("Char", lo_t.place), None),
                 ("MaxTemperatureName", _text("Char", hi_t.place), None)]
    return plan


def sim_frames(sim: Any, timestamp: float, extensions: bool = True) -> list[can.Message]:
    """The master's burst for a BatterySim as it stands now."""
    packs = sim.snapshots()
    return master_frames(packs, timestamp, offline=len(sim.addresses) - len(packs),
                         extensions=extensions)


class SimBroadcaster:
    """Steps a simulator one period at a time and sends its master's burst on a bus.

    ``speed`` > 1 runs simulated time faster than the wall clock (one burst per simulated
    period still). Owns the simulator while running: nothing else should step it.
    """

    def __init__(self, sim: Any, bus: can.BusABC, period_s: float = 1.0, speed: float = 1.0,
                 extensions: bool = True):
        self.sim = sim
        self.bus = bus
        self.period_s = period_s
        self.speed = speed
        self.extensions = extensions
        self.sent = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def send_once(self) -> list[can.Message]:
        frames = sim_frames(self.sim, time.time(), self.extensions)
        for f in frames:
            self.bus.send(f)
        self.sent += len(frames)
        return frames

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sim broadcaster")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.send_once()
            except can.CanError as exc:  # no receiver, bus-off: a real master keeps going
                log.warning("broadcast failed: %s", exc)
            self.sim.step(dt=self.period_s)
            next_at += self.period_s / self.speed
            self._stop.wait(max(0.0, next_at - time.monotonic()))


def main(argv: Optional[list[str]] = None) -> None:
    from drivers.simbms import BatterySim

    ap = argparse.ArgumentParser(description="Broadcast a simulated master battery on CAN.")
    ap.add_argument("--interface", default="socketcan")
    ap.add_argument("--channel", default="can0")
    ap.add_argument("--bitrate", type=int, default=500_000)
    ap.add_argument("--packs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scenario", default="day")
    ap.add_argument("--speed", type=float, default=1.0)
    args = ap.parse_args(argv)
    sim = BatterySim(packs=args.packs, seed=args.seed, scenario=args.scenario)
    with can.Bus(interface=args.interface, channel=args.channel, bitrate=args.bitrate) as bus:
        caster = SimBroadcaster(sim, bus, speed=args.speed)
        caster.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            caster.stop()


if __name__ == "__main__":
    main()
