"""Whatever a link, a recording or a file delivers, nothing escapes a decoder, and each bad
input becomes a counted (or logged) condition. CI-sized: bench/fuzz.py runs 100k per decoder.

Each decoder gets hypothesis's own inputs and the bench's seeded mutators (seeded by
hypothesis, so a failure is reported as a seed that replays it).
"""
from __future__ import annotations

import json
import logging
import math
import random
from pathlib import Path

import can
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bench import fuzz
from drivers.can.dbc import frame_specs
from drivers.can.decode import SystemDecoder
from drivers.can.playback import LogPlayer, read_frames
from drivers.modbus import codec, frames
from drivers.modbus.capture import CaptureDecoder, CaptureRecord, read_capture
from drivers.modbus.regmap import load as load_regmap
from drivers.replay import system_at
from hmi.config import HmiConfig, load_config
from hmi.theme import DEFAULT_COLORS, Theme, load_theme

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
#: The seeded mutators: each example is a few hundred inputs.
SEEDED = settings(SETTINGS, max_examples=15)
seeds = st.integers(0, 2 ** 32 - 1).map(random.Random)
KNOWN_IDS = sorted(frame_specs())


def tally(name: str) -> fuzz.Tally:
    return fuzz.Tally(name)


def assert_clean(t: fuzz.Tally) -> None:
    assert t.escaped == 0, t.escapes
    assert not t.findings, t.finding_examples
    assert t.inputs > 0


# -- CAN frames ----------------------------------------------------------------------------
timestamps = st.one_of(st.floats(1.7e9, 1.8e9), st.floats(allow_nan=True, allow_infinity=True))
can_messages = st.builds(
    lambda ident, extended, data, remote, error, fd, ts: can.Message(
        timestamp=ts, arbitration_id=ident, is_extended_id=extended, data=data, dlc=len(data),
        is_remote_frame=remote, is_error_frame=error, is_fd=fd, check=False),
    st.one_of(st.sampled_from(KNOWN_IDS), st.integers(0, 0x7FF), st.integers(0, 0x1FFFFFFF)),
    st.booleans(), st.binary(max_size=64), st.booleans(), st.booleans(), st.booleans(),
    timestamps)


@SETTINGS
@given(st.lists(can_messages, min_size=1, max_size=40))
def test_any_can_frames_are_each_counted_once_and_never_raise(msgs):
    decoder = SystemDecoder()
    t = tally("can")
    for msg in msgs:
        fuzz.can_frame_case(decoder, msg, t)
    fuzz.check_system_snapshot(decoder.snapshot(), t, msgs)
    decoder.extras()
    assert_clean(t)
    c = decoder.counters()
    assert c.frames == len(msgs) == c.decoded + c.unknown + c.malformed + c.error_frames


@SEEDED
@given(seeds)
def test_mutated_can_traffic_never_raises_and_bad_frames_are_counted(rng):
    t = tally("can")
    fuzz.fuzz_can_frames(rng, 300, Path("."), t)
    assert_clean(t)
    assert t.counted_bad > 0


def test_a_frame_stamped_nan_is_malformed_and_the_link_carries_on():
    spec = frame_specs()[0x355]
    decoder = SystemDecoder()
    good = bytes([30, 0, 98, 0, 0, 0])[:spec.message.length]
    decoder.feed(can.Message(timestamp=math.nan, arbitration_id=0x355, data=good,
                             is_extended_id=False))
    assert decoder.counters().malformed == 1
    assert "not a time" in decoder.counters().last_problem
    decoder.feed(can.Message(timestamp=1000.0, arbitration_id=0x355, data=good,
                             is_extended_id=False))
    assert decoder.snapshot() is not None and decoder.snapshot().soh == 98.0


# -- CAN recordings (candump lines) ---------------------------------------------------------
def candump_lines():
    valid = can_messages.filter(lambda m: math.isfinite(m.timestamp) and not m.is_fd).map(
        fuzz.candump_line)
    junk = st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " "))
    return st.lists(st.one_of(valid, valid, junk), min_size=1, max_size=30)


