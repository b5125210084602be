"""Branding: a battery maker's theme file, and what a broken one gets."""
import json
import logging

from hmi.theme import DEFAULT_COLORS, load_theme


def test_default_theme_file_loads_every_role():
    theme = load_theme()
    assert set(theme.colors) == set(DEFAULT_COLORS)
    assert theme.font_regular.is_file() and theme.font_bold.is_file()


def test_brand_overrides_name_and_colours(tmp_path):
    from PIL import Image
    Image.new("RGB", (4, 2)).save(tmp_path / "logo.png")  # read once at load: a real picture
    f = tmp_path / "brand.json"
    f.write_text(json.dumps({"name": "Acme Power", "logo": "logo.png",
                             "colors": {"accent": "#112233"}}))
    theme = load_theme(f)
    assert theme.name == "Acme Power"
    assert theme.accent == (0x11, 0x22, 0x33)
    assert theme.logo == (tmp_path / "logo.png").resolve()
    assert theme.alarm == DEFAULT_COLORS["alarm"]


def test_corrupt_theme_file_falls_back_with_one_log_line(tmp_path, caplog):
    f = tmp_path / "broken.json"
    f.write_text("{ not json")
    with caplog.at_level(logging.WARNING):
        theme = load_theme(f)
    assert theme.colors == DEFAULT_COLORS
    assert len(caplog.records) == 1 and "broken.json" in caplog.records[0].getMessage()


def test_bad_colour_and_unknown_role_fall_back_alone(tmp_path, caplog):
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"colors": {"ok": "green", "sparkle": "#ffffff",
                                        "warn": "#010203"}}))
    with caplog.at_level(logging.WARNING):
        theme = load_theme(f)
    assert theme.ok == DEFAULT_COLORS["ok"]
    assert theme.warn == (1, 2, 3)
    assert len(caplog.records) == 2


def test_missing_theme_file_gives_default(tmp_path):
    assert load_theme(tmp_path / "nope.json").colors == DEFAULT_COLORS
