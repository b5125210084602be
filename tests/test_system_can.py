"""The system page on a CAN link: the extremes with the place the BMS names, never over
their labels, whatever eight letters the name has."""
import pygame
import pytest

from hmi.model import BusState, LinkState, PackLink, SystemSnapshot
from hmi.profile import PROFILES
from hmi.text import TextRenderer
from hmi.theme import load_theme
from hmi.widgets import Canvas
from screens import system as system_page
from screens.context import PageContext, UiState


def draw_rows(profile_name, names, monkeypatch):
    profile = PROFILES[profile_name]
    theme = load_theme()
    drawn = []
    real_row = system_page.row

    def spy(cv, rect, label, value, tone=None, role="body_bold"):
        drawn.append((pygame.Rect(rect), label, value, role))
        return real_row(cv, rect, label, value, **({"tone": tone} if tone else {}), role=role)

    monkeypatch.setattr(system_page, "row", spy)
    snap = SystemSnapshot(timestamp=1.8e9, voltage_v=52.1, current_a=2.0, soc=28, packs=4,
                          min_cell_mv=3248, max_cell_mv=3262,
                          min_cell_name=names[0], max_cell_name=names[1])
    state = BusState(now=1.8e9, packs=(), source="can:x", system=snap,
                     system_link=PackLink(LinkState.LIVE, 0.0, 1.8e9))
    text = TextRenderer(theme, profile)
    cv = Canvas(pygame.Surface(profile.size), theme, profile, text)
    body = pygame.Rect(0, profile.header_h, profile.width,
                       profile.height - profile.header_h - profile.nav_h)
    system_page.SystemPage().draw(cv, body, PageContext(state, UiState(page="system"), None))
    return {label: (rect, value, role) for rect, label, value, role in drawn}, text, profile


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("names", [("4-13", "2-12"), ("WWWWWWWW", "MMMMMMMM")])
def test_cell_extremes_show_their_place_without_covering_the_label(profile, names,
                                                                   monkeypatch):
    rows, text, p = draw_rows(profile, names, monkeypatch)
    for label, name in (("Cell min", names[0]), ("Cell max", names[1])):
        rect, value, role = rows[label]
        assert value.endswith(f"mV  ({name})")  # as the pack-based page writes places
        used = text.size(label, "label")[0] + text.size(value, role)[0] + 3 * p.margin
        assert used <= rect.width, (label, value, role, used, rect.width)


def test_no_name_no_dot(monkeypatch):
    rows, _, _ = draw_rows("480x320", (None, None), monkeypatch)
    assert rows["Cell max"][1] == "3262 mV" and rows["Cell min"][1] == "3248 mV"
