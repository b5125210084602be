"""Register map, codec, RTU byte scanner, source string and capture format: no serial port."""
from __future__ import annotations

import math
from dataclasses import fields, replace

import pytest
from hypothesis import given, settings, strategies as st

from drivers.base import DriverError
from drivers.modbus import capture, codec, frames, regmap
from drivers.modbus.source import parse_source
from drivers.simbms import BatterySim, SCENARIOS
from hmi.model import (TEMP_SENSORS, AlarmHistory, AlarmRecord, FaultFlag, PackSettings,
                       PackSnapshot, ProtectionFlag, WarningFlag)

MAP = regmap.load()


def snap(**kw) -> PackSnapshot:
    base = dict(address=3, timestamp=1781510400.0, cells_mv=tuple(3300 + i for i in range(16)),
                temps_c=(31.5, 29.0, 24.1, 24.2, None, 23.9, -7.5), current_a=-42.17,
                voltage_v=52.93, soc=61, soh=98, remaining_ah=122.35, full_ah=199.5,
                design_ah=200.0, cycles=412, settings=PackSettings(address=3, firmware="FW-1",
                                                                    bms_serial="B1",
                                                                    pack_serial="P1"),
                history=AlarmHistory())
    base.update(kw)
    return PackSnapshot(**base)


def field_tolerance(path: str) -> float:
    """Half a register step: the most a value may move through the registers."""
    f = MAP.field(path)
    return float(f.scale) / 2 if f.scale != 1 else 0


def assert_same_within_scaling(got: PackSnapshot, want: PackSnapshot) -> None:
    """Every field equal, numbers to within half a register step of their scale."""
    assert got.address == want.address
    for name in ("current_a", "voltage_v", "remaining_ah", "full_ah", "design_ah"):
        assert math.isclose(getattr(got, name), getattr(want, name),
                            abs_tol=field_tolerance(name) + 1e-9), name
    for name in ("soc", "soh", "cycles", "cells_mv", "balancing", "charge_mos",
                 "discharge_mos", "warnings", "protections", "faults", "settings"):
        assert getattr(got, name) == getattr(want, name), name
    for sensor, g, w in zip(TEMP_SENSORS, got.temps_c, want.temps_c):
        assert (g is None) == (w is None), sensor
        if w is not None:
            assert math.isclose(g, w, abs_tol=0.05 + 1e-9), sensor
    for f in fields(got.limits):
        g, w = getattr(got.limits, f.name), getattr(want.limits, f.name)
        assert math.isclose(g, w, abs_tol=0.05 + 1e-9), f.name
    assert (got.history is None) == (want.history is None)
    if want.history is not None:
        assert got.history.total == want.history.total
        assert len(got.history.records) == len(want.history.records)
        for g, w in zip(got.history.records, want.history.records):
            assert (g.time, g.code, g.index, g.soc) == (w.time, w.code, w.index, w.soc)
            scale = float(codec.record_value_scale(w.code))
            assert (g.value is None) == (w.value is None)
            if w.value is not None:
                assert math.isclose(g.value, w.value, abs_tol=scale / 2 + 1e-9)
            assert math.isclose(g.pack_voltage_v, w.pack_voltage_v, abs_tol=0.005 + 1e-9)


def roundtrip(s: PackSnapshot) -> PackSnapshot:
    regs = codec.encode_pack(MAP, s)
    out = codec.decode_pack(MAP, s.address, regs, s.timestamp)
    assert out is not None
    return out


# -- the register map -------------------------------------------------------------------
def test_map_blocks_follow_the_shared_document():
    b = MAP.blocks
    assert (b["live"].first, b["live"].last, b["live"].fallback_last) == (0, 37, 36)
    assert (b["settings"].first, b["settings"].last) == (38, 46)
    assert (b["limits"].first, b["limits"].last) == (60, 111)
    assert (b["identity"].first, b["identity"].last) == (150, 179)
    assert (b["history_head"].first, b["history_head"].last) == (200, 201)
    assert (b["history"].first, b["history"].last) == (202, 601)
    assert MAP.record_stride == 8
    assert [b.name for b in MAP.blocks_read("sweep")] == ["live"]
    assert all(n <= regmap.MAX_READ for blk in b.values() for _, n in blk.chunks())
    assert sum(n for _, n in b["history"].chunks()) == 400


