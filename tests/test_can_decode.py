"""Decoding the Pylon low-voltage frames: worked examples, field edges, bad frames."""
from __future__ import annotations

import can
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.can.dbc import database, frame_specs
from drivers.can.decode import BIT_FLAGS, FLAG_TEXT, PAIR_FLAGS, SystemDecoder, frame_text

TABLE_IDS = {0x351, 0x355, 0x356, 0x359, 0x35C, 0x35E, 0x305, 0x35A, 0x35F, 0x372, 0x373,
             0x374, 0x375, 0x376, 0x377, 0x378, 0x379}


def frame(ident: int, hexdata: str = "", ts: float = 100.0, **kw) -> can.Message:
    return can.Message(arbitration_id=ident, data=bytes.fromhex(hexdata), timestamp=ts,
                       is_extended_id=kw.pop("is_extended_id", False), **kw)


def decode(*frames: can.Message) -> tuple[SystemDecoder, object]:
    d = SystemDecoder()
    for f in frames:
        d.feed(f)
    return d, d.snapshot()


def assert_balanced(d: SystemDecoder) -> None:
    c = d.counters()
    assert c.frames == c.decoded + c.unknown + c.malformed + c.error_frames


# -- the DBC ---------------------------------------------------------------------------
def test_dbc_covers_every_frame_of_the_shared_table():
    assert set(frame_specs()) == TABLE_IDS
    assert all(not m.is_extended_frame for m in database().messages)


@pytest.mark.parametrize("ident,signal,signed,scale", [
    (0x351, "ChargeVoltageLimit", False, 0.1), (0x351, "ChargeCurrentLimit", True, 0.1),
    (0x351, "DischargeCurrentLimit", True, 0.1), (0x351, "DischargeVoltageLimit", False, 0.1),
    (0x355, "Soc", False, 1), (0x355, "Soh", False, 1), (0x355, "SocHighRes", False, 0.01),
    (0x356, "Voltage", True, 0.01), (0x356, "Current", True, 0.1),
    (0x356, "Temperature", True, 0.1), (0x359, "PackCount", False, 1),
    (0x372, "PacksOffline", False, 1), (0x373, "MinTemperature", False, 1),
    (0x378, "ChargedEnergy", False, 0.1), (0x379, "InstalledCapacity", False, 1),
])
def test_dbc_signedness_and_scale_follow_the_table(ident, signal, signed, scale):
    sig = database().get_message_by_frame_id(ident).get_signal_by_name(signal)
    assert (sig.is_signed, sig.scale, sig.byte_order) == (signed, scale, "little_endian")


def test_optional_fields_lower_the_required_length():
    specs = frame_specs()
    assert specs[0x351].required_bytes == 6   # DVL optional
    assert specs[0x355].required_bytes == 4   # high-resolution SOC optional
    assert specs[0x356].required_bytes == 6
    assert specs[0x35E].required_bytes == 1   # some senders send fewer letters


# -- worked examples of shared/protocol/can.md -------------------------------------------
def test_worked_example_0x356():
    _, s = decode(frame(0x356, "8E14F9FFB400"))
    assert (s.voltage_v, s.current_a, s.temperature_c) == (52.62, -0.7, 18.0)


def test_worked_example_0x351():
    _, s = decode(frame(0x351, "3802E803E803C701"))
    assert s.charge_voltage_limit_v == 56.8
    assert s.charge_current_limit_a == 100.0
    assert s.discharge_current_limit_a == 100.0
    assert s.discharge_voltage_limit_v == 45.5