@SETTINGS
@given(candump_lines(), st.binary(max_size=8))
def test_every_candump_line_is_a_frame_or_a_named_problem(tmp_path, lines, tail):
    path = tmp_path / "x.log"
    data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n" + tail
    path.write_bytes(data)
    text = fuzz.text_lines(data)
    problems: list[str] = []
    got = list(read_frames(path, problems.append))
    wanted = [fuzz.candump_oracle(line) for line in text]
    wanted = [m for m in wanted if m is not None]
    assert [(m.arbitration_id, bytes(m.data)) for m in got] == \
        [(m.arbitration_id, bytes(m.data)) for m in wanted]
    assert len(got) + len(problems) == sum(1 for line in text if line.strip())
    assert all(p.startswith("x.log:") for p in problems)
    system_at(path, 30.0)          # the screenshot path reads the same way


@SEEDED
@given(seeds)
def test_mutated_recordings_never_raise(tmp_path, rng):
    t = tally("replay")
    fuzz.fuzz_can_replay(rng, 400, tmp_path, t)
    assert_clean(t)


def test_the_player_skips_a_bad_line_counts_it_and_logs_it_once(tmp_path, caplog):
    lines = [f"({1000 + k}.000000) can0 355#1E0062000000" for k in range(5)]
    lines[2] = "(1002.0) can0 355#1E00620\u00ff000"     # a torn line
    lines.insert(4, "\x00\x00\x00")
    path = tmp_path / "torn.log"
    path.write_text("\n".join(lines) + "\n")
    seen: list[str] = []
    with caplog.at_level(logging.WARNING, logger="drivers.can.playback"):
        player = LogPlayer(path, speed=1e6, on_unreadable=seen.append)
        got = [player.recv(2.0) for _ in range(4)]
    player.shutdown()
    assert [m.timestamp for m in got] == [1000.0, 1001.0, 1003.0, 1004.0]
    assert player.unreadable == 2 and len(seen) == 2
    assert seen[0].startswith("torn.log:3:") and seen[1].startswith("torn.log:5:")
    assert len([r for r in caplog.records if "torn.log" in r.getMessage()]) == 1


# -- Modbus replies --------------------------------------------------------------------------
@SETTINGS
@given(st.integers(1, 247), st.sampled_from([frames.READ, frames.WRITE]), st.integers(0, 400),
       st.integers(1, 125), st.binary(max_size=300))
def test_any_reply_bytes_end_in_a_known_status_and_failures_are_counted(
        address, function, start, count, data):
    t = tally("replies")
    fuzz.modbus_reply_case(fuzz.modbus_link(), address, function, start, count, data, t)
    assert_clean(t)


@SEEDED
@given(seeds)
def test_mutated_replies_are_never_taken_for_good_ones(rng):
    t = tally("replies")
    fuzz.fuzz_modbus_replies(rng, 200, Path("."), t)
    assert_clean(t)
    assert t.counted_bad > 0


# -- Modbus register images -------------------------------------------------------------------
REGMAP = load_regmap()
# History record rows matter only up to the count held; the rest may be anything.
MODELLED = sorted({r for f in REGMAP.fields if f.modelled and f.type != "records"
                   and not f.path.startswith(("status.", "command.", "record."))
                   for r in range(f.reg, f.last + 1)})


@SETTINGS
@given(st.sampled_from(range(len(fuzz.base_images()))),
       st.dictionaries(st.sampled_from(MODELLED), st.integers(0, 0xFFFF), max_size=30),
       st.sets(st.sampled_from(MODELLED), max_size=5))
def test_any_register_values_decode_and_a_missing_register_is_visible(which, changes, gone):
    image = {**fuzz.base_images()[which], **changes}
    for r in gone:
        image.pop(r, None)
    snap = codec.decode_pack(REGMAP, 1, image, 1.8e9)
    if gone:
        # No data (None) or the fields that lost a register are listed as unavailable.
        assert snap is None or snap.unavailable


@settings(SEEDED, max_examples=10)
@given(seeds)
def test_decoded_snapshots_draw_on_every_page(rng):
    drawer = fuzz.PageDrawer()
    for _ in range(4):
        snap = codec.decode_pack(REGMAP, rng.randint(1, 30), fuzz.gen_register_image(rng), 1.8e9)
        if snap is not None:
            drawer.draw_all(snap)


# -- Modbus captures -----------------------------------------------------------------------
@SETTINGS
@given(st.lists(st.text(max_size=80).map(lambda s: s.replace("\n", " ")), max_size=20))
def test_a_capture_either_decodes_or_names_its_corrupt_line(tmp_path, lines):
    path = tmp_path / "c.mbcap"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    strict = None
    try:
        list(read_capture(path))
    except ValueError as exc:
        assert "c.mbcap:" in str(exc)
        strict = str(exc)
    # As a replay reads it: never raises, and skips exactly the line strict reading names.
    bad: list[str] = []
    list(read_capture(path, on_bad_line=bad.append))
    assert (str(path.parent / bad[0]) if bad else None) == strict