@pytest.mark.parametrize("bad, message", [
    ("live,sweep,0,1,float32,1,,,,,r,current_a,,,x", "unknown type"),
    ("live,sweep,0,1,uint16,1,,,,,r,current_a,,,x\nlive,sweep,1,1,uint16,1,,,,,r,current_a,,,y",
     "appears twice"),
    ("a,sweep,0,5,uint16,1,,,,,r,p1,,,x\nb,config,3,5,uint16,1,,,,,r,p2,,,y", "overlap"),
    ("live,often,0,1,uint16,1,,,,,r,current_a,,,x", "read must be"),
    ("live,sweep,0,1,flags:NoSuchEnum,1,,,,,r,warnings,,,x", "not in hmi.model"),
])
def test_map_errors_name_the_problem(bad, message):
    header = ("block,read,reg,count,type,scale,unit,absent,min,max,access,field,optional,"
              "default,description\n")
    with pytest.raises(regmap.RegMapError, match=message):
        regmap.parse(header + bad + "\n", "test.csv")


# -- codec -------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario, moment, packs", [
    ("mixed", "charging", 4), ("overcharge", "protect", 1), ("short", "protect", 1),
    ("cold", "discharge_blocked", 1), ("day", "balancing", 1)])
def test_simulator_snapshots_survive_the_registers(scenario, moment, packs):
    sim = BatterySim(packs=packs, seed=7, scenario=scenario)
    sim.run_until(SCENARIOS[scenario].moments[moment])
    for a in sim.addresses:
        want = sim.snapshot(a)
        got = roundtrip(want)
        assert got.unavailable == frozenset()
        assert_same_within_scaling(got, want)


def test_flags_are_sets_with_every_bit_in_place():
    s = snap(warnings=frozenset({WarningFlag.CELL_OV, WarningFlag.SOC_LOW,
                                 WarningFlag.CHARGE_OT}),
             protections=frozenset({ProtectionFlag.SHORT_CIRCUIT, ProtectionFlag.ENV_UT}),
             faults=frozenset({FaultFlag.RPSD, FaultFlag.CHARGE_MOS}),
             charge_mos=False, discharge_mos=True, balancing=frozenset({0, 15}),
             current_a=-42.17)
    regs = codec.encode_pack(MAP, s)
    assert regs[9] == (1 << 0) | (1 << 15) | (1 << 8)
    assert regs[10] == (1 << 6) | (1 << 14)
    # faults bits 3 and 0; discharging (bit 9, current < 0); discharge MOSFET on (bit 11)
    assert regs[11] == (1 << 3) | (1 << 0) | (1 << 9) | (1 << 11)
    assert regs[12] == 0x8001
    got = codec.decode_pack(MAP, 3, regs, 0.0)
    assert got.warnings == s.warnings and got.protections == s.protections
    assert got.faults == s.faults and got.balancing == s.balancing
    assert (got.charge_mos, got.discharge_mos) == (False, True)


def test_unknown_flag_bits_are_ignored_not_misread():
    regs = codec.encode_pack(MAP, snap())
    regs[9] |= 1 << 6   # a warning bit the map leaves unassigned
    regs[11] |= 1 << 7  # a status bit no field names
    got = codec.decode_pack(MAP, 3, regs, 0.0)
    assert got.warnings == frozenset() and got.faults == frozenset()


def test_absent_sensor_is_none_never_a_number():
    regs = codec.encode_pack(MAP, snap())
    assert regs[33] == 0x8000  # Cell3 (index 4 in TEMP_SENSORS order) is None
    assert regs[36] == (-75) & 0xFFFF  # Environment -7.5 °C
    regs[31] = 0x8000
    got = codec.decode_pack(MAP, 3, regs, 0.0)
    assert got.temps_c[TEMP_SENSORS.index("Cell1")] is None
    assert got.temps_c[TEMP_SENSORS.index("Cell3")] is None
    assert got.temps_c[TEMP_SENSORS.index("Environment")] == -7.5


