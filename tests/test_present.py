"""Partial display updates: only what changed is sent, and nothing that changed is missed."""
import random

import pygame
import pytest

from hmi.present import changed_rects


def frame(size=(800, 480), color=(20, 20, 20)):
    s = pygame.Surface(size)
    s.fill(color)
    return s


def raw(s):
    return pygame.image.tobytes(s, "RGBX")


def covered(rects, x, y):
    return any(r.collidepoint(x, y) for r in rects)


def test_no_previous_frame_or_many_changes_means_a_full_update():
    a = frame()
    assert changed_rects(None, raw(a), a.get_size()) is None
    b = frame()
    for i in range(40):
        b.set_at((i * 19 % 800, i * 37 % 480), (255, 0, 0))
    assert changed_rects(raw(a), raw(b), a.get_size(), max_rects=4) is None


def test_an_unchanged_frame_sends_nothing():
    a = frame()
    assert changed_rects(raw(a), raw(frame()), a.get_size()) == []


def test_a_small_change_sends_a_small_rect_that_covers_it():
    a, b = frame(), frame()
    pygame.draw.rect(b, (200, 0, 0), pygame.Rect(500, 200, 30, 10))
    rects = changed_rects(raw(a), raw(b), a.get_size())
    assert rects and sum(r.width * r.height for r in rects) <= 2 * 80 * 16 * 2
    for x in range(500, 530):
        for y in range(200, 210):
            assert covered(rects, x, y)


def test_every_changed_pixel_is_covered_for_random_edits():
    rng = random.Random(7)
    for _ in range(30):
        a = frame((480, 272))
        b = a.copy()
        points = [(rng.randrange(480), rng.randrange(272)) for _ in range(rng.randrange(1, 6))]
        for p in points:
            b.set_at(p, (rng.randrange(256), 1, 2))
        rects = changed_rects(raw(a), raw(b), a.get_size(), max_rects=50)
        assert rects is not None
        for p in points:
            assert covered(rects, *p), (p, rects)


@pytest.mark.parametrize("depth", [32, 24, 16])
def test_the_display_pixels_as_they_lie_find_every_change(depth):
    from hmi.present import pixels
    rng = random.Random(depth)
    a = pygame.Surface((800, 480), depth=depth)
    a.fill((20, 20, 20))
    b = a.copy()
    spots = [(rng.randrange(800), rng.randrange(480)) for _ in range(5)]
    for x, y in spots:
        # The smallest change each depth can hold (16-bit keeps 5 bits of blue).
        b.set_at((x, y), (20, 20, 21 if depth > 16 else 60))
    (pa, pitch), (pb, _) = pixels(a), pixels(b)
    rects = changed_rects(pa, pb, a.get_size(), pitch=pitch)
    assert rects is not None and all(covered(rects, x, y) for x, y in spots)
    assert sum(r.width * r.height for r in rects) < 800 * 480 // 10


def test_padded_rows_are_read_with_their_pitch():
    width, height, pad = 100, 40, 12
    pitch = width * 4 + pad
    a = bytearray(pitch * height)
    b = bytearray(a)
    b[30 * pitch + 70 * 4] = 1  # pixel (70, 30)
    rects = changed_rects(bytes(a), bytes(b), (width, height), pitch=pitch)
    assert rects and covered(rects, 70, 30)
    assert not covered(rects, 5, 5)


def test_a_difference_only_in_row_padding_sends_nothing():
    # Two 2x1 frames whose 12-byte rows differ only past the second pixel.
    assert changed_rects(bytes(12), bytes(8) + b"\1\2\3\4", (2, 1), pitch=12) == []