@SETTINGS
@given(st.lists(st.tuples(st.floats(allow_nan=True), st.sampled_from(["tx", "rx", "open", "?"]),
                          st.binary(max_size=260)), max_size=20))
def test_any_capture_records_feed_without_raising(records):
    decoder = CaptureDecoder()
    for t, direction, data in records:
        decoder.feed(CaptureRecord(t, direction, data))


@SEEDED
@given(seeds)
def test_mutated_captures_never_raise(tmp_path, rng):
    t = tally("capture")
    fuzz.fuzz_modbus_capture(rng, 300, tmp_path, t)
    assert_clean(t)


# -- theme files ---------------------------------------------------------------------------
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=30)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12)
theme_docs = st.fixed_dictionaries({}, optional={
    "name": json_values, "tagline": json_values,
    "logo": st.one_of(json_values, st.sampled_from(["logo.png", "bad.png", "nope.png"])),
    "colors": st.one_of(json_values, st.dictionaries(
        st.sampled_from([*DEFAULT_COLORS, "sparkle"]), json_values, max_size=5))})


@pytest.fixture(scope="module")
def logo_drawer():
    return fuzz.LogoDrawer()


@SETTINGS
@given(st.one_of(theme_docs, json_values))
def test_any_theme_file_loads_and_the_logo_page_draws(tmp_path, logo_drawer, doc):
    fuzz._png(tmp_path / "logo.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not a picture")
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    t = tally("theme")
    with fuzz.captured("hmi.theme") as logs:
        fuzz.theme_case(path, logo_drawer, t, doc, logs)
        assert_clean(t)
        if not isinstance(doc, dict):
            assert len(logs.records) == 1          # the whole file refused, in one line


@SEEDED
@given(seeds)
def test_mutated_theme_files_never_raise(tmp_path, rng):
    t = tally("theme")
    fuzz.fuzz_theme(rng, 120, tmp_path, t)
    assert_clean(t)
    assert t.counted_bad > 0


@pytest.mark.parametrize("doc,why", [
    ('{"colors": ["#ffffff"]}', "colors must be an object"),
    ("[" * 100_000, "RecursionError"),
    ('{"name": "Acme\\u0000"}', "not printable"),
    ('{"name": "\\ud800"}', "not printable"),
    ('{"tagline": "\\u202e"}', "not printable"),
    ('{"name": "' + "x" * 41 + '"}', "up to 40 characters"),
    ('{"logo": "bad.png"}', "unusable"),
    ('{"logo": "a\\u0000.png"}', "unusable"),
    ('{"logo": "' + "a" * 300 + '"}', "unusable"),
])
def test_a_theme_that_cannot_be_drawn_falls_back_with_one_line(tmp_path, caplog, logo_drawer,
                                                                 doc, why):
    (tmp_path / "bad.png").write_bytes(b"GIF89a but no more")
    path = tmp_path / "brand.json"
    path.write_text(doc)
    with caplog.at_level(logging.WARNING, logger="hmi.theme"):
        theme = load_theme(path)
    default = Theme()
    assert (theme.name, theme.tagline, theme.logo) == (default.name, default.tagline, None)
    assert len(caplog.records) == 1 and why in caplog.records[0].getMessage()
    logo_drawer.draw(theme)


# -- configuration files -------------------------------------------------------------------
@SEEDED
@given(seeds)
def test_any_config_file_or_environment_loads_without_raising(tmp_path, rng):
    t = tally("config")
    fuzz.fuzz_config(rng, 120, tmp_path, t)
    assert_clean(t)
    assert t.counted_bad > 0


@pytest.mark.parametrize("text,env", [
    ('theme = "~nosuchuser/brand.json"', {}),
    ("", {"HMI_THEME": "~nosuchuser/brand.json"}),
    ("sleep_after = " + "9" * 400, {}),
    ("a = " + "[" * 2000, {}),
    ('theme = "' + "a" * 300 + '"', {}),
])
def test_config_values_that_break_path_and_number_handling_fall_back(tmp_path, text, env):
    path = tmp_path / "hmi.toml"
    path.write_text(text)
    cfg = load_config(config_file=path, env=env, search=())
    assert isinstance(cfg, HmiConfig) and cfg.problems