def test_scaling_and_signs():
    regs = codec.encode_pack(MAP, snap(current_a=-150.25, voltage_v=53.07, remaining_ah=12.34))
    assert regs[0] == (-15025) & 0xFFFF
    assert (regs[1], regs[4]) == (5307, 1234)
    got = codec.decode_pack(MAP, 3, regs, 0.0)
    assert (got.current_a, got.voltage_v, got.remaining_ah) == (-150.25, 53.07, 12.34)


def test_text_registers_hold_two_characters_each():
    regs = codec.encode_pack(MAP, snap())
    assert regs[150] == (ord("F") << 8) | ord("W") and regs[152] == 0
    assert codec.decode_pack(MAP, 3, regs, 0.0).settings.firmware == "FW-1"


def test_cells_in_series_trims_the_cell_list():
    sim = BatterySim(packs=1, seed=3, cells=12)
    want = sim.snapshot(1)
    regs = codec.encode_pack(MAP, want)
    assert regs[38] == 12 and regs[15 + 11] > 0 and regs[15 + 12] == 0
    assert roundtrip(want).cells_mv == want.cells_mv and len(want.cells_mv) == 12
    live_only = {r: v for r, v in regs.items() if r <= 37}
    assert len(codec.decode_pack(MAP, 1, live_only, 0.0).cells_mv) == 12


def test_registers_not_carried_are_unavailable_not_defaults():
    regs = codec.encode_pack(MAP, snap())
    live = {r: v for r, v in regs.items() if r <= 36}  # a V1.3 board: no 37, no extension
    got = codec.decode_pack(MAP, 3, live, 0.0)
    assert got.settings is None and got.history is None
    assert got.temps_c[TEMP_SENSORS.index("BMS")] is None
    assert {"temps_c.BMS", "settings", "limits", "history"} <= got.unavailable
    partial = {r: v for r, v in regs.items() if not 150 <= r <= 179}
    got = codec.decode_pack(MAP, 3, partial, 0.0)
    assert got.settings is not None and got.settings.firmware == ""
    assert "settings.firmware" in got.unavailable and "settings" not in got.unavailable
    assert codec.decode_pack(MAP, 3, {r: v for r, v in regs.items() if r != 1}, 0.0) is None


def test_history_values_are_scaled_by_their_alarm_code():
    records = (AlarmRecord(1781511001, 6, 0, -2650.0, 52.87, 71),   # short circuit, A
               AlarmRecord(1781510999, 0, 3, 3776.0, 59.41, 100),   # cell OV, mV
               AlarmRecord(1781510998, 10, 6, -1.3, 52.0, 54),      # charge UT, °C
               AlarmRecord(1781510997, 16 + 3, 0, None, None, None))  # RPSD: no value
    s = snap(history=AlarmHistory(total=70000 % 65536, records=records))
    regs = codec.encode_pack(MAP, s)
    assert (regs[200], regs[201]) == (70000 % 65536, 4)
    assert (regs[202] << 16 | regs[203], regs[204], regs[205]) == (1781511001, 6, 0)
    assert regs[206] == (-26500) & 0xFFFF
    assert regs[206 + 8] == 3776 and regs[206 + 16] == (-13) & 0xFFFF
    assert (regs[206 + 24], regs[207 + 24], regs[208 + 24]) == (0x8000, 0xFFFF, 0xFFFF)
    assert codec.decode_pack(MAP, 3, regs, 0.0).history == s.history


def test_fifty_records_fit_and_no_more():
    recs = tuple(AlarmRecord(1781510000 + i, 1, 1, 2480.0, 40.0, 3) for i in range(55))
    regs = codec.encode_pack(MAP, snap(history=AlarmHistory(total=55, records=recs)))
    assert regs[201] == 50 and max(regs) == 601
    assert len(codec.decode_pack(MAP, 3, regs, 0.0).history.records) == 50


