"""The rendered-text cache: hits, least-recently-used eviction, bounded by count and bytes."""
from hmi.profile import PROFILES
from hmi.text import TextRenderer
from hmi.theme import load_theme

WHITE = (255, 255, 255)


def renderer(**kw) -> TextRenderer:
    return TextRenderer(load_theme(), PROFILES["800x480"], **kw)


def held(tr: TextRenderer) -> int:
    return sum(s.get_pitch() * s.get_height() for s in tr._cache.values())


def test_the_same_text_is_rendered_once():
    tr = renderer()
    a = tr.render("52.3 V", "huge", WHITE)
    assert tr.render("52.3 V", "huge", WHITE) is a
    assert tr.render("52.3 V", "huge", (0, 0, 0)) is not a  # colour is part of the key


def test_count_bound_evicts_the_least_recently_used():
    tr = renderer(cache_size=3)
    first = tr.render("a", "body", WHITE)
    tr.render("b", "body", WHITE)
    tr.render("a", "body", WHITE)  # "a" is now the most recent
    tr.render("c", "body", WHITE)
    tr.render("d", "body", WHITE)  # evicts "b", not "a"
    assert len(tr._cache) == 3
    assert tr.render("a", "body", WHITE) is first
    assert ("b", "body", WHITE) not in tr._cache


def test_byte_bound_holds_and_the_count_of_bytes_is_true():
    tr = renderer(cache_bytes=200_000)
    for i in range(300):
        tr.render(f"{i / 10:.1f} V", "huge" if i % 2 else "label", WHITE)
        assert tr.cached_bytes == held(tr) <= 200_000
    assert 1 < len(tr._cache) < 300


def test_one_text_bigger_than_the_bound_is_still_drawn_and_kept_alone():
    tr = renderer(cache_bytes=10)
    tr.render("small", "label", WHITE)
    big = tr.render("88888888", "huge", WHITE)
    assert list(tr._cache.values()) == [big] and tr.cached_bytes == held(tr)
