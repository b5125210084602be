"""The navigation bar drawn once and then blitted: same pixels, same targets, new on change."""
import pygame
import pytest

from hmi import chrome
from hmi.cache import LruCache
from hmi.profile import PROFILES
from hmi.widgets import Canvas
from screens import all_pages
from tests.harness import Harness


def nav_region(h: Harness) -> bytes:
    p = h.app.profile
    return pygame.image.tobytes(h.surface.subsurface((0, p.height - p.nav_h, p.width, p.nav_h)),
                                "RGB")


def nav_targets(h: Harness) -> list:
    return sorted((tuple(t.rect), t.action) for t in h.app._targets if t.action[0] == "goto")


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_kept_bar_is_the_bar_drawn_afresh(profile):
    h = Harness(profile, packs=2, start_page="cells")
    h.frame()
    fresh, fresh_targets = nav_region(h), nav_targets(h)
    assert len(h.app.parts) == 1
    h.app.goto("temps")
    h.frame()
    assert nav_region(h) != fresh  # another page is lit
    h.app.goto("cells")
    h.frame()
    assert len(h.app.parts) == 2  # cells came from the cache this time
    assert nav_region(h) == fresh and nav_targets(h) == fresh_targets


def test_the_alarm_dot_and_the_page_set_are_part_of_the_key():
    profile = PROFILES["800x480"]
    pages = list(all_pages().values())
    bar = [p for p in pages if p.nav_label]
    rect = pygame.Rect(0, profile.height - profile.nav_h, profile.width, profile.nav_h)
    parts = LruCache(4)
    from hmi.text import TextRenderer
    from hmi.theme import load_theme
    theme = load_theme()
    text = TextRenderer(theme, profile)

    def draw(pages_shown, marked):
        surface = pygame.Surface(profile.size)
        cv = Canvas(surface, theme, profile, text, parts=parts)
        chrome.nav_bar(cv, rect, pages_shown, "pack", marked)
        return pygame.image.tobytes(surface, "RGB"), [t.action for t in cv.targets]

    plain, plain_targets = draw(bar, frozenset())
    dotted, _ = draw(bar, frozenset({"alarms"}))
    fewer, fewer_targets = draw(bar[:5], frozenset())
    assert len({plain, dotted, fewer}) == 3 and len(parts) == 3
    assert len(fewer_targets) == 5 < len(plain_targets)
    assert draw(bar, frozenset()) == (plain, plain_targets)


def test_the_cache_keeps_only_the_newest():
    parts = LruCache(2)
    s = pygame.Surface((1, 1))
    for k in "abc":
        parts.put(k, (s, []))
    assert parts.get("a") is None and parts.get("c") is not None and len(parts) == 2