def test_settings_writes_are_range_checked():
    assert codec.encode_changes(MAP, {"charge_voltage_limit_v": 57.0, "protocol_id": 7}) == \
        {41: 570, 39: 7}
    assert codec.encode_changes(MAP, (("address", 0),)) == {40: 0}
    for bad, message in [({"charge_voltage_limit_v": 60.1}, "out of range 48-60"),
                         ({"charge_voltage_limit_v": 57.05}, "not a multiple"),
                         ({"address": 51}, "out of range"),
                         ({"protocol_id": -1}, "out of range"),
                         ({"cells_in_series": 15}, "cannot be written"),
                         ({"firmware": "x"}, "cannot be written"),
                         ({"colour": 1}, "not a setting"),
                         ({"address": "2"}, "must be a number")]:
        with pytest.raises(codec.RangeError, match=message):
            codec.encode_changes(MAP, bad)


temps = st.one_of(st.none(), st.integers(-400, 1200).map(lambda t: t / 10))
snapshots = st.builds(
    snap,
    cells_mv=st.lists(st.integers(1, 5000), min_size=16, max_size=16).map(tuple),
    temps_c=st.tuples(*[temps] * 7),
    current_a=st.integers(-32767, 32767).map(lambda c: c / 100),
    voltage_v=st.integers(0, 65535).map(lambda v: v / 100),
    soc=st.integers(0, 100), cycles=st.integers(0, 65535),
    balancing=st.frozensets(st.integers(0, 15)),
    warnings=st.frozensets(st.sampled_from(list(WarningFlag))),
    protections=st.frozensets(st.sampled_from(list(ProtectionFlag))),
    faults=st.frozensets(st.sampled_from(list(FaultFlag))),
    charge_mos=st.booleans(), discharge_mos=st.booleans())


@settings(max_examples=200, deadline=None)
@given(snapshots)
def test_any_representable_snapshot_round_trips_exactly(s):
    assert roundtrip(s) == replace(s, history=s.history)


# -- RTU bytes ---------------------------------------------------------------------------
def _reply(address: int, regs: list[int]) -> bytes:
    body = bytes([address, 3, 2 * len(regs)]) + b"".join(r.to_bytes(2, "big") for r in regs)
    return body + frames.crc(body)


def test_crc_matches_the_modbus_reference_frame():
    # Read 2 registers from 0 on slave 1: the classic example frame 01 03 00 00 00 02 C4 0B.
    assert frames.read_request(1, 0, 2).hex().upper() == "010300000002C40B"


def test_scanner_tells_crc_errors_cuts_garbage_and_foreign_frames_apart():
    expect = frames.Expect(2, 3, 3)
    good = _reply(2, [1, 2, 3])
    bad = good[:4] + bytes([good[4] ^ 1]) + good[5:]
    kinds = lambda data: [p.kind for p in frames.scan(data, expect)]  # noqa: E731
    assert kinds(good) == ["reply"]
    assert kinds(bad) == ["crc"]
    assert kinds(good[:6]) == ["short"]
    assert kinds(b"\xfa\xfb" + good + b"\xff") == ["garbage", "reply", "garbage"]
    assert kinds(_reply(1, [9, 9, 9]) + good) == ["frame", "reply"]
    assert kinds(b"~25014A00A0020000FD9E\r") == ["ascii"]
    assert kinds(b"") == []


# -- source string -----------------------------------------------------------------------
def test_source_string_options():
    o = parse_source("/dev/ttyUSB0?baud=19200&packs=1-4,7&gap_ms=50&timeout_ms=300"
                     "&retries=2&record=x.mbcap")
    assert (o.port, o.baud, o.packs, o.gap_ms, o.timeout_ms, o.retries, o.record) == \
        ("/dev/ttyUSB0", 19200, (1, 2, 3, 4, 7), 50.0, 300.0, 2, "x.mbcap")
    d = parse_source("/dev/ttyUSB0")
    assert (d.baud, d.packs, d.gap_ms, d.timeout_ms, d.retries) == (9600, (1,), 100, 200, 1)


