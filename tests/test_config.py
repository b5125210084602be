"""The settings file: which one is read, what wins, what a bad value gets.

Lookup paths are always tmp files here (``search=``, ``HMI_CONFIG``), never the real /etc.
"""
import logging
import os
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

import run_hmi
from hmi.config import NO_SOURCE, HmiConfig, load_config
from hmi.geometry import Calibration
from tests.conftest import ROOT

EXAMPLE = ROOT / "deploy" / "hmi.example.toml"
SETTINGS = [f.name for f in fields(HmiConfig) if f.name not in ("file", "origin", "problems")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def paths(tmp_path):
    """Stand-ins for /etc/bms-hmi/hmi.toml and ~/.config/bms-hmi/hmi.toml."""
    return tmp_path / "etc" / "hmi.toml", tmp_path / "home" / "hmi.toml"


def load(paths, cli=None, env=None, config_file=None):
    return load_config(cli, config_file=config_file, env=env or {}, search=list(paths))


# -- defaults and the documented example -----------------------------------------------------

def test_no_file_anywhere_gives_the_defaults_and_no_problems(paths):
    cfg = load(paths)
    assert cfg == HmiConfig() and cfg.file is None and cfg.problems == ()
    assert (cfg.source, cfg.profile, cfg.rotation, cfg.sleep_after, cfg.pin, cfg.log_level) == (
        "sim", "auto", 0, 300.0, "1234", "INFO")
    assert cfg.touch == Calibration() and cfg.theme is None and cfg.record is None


def test_the_example_file_documents_every_setting_with_its_default(caplog):
    data = tomllib.loads(EXAMPLE.read_text())
    assert set(data) == set(SETTINGS)
    assert set(data["touch"]) == {f.name for f in fields(Calibration)}
    with caplog.at_level(logging.WARNING):
        cfg = load_config(config_file=EXAMPLE, env={}, search=[])
    assert cfg == HmiConfig() and cfg.problems == () and not caplog.records
    assert cfg.file == EXAMPLE


def test_pin_length_matches_the_pin_pad():
    from hmi import app, config
    assert config.PIN_DIGITS[1] == app.MAX_PIN_DIGITS
    assert config.check("pin", app.DEFAULT_PIN) == app.DEFAULT_PIN


# -- which file, which value -----------------------------------------------------------------

def test_etc_file_is_read_before_the_user_file(paths):
    etc, user = paths
    write(user, "rotation = 180\n")
    assert load(paths).rotation == 180 and load(paths).file == user
    write(etc, "rotation = 90\n")
    cfg = load(paths)
    assert cfg.rotation == 90 and cfg.file == etc
    assert cfg.origin == {"rotation": "file"}


def test_hmi_config_names_the_file_and_config_option_beats_it(paths, tmp_path):
    write(paths[0], "rotation = 90\n")
    env_file = write(tmp_path / "env.toml", "rotation = 180\n")
    cli_file = write(tmp_path / "cli.toml", "rotation = 270\n")
    assert load(paths, env={"HMI_CONFIG": str(env_file)}).rotation == 180
    assert load(paths, env={"HMI_CONFIG": str(env_file)}, config_file=cli_file).rotation == 270


def test_command_line_beats_environment_beats_file(paths):
    write(paths[0], 'rotation = 90\nsource = "sim:packs=2"\npin = "1111"\n')
    env = {"HMI_ROTATION": "180", "HMI_SOURCE": "sim:packs=3"}
    cfg = load(paths, env=env)
    assert (cfg.rotation, cfg.source, cfg.pin) == (180, "sim:packs=3", "1111")
    cfg = load(paths, cli={"rotation": 270, "source": None, "pin": None}, env=env)
    assert (cfg.rotation, cfg.source, cfg.pin) == (270, "sim:packs=3", "1111")
    assert cfg.origin == {"rotation": "command line", "source": "env HMI_SOURCE",
                          "pin": "file"}


def test_every_top_level_setting_has_an_environment_variable(paths, tmp_path):
    theme = write(tmp_path / "brand.json", "{}")
    env = {"HMI_SOURCE": "sim:packs=2", "HMI_PROFILE": "800x480", "HMI_FULLSCREEN": "yes",
           "HMI_ROTATION": "270", "HMI_SLEEP_AFTER": "60", "HMI_PIN": "987654",
           "HMI_THEME": str(theme), "HMI_LOG_LEVEL": "debug",
           "HMI_RECORD": str(tmp_path / "rec.log")}
    cfg = load(paths, env=env)
    assert cfg.problems == ()
    assert cfg == HmiConfig(source="sim:packs=2", profile="800x480", fullscreen=True,
                            rotation=270, sleep_after=60.0, pin="987654", theme=theme,
                            log_level="DEBUG", record=tmp_path / "rec.log")
    assert set(cfg.origin) == set(SETTINGS) - {"touch"}


def test_argparse_leaves_the_file_alone_unless_an_option_is_given(tmp_path, monkeypatch):
    """run_hmi's options default to None: without them the file's values stand."""
    f = write(tmp_path / "hmi.toml", 'profile = "800x480"\nrotation = 90\nsleep_after = 10\n'
                                     'pin = "4321"\nfullscreen = true\nlog_level = "DEBUG"\n')
    for name in list(os.environ):
        if name.startswith("HMI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HMI_CONFIG", str(f))  # never the real /etc
    cfg = run_hmi.load_settings(run_hmi.parse_args([]))
    assert (cfg.profile, cfg.rotation, cfg.sleep_after, cfg.pin, cfg.fullscreen,
            cfg.log_level) == ("800x480", 90, 10.0, "4321", True, "DEBUG")
    cfg = run_hmi.load_settings(run_hmi.parse_args(
        ["--size", "480x272", "--rotation", "0", "--sleep-after", "0", "--no-fullscreen"]))
    assert (cfg.profile, cfg.rotation, cfg.sleep_after, cfg.fullscreen) == (
        "480x272", 0, 0.0, False)


@pytest.mark.parametrize("argv, says", [
    (["--rotation", "45"], "0, 90, 180, 270"),
    (["--size", "1024x600"], "480x320"),
    (["--sleep-after", "-1"], ">= 0"),
    (["--pin", "12"], "4 to 8 digits"),
    (["--log-level", "LOUD"], "WARNING"),
    (["--source", "serial:/dev/ttyUSB0"], "modbus"),
])
def test_a_bad_option_is_refused_at_the_command_line_with_the_same_words(argv, says, capsys):
    with pytest.raises(SystemExit) as exc:
        run_hmi.parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert argv[0] in err and argv[1] in err and says in err


def test_relative_theme_and_record_paths_are_relative_to_the_file(tmp_path):
    write(tmp_path / "brand" / "acme.json", "{}")
    (tmp_path / "rec").mkdir()
    f = write(tmp_path / "hmi.toml", 'theme = "brand/acme.json"\nrecord = "rec/site.log"\n')
    cfg = load_config(config_file=f, env={}, search=[])
    assert cfg.theme == tmp_path / "brand" / "acme.json"
    assert cfg.record == tmp_path / "rec" / "site.log"


def test_describe_is_one_line_and_hides_the_pin(paths):
    write(paths[0], 'pin = "8642"\nrotation = 90\n')
    line = load(paths).describe()
    assert "\n" not in line and "rotation=90 (file)" in line and "8642" not in line


# -- every bad value: one log line naming the field, the value and what is allowed ---------

BAD = [
    # (TOML text, setting, what the message must name as allowed, value kept)
    ('source = "serial:/dev/ttyUSB0"', "source", "one of can, modbus, replay, sim", NO_SOURCE),
    ("source = 7", "source", "string in quotes", NO_SOURCE),
    ('profile = "1024x600"', "profile", '"auto"', "auto"),
    ('fullscreen = "yes"', "fullscreen", "true or false", False),
    ("rotation = 45", "rotation", "0, 90, 180, 270", 0),
    ('rotation = "90"', "rotation", "0, 90, 180, 270", 0),
    ("rotation = true", "rotation", "0, 90, 180, 270", 0),
    ("sleep_after = -5", "sleep_after", "seconds >= 0", 300.0),
    ('sleep_after = "5m"', "sleep_after", "a number", 300.0),
    ("sleep_after = nan", "sleep_after", "a number", 300.0),
    ("pin = 1234", "pin", 'in quotes, e.g. pin = "1234"', "1234"),
    ('pin = "12ab"', "pin", "4 to 8 digits", "1234"),
    ('pin = "123456789"', "pin", "4 to 8 digits", "1234"),
    ('theme = "no-such-brand.json"', "theme", "no such file", None),
    ('log_level = "LOUD"', "log_level", "DEBUG, INFO, WARNING, ERROR, CRITICAL", "INFO"),
    ('record = "/no/such/folder/x.log"', "record", "does not exist", None),
]


@pytest.mark.parametrize("text, key, allowed, kept", BAD, ids=[b[0] for b in BAD])
def test_bad_value_keeps_the_default_with_one_line_naming_it(tmp_path, caplog, text, key,
                                                             allowed, kept):
    f = write(tmp_path / "hmi.toml", text + "\n")
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load_config(config_file=f, env={}, search=[])
    assert getattr(cfg, key) == kept
    assert len(cfg.problems) == 1 and len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    bad_value = text.split("=", 1)[1].strip()
    assert str(f) in line and f"{key} = " in line and allowed in line
    assert bad_value.strip('"') in line
    assert line == cfg.problems[0]


def test_one_bad_value_leaves_the_good_ones(tmp_path):
    f = write(tmp_path / "hmi.toml", 'rotation = 45\nprofile = "480x272"\npin = "2468"\n')
    cfg = load_config(config_file=f, env={}, search=[])
    assert (cfg.rotation, cfg.profile, cfg.pin) == (0, "480x272", "2468")
    assert len(cfg.problems) == 1


BAD_TOUCH = [
    ("[touch]\nswap_xy = 1", "touch.swap_xy", "true or false"),
    ("[touch]\ninvert_x = \"no\"", "touch.invert_x", "true or false"),
    ("[touch]\ninvert_y = 0", "touch.invert_y", "true or false"),
    ("[touch]\nx_min = \"0\"", "touch.x_min", "a number"),
    ("[touch]\nx_max = true", "touch.x_max", "a number"),
    ("[touch]\ny_min = inf", "touch.y_min", "a number"),
    ("[touch]\ny_max = \"1\"", "touch.y_max", "a number"),
    ("[touch]\nx_min = 0.9\nx_max = 0.1", "touch.x_min = 0.9 and touch.x_max = 0.1",
     "invert_x"),
    ("[touch]\ny_min = 0.5\ny_max = 0.5", "touch.y_min = 0.5 and touch.y_max = 0.5",
     "y_min must be less than y_max"),
    ("touch = 3", "touch = 3", "[touch] table"),
]


@pytest.mark.parametrize("text, names, allowed", BAD_TOUCH, ids=[b[1] for b in BAD_TOUCH])
def test_bad_touch_calibration_is_no_calibration_with_one_line(tmp_path, caplog, text, names,
                                                              allowed):
    f = write(tmp_path / "hmi.toml", 'rotation = 90\n' + text + "\n")
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load_config(config_file=f, env={}, search=[])
    assert cfg.touch == Calibration() and cfg.rotation == 90
    assert len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    assert str(f) in line and names in line and allowed in line


def test_good_touch_calibration_is_read(tmp_path):
    f = write(tmp_path / "hmi.toml", "[touch]\nswap_xy = true\ninvert_y = true\n"
                                     "x_min = 0.06\nx_max = 0.95\ny_min = 0\ny_max = 4095\n")
    cfg = load_config(config_file=f, env={}, search=[])
    assert cfg.problems == ()
    assert cfg.touch == Calibration(swap_xy=True, invert_y=True, x_min=0.06, x_max=0.95,
                                    y_min=0.0, y_max=4095.0)


@pytest.mark.parametrize("text, says", [
    ("rotaton = 90", "did you mean 'rotation'?"),
    ("brightness = 3", "known: source, profile"),
    ("[touch]\nswapxy = true", "did you mean 'touch.swap_xy'?"),
])
def test_unknown_setting_is_ignored_with_a_hint(tmp_path, caplog, text, says):
    f = write(tmp_path / "hmi.toml", text + "\n")
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load_config(config_file=f, env={}, search=[])
    assert cfg == HmiConfig()
    [record] = caplog.records
    assert "unknown setting" in record.getMessage() and says in record.getMessage()


@pytest.mark.parametrize("env, name, allowed", [
    ({"HMI_ROTATION": "45"}, "HMI_ROTATION", "0, 90, 180, 270"),
    ({"HMI_ROTATION": "ninety"}, "HMI_ROTATION", "0, 90, 180, 270"),
    ({"HMI_FULLSCREEN": "maybe"}, "HMI_FULLSCREEN", "true or false"),
    ({"HMI_SLEEP_AFTER": "soon"}, "HMI_SLEEP_AFTER", "a number"),
    ({"HMI_PIN": "12"}, "HMI_PIN", "4 to 8 digits"),
    ({"HMI_PROFILE": "big"}, "HMI_PROFILE", "480x272"),
    ({"HMI_LOG_LEVEL": "LOUD"}, "HMI_LOG_LEVEL", "CRITICAL"),
    ({"HMI_THEME": "/no/such.json"}, "HMI_THEME", "no such file"),
    ({"HMI_RECORD": "/no/such/dir/x.log"}, "HMI_RECORD", "does not exist"),
])
def test_bad_environment_value_keeps_the_file_value(paths, caplog, env, name, allowed):
    write(paths[0], 'rotation = 180\nfullscreen = true\nsleep_after = 42\npin = "5555"\n'
                    'profile = "800x480"\nlog_level = "ERROR"\n')
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load(paths, env=env)
    assert (cfg.rotation, cfg.fullscreen, cfg.sleep_after, cfg.pin, cfg.profile,
            cfg.log_level, cfg.theme, cfg.record) == (180, True, 42.0, "5555", "800x480",
                                                      "ERROR", None, None)
    [record] = caplog.records
    assert name in record.getMessage() and allowed in record.getMessage()


def test_bad_source_in_the_environment_is_no_source_not_the_simulator(paths):
    write(paths[0], 'source = "sim:packs=2"\n')
    cfg = load(paths, env={"HMI_SOURCE": "modbuss:/dev/ttyUSB0"})
    assert cfg.source == NO_SOURCE and "HMI_SOURCE" in cfg.problems[0]
    assert "using no data source" in cfg.problems[0]


# -- a file that cannot be used at all -------------------------------------------------------

@pytest.mark.parametrize("content, says", [
    (b"rotation = = 90\n", "not valid TOML"),
    (b'[touch\nswap_xy = true\n', "not valid TOML"),
    (b"rotation = 90\n\xff\xfe\n", "not valid TOML"),
    # tomllib would take 73 MB for this one line (quadratic in the key's depth).
    (b"rotation = 90\n" + b"a" + b".a" * 4000 + b" = 1\n", "more than 16 dotted parts"),
    (b"rotation = 90\n[" + b"t." * 20 + b"t]\n", "more than 16 dotted parts"),
    (b"rotation = 90\n" + b"# " + b"." * 70000 + b"\n", "over 64 KiB"),
])
def test_corrupt_file_gives_the_defaults_and_one_line(tmp_path, caplog, content, says):
    f = tmp_path / "hmi.toml"
    f.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load_config(config_file=f, env={"HMI_PIN": "2580"}, search=[])
    assert cfg == HmiConfig(pin="2580")  # the environment still applies
    assert cfg.file is None
    [record] = caplog.records
    assert str(f) in record.getMessage() and says in record.getMessage()


@pytest.mark.parametrize("text", [
    'rotation = 90  # see the manual ..................\n',
    '[touch]\nx_min = 0.0125\ny_max = 0.98\n',
    'source = "modbus:/dev/ttyUSB0?packs=1-4"\ntheme = "../a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.json"\n',
    'note = """\nA1.B2.C3.D4.E5.F6.G7.H8.I9.J1.K2.L3.M4.N5.O6.P7.Q8\n"""\n',
    'note = [\n  "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.json",\n]\n',
])
def test_dots_in_comments_numbers_and_strings_are_not_deep_keys(tmp_path, caplog, text):
    f = tmp_path / "hmi.toml"
    f.write_text(text)
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load_config(config_file=f, env={}, search=[])
    assert cfg.file == f and not any("dotted" in r.getMessage() for r in caplog.records)


def test_missing_or_unreadable_file_gives_the_defaults_and_one_line(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        missing = load_config(config_file=tmp_path / "nope.toml", env={}, search=[])
        folder = load_config(config_file=tmp_path, env={}, search=[])
    assert missing == HmiConfig() and folder == HmiConfig()
    first, second = (r.getMessage() for r in caplog.records)
    assert "nope.toml not found" in first and "cannot be read" in second


def test_an_unreadable_etc_file_is_said_not_skipped(paths, caplog):
    """The first file that exists is the one: a broken /etc file is not quietly replaced."""
    etc, user = paths
    etc.mkdir(parents=True)  # exists, but is not a readable file
    write(user, "rotation = 90\n")
    with caplog.at_level(logging.WARNING, logger="hmi.config"):
        cfg = load(paths)
    assert cfg.rotation == 0 and len(caplog.records) == 1 and str(etc) in cfg.problems[0]


def run(args, env_extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HMI_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update({"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", **env_extra})
    return subprocess.run([sys.executable, str(ROOT / "run_hmi.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_screen_keeps_working_on_a_corrupt_file(tmp_path):
    f = tmp_path / "hmi.toml"
    f.write_text("rotation = = 90\n[touch\n")
    r = run(["--exit-after", "2"], {"HMI_CONFIG": str(f)})
    assert r.returncode == 0, r.stderr
    assert "not valid TOML" in r.stderr and "stopped after" in r.stderr


def test_screen_keeps_working_on_a_bad_source_in_the_file_and_shows_no_data(tmp_path):
    f = write(tmp_path / "hmi.toml", 'source = "sim:packs=99"\nrotation = 90\n')
    r = run(["--exit-after", "2"], {"HMI_CONFIG": str(f)})
    assert r.returncode == 0, r.stderr
    assert "running with no data source" in r.stderr and "source none" in r.stderr
    assert "rotation 90" in r.stderr and "stopped after" in r.stderr


def test_config_module_does_not_import_pygame():
    code = ("import sys, hmi.config; sys.exit(any(m.split('.')[0] == 'pygame' "
            "for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
