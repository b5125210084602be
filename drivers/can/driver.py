"""The live CAN source: ``can:INTERFACE[:CHANNEL][?option=value&...]``.

Examples::

    can:socketcan:can0                      the panel's own CAN port (bitrate set by ip link)
    can:pcan:PCAN_USBBUS1?bitrate=250000    any python-can interface, by its name
    can:slcan:/dev/ttyACM0@115200
    can:virtual:demo?sim=4&scenario=day     in one process: a simulated master on the same bus
    can:socketcan:can0?record=site.log      record what the link carries (.log, .asc, .blf)

Options: ``bitrate`` (default 500000), ``silence`` (seconds without a frame before the
link is lost, default 5), ``record`` (file), ``sim``/``seed``/``scenario`` (broadcast a
simulated master of that many packs); anything else goes to ``can.Bus`` as a keyword.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Optional, Union

import can

from drivers.base import DriverABC, DriverError, parse_options
from drivers.can.decode import CanCounters, SystemDecoder
from drivers.can.link import LinkLoop
from drivers.can.record import Recorder, recording_suffix
from hmi.bus import DataBus, Freshness

log = logging.getLogger(__name__)

DEFAULT_BITRATE = 500_000
DEFAULT_SILENCE_S = 5.0


def split_query(arg: str) -> tuple[str, dict[str, str]]:
    """``"socketcan:can0?a=1&b=2"`` → ("socketcan:can0", {"a": "1", "b": "2"})."""
    head, _, query = arg.partition("?")
    return head.strip(), parse_options(query.replace("&", ","))


def number(value: str, name: str, kind: type = float, positive: bool = True) -> Any:
    try:
        out = kind(value)
    except ValueError:
        raise DriverError(f"option {name}={value!r} should be a number") from None
    if positive and out <= 0:
        raise DriverError(f"option {name}={value!r} should be more than 0")
    return out


def _bus_value(value: str) -> Any:
    """``"1"`` → 1, ``"0.5"`` → 0.5, ``"true"`` → True; other text stays text."""
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _simulate_options(opts: dict[str, str]) -> dict[str, Any]:
    """Pop ``sim``/``seed``/``scenario`` into BatterySim keywords, checked now, not later."""
    from drivers.simbms import SCENARIOS
    scenario = opts.pop("scenario", "day")
    if scenario not in SCENARIOS:
        raise DriverError(f"unknown scenario {scenario!r}; choose one of "
                          f"{', '.join(sorted(SCENARIOS))}")
    return {"packs": number(opts.pop("sim"), "sim", int),
            "seed": number(opts.pop("seed", "7"), "seed", int, positive=False),
            "scenario": scenario}


def link_freshness(silence_s: float) -> Freshness:
    """Grey after half the silence, withdrawn after all of it."""
    return Freshness(stale_after_s=silence_s / 2, lost_after_s=silence_s)


class CanDriver(DriverABC):
    """Listens to a master battery's inverter frames and publishes the system.

    Only the system summary exists on this link: packs and cells stay "not available".
    """

    name = "can"

    def __init__(self, interface: str, channel: Optional[str] = None, *,
                 bitrate: int = DEFAULT_BITRATE, silence_s: float = DEFAULT_SILENCE_S,
                 record_path: Union[str, Path, None] = None,
                 bus_options: Optional[dict[str, Any]] = None,
                 simulate: Optional[dict[str, Any]] = None,
                 bus_factory: Callable[..., can.BusABC] = can.Bus):
        if record_path is not None:
            recording_suffix(record_path)
        self.interface = interface
        self.channel = channel
        self.bitrate = bitrate
        self.silence_s = silence_s
        self.record_path = record_path
        self.bus_options = dict(bus_options or {})
        self.simulate = simulate
        self.freshness = link_freshness(silence_s)
        self._factory = bus_factory
        self.describe = f"{interface} {channel}" if channel else interface
        self.decoder = SystemDecoder(expire_s=2 * silence_s)
        self.loop = LinkLoop(self._open_bus, self.describe, self.decoder, silence_s)
        self.bus: Optional[DataBus] = None
        self._broadcaster = None

    @classmethod
    def from_source(cls, arg: str) -> "CanDriver":
        head, opts = split_query(arg)
        interface, _, channel = head.partition(":")
        interface = interface.strip().lower()
        if not interface:
            raise DriverError("write can:INTERFACE:CHANNEL, e.g. can:socketcan:can0 or "
                              "can:virtual:demo")
        if interface not in can.interfaces.VALID_INTERFACES:
            raise DriverError(f"unknown python-can interface {interface!r}; choose one of "
                              f"{', '.join(sorted(can.interfaces.VALID_INTERFACES))}")
        simulate = _simulate_options(opts) if "sim" in opts else None
        return cls(interface, channel.strip() or None,
                   bitrate=number(opts.pop("bitrate", str(DEFAULT_BITRATE)), "bitrate", int),
                   silence_s=number(opts.pop("silence", str(DEFAULT_SILENCE_S)), "silence"),
                   record_path=opts.pop("record", None) or None,
                   bus_options={k: _bus_value(v) for k, v in opts.items()},
                   simulate=simulate)

    # -- DriverABC -----------------------------------------------------------------------
    def start(self, bus: DataBus) -> None:
        self.bus = bus
        if self.record_path is not None:
            self.start_recording(self.record_path)
        if self.simulate is not None:
            self._start_simulated_master(bus)
        self.loop.start(bus)

    def stop(self) -> None:
        self.loop.stop()
        if self._broadcaster is not None:
            self._broadcaster.stop()
            self._broadcaster.bus.shutdown()
            self._broadcaster = None

    # -- what the app and the diagnostics page use -----------------------------------------
    @property
    def connected(self) -> bool:
        """True while the CAN interface is open and being read."""
        return self.loop.is_open

    def counters(self) -> CanCounters:
        """Frames, decoded, unknown, malformed, error frames, ... and the last raw frame."""
        return self.loop.counters()

    def extras(self) -> dict[str, Any]:
        """Decoded values SystemSnapshot has no field for (cell names, energy, versions)."""
        return self.decoder.extras()

    def start_recording(self, path: Union[str, Path]) -> Optional[Recorder]:
        """Record from now on to ``path``; None (and the reason logged) if it cannot open."""
        try:
            recorder = Recorder(path)
        except (OSError, ValueError, DriverError) as exc:
            log.error("cannot record to %s: %s", path, exc)
            self.decoder.note_problem(f"cannot record to {path}: {exc}")
            return None
        self.loop.set_listener(recorder)
        return recorder

    def stop_recording(self) -> None:
        self.loop.set_listener(None)

    # -- internals -----------------------------------------------------------------------
    def _open_bus(self) -> can.BusABC:
        return self._factory(interface=self.interface, channel=self.channel,
                             bitrate=self.bitrate, **self.bus_options)

    def _start_simulated_master(self, bus: DataBus) -> None:
        from drivers.can.broadcast import SimBroadcaster
        from drivers.simbms import BatterySim
        try:
            sim = BatterySim(**self.simulate)
            sim_bus = self._open_bus()
        except Exception as exc:  # the link itself still starts and says what it hears
            log.exception("simulated master")
            bus.report_problem(None, f"cannot start the simulated master: {exc}")
            return
        self._broadcaster = SimBroadcaster(sim, sim_bus)
        self._broadcaster.start()