# -- edges of every field ----------------------------------------------------------------
@pytest.mark.parametrize("ident,hexdata,field,value", [
    (0x351, "0000E803E803C701", "charge_voltage_limit_v", 0.0),
    (0x351, "E803E803E803C701", "charge_voltage_limit_v", 100.0),
    (0x351, "3802FF7FE803C701", "charge_current_limit_a", 3276.7),
    (0x351, "380200000000C701", "charge_current_limit_a", 0.0),
    (0x351, "3802E803FF7FC701", "discharge_current_limit_a", 3276.7),
    (0x351, "3802E803E8030100", "discharge_voltage_limit_v", 0.1),
    (0x355, "0000640000000000"[:12], "soc", 0.0),
    (0x355, "64006400", "soc", 100.0),
    (0x355, "3200000019000000"[:12], "soh", 0.0),
    (0x355, "3200640088130000"[:12], "soc", 50.0),     # high resolution wins over 50
    (0x355, "3300640089130000"[:12], "soc", 50.01),
    (0x355, "0000640010270000"[:12], "soc", 100.0),    # 10000 × 0.01
    (0x356, "1027000000000000"[:12], "voltage_v", 100.0),
    (0x356, "01000000000000"[:12], "voltage_v", 0.01),
    (0x356, "0000FF7F0000", "current_a", 3276.7),
    (0x356, "000000800000", "current_a", -3276.8),
    (0x356, "0000FFFF0000", "current_a", -0.1),
    (0x356, "000001000000", "current_a", 0.1),
    (0x356, "000000000CFE", "temperature_c", -50.0),
    (0x356, "00000000FFFF", "temperature_c", -0.1),
    (0x356, "00000000DC05", "temperature_c", 150.0),
    (0x359, "00000000FF504E", "packs", 255),
    (0x359, "0000000000504E", "packs", 0),
    (0x373, "000088132C012C01", "max_cell_mv", 5000),
    (0x373, "0000000011012C01", "min_temp_c", -0.15),   # 273 K
    (0x373, "00000000D6002C01", "min_temp_c", -59.15),  # 214 K
    (0x373, "000000001101A701", "max_temp_c", 149.85),  # 423 K
])
def test_field_edges(ident, hexdata, field, value):
    d, s = decode(frame(ident, hexdata))
    got = getattr(s, field)
    assert got == pytest.approx(value, abs=1e-9) and isinstance(got, type(value))
    assert d.counters().out_of_range == 0


@pytest.mark.parametrize("ident,hexdata,field", [
    (0x351, "E903E803E803C701", "charge_voltage_limit_v"),   # 100.1 V
    (0x351, "3802FFFFE803C701", "charge_current_limit_a"),   # -0.1 A: the table says positive
    (0x351, "3802E8030080C701", "discharge_current_limit_a"),
    (0x355, "65006400", "soc"),                              # 101 %
    (0x355, "32006500", "soh"),
    (0x356, "FFFF00000000", "voltage_v"),                    # -0.01 V
    (0x356, "1127000000000000"[:12], "voltage_v"),           # 100.01 V
    (0x356, "000000000BFE", "temperature_c"),                # -50.1 °C
    (0x373, "891300002C012C01", "min_cell_mv"),              # 5001 mV
    (0x373, "00000000D5002C01", "min_temp_c"),               # 213 K = -60.15 °C
    (0x373, "000000002C01AB01", "max_temp_c"),               # 427 K = 153.85 °C
])
def test_out_of_range_value_is_dropped_and_counted(ident, hexdata, field):
    d, s = decode(frame(ident, hexdata))
    assert getattr(s, field) is None
    c = d.counters()
    assert c.out_of_range == 1 and c.decoded == 1 and str(hex(ident))[2:].upper() in c.last_problem


def test_dlc_six_omits_dvl_without_counting_short():
    d, s = decode(frame(0x351, "3802E803E803"))
    assert s.discharge_voltage_limit_v is None and s.discharge_current_limit_a == 100.0
    assert d.counters().short == 0


def test_dlc_four_soc_frame_is_the_usual_pylon_form():
    d, s = decode(frame(0x355, "3C006200"))
    assert (s.soc, s.soh, d.counters().short) == (60.0, 98.0, 0)


def test_short_frame_keeps_what_it_carries_and_is_counted():
    d, s = decode(frame(0x356, "8E14F9FF"))
    assert (s.voltage_v, s.current_a, s.temperature_c) == (52.62, -0.7, None)
    c = d.counters()
    assert (c.short, c.decoded, c.malformed) == (1, 1, 0)
    assert "4 bytes" in c.last_problem


def test_a_shorter_frame_replaces_the_older_one_whole():
    d, s = decode(frame(0x356, "8E14F9FFB400", ts=1.0), frame(0x356, "8E14F9FF", ts=2.0))
    assert s.temperature_c is None  # not the 18.0 of a second ago


def test_frame_with_no_whole_field_is_malformed_and_short():
    d, s = decode(frame(0x356, "8E"))
    c = d.counters()
    assert s is None and (c.malformed, c.short, c.decoded) == (1, 1, 0)