@pytest.mark.parametrize("arg, message", [
    ("", "needs a serial port"), ("/dev/x?baud=1234", "choose one of"),
    ("/dev/x?packs=0-3", "addresses run 1-50"), ("/dev/x?packs=1-31", "at most 30"),
    ("/dev/x?packs=a", "addresses like"), ("/dev/x?gap=3", "unknown modbus option"),
    ("/dev/x?retries=9", "0-5"), ("/dev/x?timeout_ms", "name=value"),
    ("/dev/x?stale_s=5&lost_s=2", "longer than stale_s")])
def test_source_string_errors_say_what_to_write(arg, message):
    with pytest.raises(DriverError, match=message):
        parse_source(arg)


def test_freshness_covers_a_slow_sweep():
    from drivers.modbus.driver import ModbusDriver, sweep_estimate
    slow = ModbusDriver(parse_source("/dev/x?packs=1-30&gap_ms=100"))
    assert 6.0 < sweep_estimate(slow.options, MAP) < 7.0
    assert slow.freshness.stale_after_s > 1.5 * sweep_estimate(slow.options, MAP)
    fast = ModbusDriver(parse_source("/dev/x?packs=1-4&baud=115200&gap_ms=0"))
    assert fast.freshness.stale_after_s == 5.0


# -- capture format ----------------------------------------------------------------------
def test_capture_replays_into_the_same_snapshots(tmp_path):
    sim = BatterySim(packs=2, seed=7, scenario="mixed")
    sim.run_until(600)
    path = tmp_path / "site.mbcap"
    w = capture.CaptureWriter(path)
    want = {}
    t = 1781510400.0
    for a in sim.addresses:
        s = sim.snapshot(a)
        regs = codec.encode_pack(MAP, s)
        for first, count in ((38, 9), (150, 30), (0, 38)):  # configuration, then live
            w.write("tx", frames.read_request(a, first, count), t)
            reply = _reply(a, [regs[r] for r in range(first, first + count)])
            w.write("rx", reply[:10], t + 0.05)        # one reply over two reads
            w.write("rx", reply[10:], t + 0.09)
            t += 0.1
        want[a] = (t - 0.01, s)
    # Pack 1 then refuses its identity block (exception 2) and is read again.
    w.write("tx", frames.read_request(1, 150, 30), t)
    w.write("rx", bytes([1, 0x83, 2]) + frames.crc(bytes([1, 0x83, 2])), t + 0.01)
    w.write("tx", frames.read_request(1, 0, 38), t + 0.1)
    regs1 = codec.encode_pack(MAP, want[1][1])
    w.write("rx", _reply(1, [regs1[r] for r in range(38)]), t + 0.19)
    w.close()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("#") and lines[1].split()[1] == "tx"
    got = list(capture.read_capture(path))
    assert [round(ts, 6) for ts, _ in got] == \
        [round(want[a][0], 6) for a in sim.addresses] + [round(t + 0.19, 6)]
    for (ts, s), a in zip(got, sim.addresses):
        assert s.address == a and s.timestamp == ts
        assert s.unavailable == {"history", "limits"}  # not in this capture
        assert_same_within_scaling(s, replace(want[a][1], history=None))
    last = got[-1][1]
    assert last.address == 1 and last.settings.firmware == ""
    assert last.unavailable == {"history", "limits", "settings.firmware", "settings.bms_serial",
                                "settings.pack_serial"}


def test_capture_reader_names_a_corrupt_line(tmp_path):
    path = tmp_path / "bad.mbcap"
    path.write_text("1781510400.0 tx 0103\n1781510400.1 rx 01ZZ\n")
    with pytest.raises(ValueError, match="bad.mbcap:2"):
        list(capture.read_records(path))


def test_the_protocol_table_and_the_register_map_agree_on_the_ids():
    # Listed twice (the brands for the screen, the range for writes): a brand the map
    # refuses could be chosen but never written, an id the table lacks never chosen.
    from hmi.protocols import load_protocols
    ids = list(load_protocols())
    field = MAP.field("settings.protocol_id")
    assert ids == list(range(int(field.min), int(field.max) + 1))
