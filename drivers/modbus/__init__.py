"""RS485 Modbus RTU link to PS-20016S packs: ``modbus:/dev/ttyUSB0?packs=1-4``.

Modules, one job each: ``regmap`` (the register table), ``codec`` (registers ↔ snapshots),
``frames`` (RTU bytes), ``link`` (one port as a master, counters), ``driver`` (the poll
thread), ``source`` (the source string), ``capture`` (record and decode the raw link),
``slave`` (the simulator served as Modbus slaves: ``python -m drivers.modbus.slave``).
"""
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.link import LinkCounters
from drivers.modbus.source import ModbusOptions, parse_source

__all__ = ["ModbusDriver", "LinkCounters", "ModbusOptions", "parse_source"]