# -- flags -------------------------------------------------------------------------------
@pytest.mark.parametrize("signal", sorted(BIT_FLAGS))
def test_each_0x359_bit_sets_exactly_its_flag(signal):
    msg = database().get_message_by_frame_id(0x359)
    values = {s.name: 0 for s in msg.signals}
    values[signal] = 1
    _, s = decode(frame(0x359, msg.encode(values).hex()))
    kind, flag = BIT_FLAGS[signal]
    other = "alarms" if kind == "protections" else "protections"
    assert getattr(s, kind) == {flag} and getattr(s, other) == frozenset()
    assert flag in FLAG_TEXT


def test_0x359_bit_positions_match_the_table():
    # byte 0 b1 OV, b7 discharge OC; byte 1 b0 charge OC, b3 system error;
    # byte 2 b4 low temp; byte 3 b7 internal comm fail (the alternative bit)
    _, s = decode(frame(0x359, "8209108004504E"))
    assert s.protections == {"OVER_VOLTAGE", "DISCHARGE_OC", "CHARGE_OC", "SYSTEM_ERROR"}
    assert s.alarms == {"UNDER_TEMP", "COMM_FAIL"}
    assert s.packs == 4


def test_0x35c_enable_bits():
    _, s = decode(frame(0x35C, "80"))
    assert (s.charge_enable, s.discharge_enable) == (True, False)
    d, s = decode(frame(0x35C, "48"))
    assert (s.charge_enable, s.discharge_enable) == (False, True)
    assert d.extras()["full_charge_request"] is True and d.extras()["force_charge_1"] is False


@pytest.mark.parametrize("pair_value,active", [(0, False), (1, False), (2, True), (3, False)])
def test_0x35a_pairs_only_value_two_is_active(pair_value, active):
    msg = database().get_message_by_frame_id(0x35A)
    values = {s.name: 1 for s in msg.signals}
    values["AlarmShortCircuit"] = pair_value
    values["WarnCellImbalance"] = pair_value
    _, s = decode(frame(0x35A, msg.encode(values).hex()))
    assert s.protections == ({"SHORT_CIRCUIT"} if active else frozenset())
    assert s.alarms == ({"CELL_IMBALANCE"} if active else frozenset())


def test_0x35a_and_0x359_flags_add_up():
    msg = database().get_message_by_frame_id(0x35A)
    values = {s.name: 1 for s in msg.signals}
    values["AlarmHighTempCharge"] = 2
    _, s = decode(frame(0x35A, msg.encode(values).hex()), frame(0x359, "02000000" "01504E"))
    assert s.protections == {"CHARGE_OVER_TEMP", "OVER_VOLTAGE"}
    assert set(PAIR_FLAGS.values()) <= set(FLAG_TEXT)


# -- text --------------------------------------------------------------------------------
def test_manufacturer_space_padded_and_short():
    _, s = decode(frame(0x35E, b"PYLON   ".hex()))
    assert s.manufacturer == "PYLON"
    d, s = decode(frame(0x35E, b"PYL".hex()))
    assert s.manufacturer == "PYL" and d.counters().short == 0


def test_manufacturer_nul_padded():
    _, s = decode(frame(0x35E, b"GOODWE\0\0".hex()))
    assert s.manufacturer == "GOODWE"


def test_non_ascii_text_is_malformed():
    d, s = decode(frame(0x35E, "50FF4C4F4E202020"))
    assert s is None and d.counters().malformed == 1


# -- extensions --------------------------------------------------------------------------
def test_extension_frames():
    d, s = decode(
        frame(0x35F, b"LF".hex() + "0201" + "0503" + "C800"),
        frame(0x372, "0300010000000100"),
        frame(0x373, "E40CF20C23012D01"),
        frame(0x374, b"2-7".hex()), frame(0x375, b"1-16    ".hex()),
        frame(0x376, b"3-Cell2 ".hex()), frame(0x377, b"1-BMS".hex()),
        frame(0x378, "39300000D2040000"), frame(0x379, "2003"),
    )
    assert (s.min_cell_mv, s.max_cell_mv) == (3300, 3314)
    assert s.min_temp_c == pytest.approx(17.85) and s.max_temp_c == pytest.approx(27.85)
    assert s.packs == 3  # from 0x372 when 0x359 is absent
    # The places of the extremes, trailing padding gone, on the snapshot the page draws.
    assert (s.min_cell_name, s.max_cell_name, s.min_temp_name, s.max_temp_name) == \
        ("2-7", "1-16", "3-Cell2", "1-BMS")
    assert d.extras() == {
        "chemistry": "LF", "hardware_version": 0x0102, "firmware_version": 0x0305,
        "capacity_ah": 200, "packs_online": 3, "packs_blocking_charge": 1,
        "packs_blocking_discharge": 0, "packs_offline": 1,
        "charged_kwh": 1234.5, "discharged_kwh": 123.4, "installed_capacity_ah": 800,
    }


def test_energy_counter_top_of_range():
    d, _ = decode(frame(0x378, "FFFFFFFF00000000"))
    assert d.extras()["charged_kwh"] == 429496729.5 and d.extras()["discharged_kwh"] == 0.0


def test_base_table_wins_over_extension():
    _, s = decode(frame(0x359, "0000000004504E"), frame(0x372, "0300000000000000"))
    assert s.packs == 4


def test_inverter_keepalive_is_known_but_does_not_make_the_battery_live():
    d = SystemDecoder()
    assert d.feed(frame(0x305, "0000000000000000")) is False
    c = d.counters()
    assert (c.decoded, c.unknown, c.malformed) == (1, 0, 0)
    assert d.snapshot() is None
    d.feed(frame(0x356, "8E14F9FFB400", ts=100.0))
    d.feed(frame(0x305, "0000000000000000", ts=101.0))
    assert d.snapshot().timestamp == 100.0


# -- what a real bus also carries --------------------------------------------------------
def test_unknown_error_remote_fd_and_extended_frames_are_counted_not_fatal():
    d, s = decode(
        frame(0x123, "0102"),
        frame(0x351, "3802E803E803C701", is_extended_id=True),  # same number, 29-bit id
        can.Message(is_error_frame=True, timestamp=1.0),
        frame(0x356, "", is_remote_frame=True, dlc=6),
        can.Message(arbitration_id=0x356, is_fd=True, data=bytes.fromhex("8E14F9FFB400"),
                    is_extended_id=False, timestamp=1.0),
        frame(0x356, "8E14F9FFB400"),
    )
    c = d.counters()
    assert (c.frames, c.unknown, c.error_frames, c.malformed, c.decoded) == (6, 2, 1, 2, 1)
    assert s.voltage_v == 52.62 and s.charge_voltage_limit_v is None
    assert c.by_id[0x123] == 1 and c.by_id[0x356] == 3
    assert c.last_frame == "356#8E14F9FFB400"
    assert_balanced(d)


def test_frame_text_is_candump_style():
    assert frame_text(frame(0x356, "8E14F9FFB400")) == "356#8E14F9FFB400"
    assert frame_text(frame(0x18FF50E5, "01", is_extended_id=True)) == "18FF50E5#01"
    assert frame_text(frame(0x356, "", is_remote_frame=True)) == "356#R"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(TABLE_IDS) + [0x100, 0x7FF]),
                          st.binary(max_size=8), st.booleans()), max_size=30))
def test_any_payload_never_raises_and_counts_balance(frames):
    d = SystemDecoder()
    for ident, data, ext in frames:
        d.feed(can.Message(arbitration_id=ident, data=data, is_extended_id=ext, timestamp=5.0))
    d.snapshot()
    d.extras()
    assert_balanced(d)
    assert d.counters().frames == len(frames)


# -- time --------------------------------------------------------------------------------
def test_a_frame_id_gone_silent_stops_contributing():
    d = SystemDecoder(expire_s=10.0)
    d.feed(frame(0x373, "E40CF20C23012D01", ts=0.0))
    d.feed(frame(0x356, "8E14F9FFB400", ts=9.0))
    assert d.snapshot().min_cell_mv == 3300
    d.feed(frame(0x356, "8E14F9FFB400", ts=10.5))
    s = d.snapshot()
    assert s.min_cell_mv is None and s.voltage_v == 52.62 and s.timestamp == 10.5


def test_time_going_back_starts_afresh():
    # A looping replay: the end of the last pass must not outlive the start of the next.
    d = SystemDecoder(expire_s=1000.0)
    d.feed(frame(0x373, "E40CF20C23012D01", ts=500.0))
    d.feed(frame(0x356, "8E14F9FFB400", ts=0.0))
    s = d.snapshot()
    assert s.min_cell_mv is None and s.timestamp == 0.0
