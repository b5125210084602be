"""A panel mounted turned: the picture turned onto it, touches turned back, video driver choice.

Coordinate transforms are checked as pure functions (corners by hand, round trips by
property), then through pygame (the turned surface puts each pixel where the transform
says), then through the real event loop with posted finger and mouse events.
"""
import logging
import types

import pygame
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from hmi import display
from hmi.display import DisplayError, Screen, driver_candidates, init_video, pick_profile, turn
from hmi.geometry import (ROTATIONS, Calibration, Viewport, calibrate, fraction_to_pixel,
                          pixel_to_fraction, rotate_point, rotated_size, uncalibrate,
                          unrotate_point)
from hmi.profile import PROFILES
from hmi.rotation_goldens import rotation_cases
from hmi.scenes import headless, surface_rgb
from hmi.theme import load_theme
from tests.golden import compare

headless()
#: One render of the page, turned four ways (the page is drawn once for all of them).
ROTATED = dict(rotation_cases(load_theme()))

rotations = st.sampled_from(ROTATIONS)
sizes = st.tuples(st.integers(1, 900), st.integers(1, 900))


# -- pure transforms -------------------------------------------------------------------------

def test_rotated_size_swaps_only_at_quarter_turns():
    assert [rotated_size((480, 320), r) for r in ROTATIONS] == [
        (480, 320), (320, 480), (480, 320), (320, 480)]


def test_a_rotation_that_is_not_a_quarter_turn_is_refused():
    with pytest.raises(ValueError, match="0, 90, 180, 270"):
        rotated_size((480, 320), 45)


@pytest.mark.parametrize("rotation, corners", [
    # Turned clockwise: the layout's top-left goes to the top-right, and so on round.
    (0, [(0, 0), (479, 0), (479, 319), (0, 319)]),
    (90, [(319, 0), (319, 479), (0, 479), (0, 0)]),
    (180, [(479, 319), (0, 319), (0, 0), (479, 0)]),
    (270, [(0, 479), (0, 0), (319, 0), (319, 479)]),
])
def test_layout_corners_land_where_a_clockwise_turn_puts_them(rotation, corners):
    layout = [(0, 0), (479, 0), (479, 319), (0, 319)]  # TL, TR, BR, BL
    assert [rotate_point(c, (480, 320), rotation) for c in layout] == corners


@given(sizes, rotations, st.data())
def test_unrotate_undoes_rotate(size, rotation, data):
    p = (data.draw(st.integers(0, size[0] - 1)), data.draw(st.integers(0, size[1] - 1)))
    q = rotate_point(p, size, rotation)
    turned = rotated_size(size, rotation)
    assert 0 <= q[0] < turned[0] and 0 <= q[1] < turned[1]
    assert unrotate_point(q, size, rotation) == p


@pytest.mark.parametrize("cal, raw, expected", [
    (Calibration(), (0.25, 0.75), (0.25, 0.75)),
    (Calibration(swap_xy=True), (0.25, 0.75), (0.75, 0.25)),
    (Calibration(invert_x=True), (0.25, 0.75), (0.75, 0.75)),
    (Calibration(invert_y=True), (0.25, 0.75), (0.25, 0.25)),
    # A resistive panel whose picture covers raw 0.1-0.9 across and 0.2-0.6 down.
    (Calibration(x_min=0.1, x_max=0.9, y_min=0.2, y_max=0.6), (0.5, 0.3), (0.5, 0.25)),
    # A panel that advertises a range smaller than it reports (raw readings past 1.0).
    (Calibration(x_min=0.0, x_max=8.0, y_min=0.0, y_max=8.0), (6.0, 2.0), (0.75, 0.25)),
    # Swap first, then the range (of the swapped axis), then invert.
    (Calibration(swap_xy=True, invert_x=True, x_min=0.5, x_max=1.0), (0.1, 0.75), (0.5, 0.1)),
    # Past the calibrated edge (the bezel) clamps onto the picture.
    (Calibration(x_min=0.1, x_max=0.9), (0.05, 1.2), (0.0, 1.0)),
])
def test_calibration_by_hand(cal, raw, expected):
    assert calibrate(raw, cal) == pytest.approx(expected)


calibrations = st.builds(
    Calibration, swap_xy=st.booleans(), invert_x=st.booleans(), invert_y=st.booleans(),
    x_min=st.floats(-1, 0.4), x_max=st.floats(0.6, 9), y_min=st.floats(-1, 0.4),
    y_max=st.floats(0.6, 9))


@given(calibrations, st.floats(0, 1), st.floats(0, 1))
def test_uncalibrate_is_what_the_panel_reads_where_calibrate_says(cal, fx, fy):
    assert calibrate(uncalibrate((fx, fy), cal), cal) == pytest.approx((fx, fy), abs=1e-9)


@given(sizes, st.data())
def test_pixel_fraction_round_trip(size, data):
    p = (data.draw(st.integers(0, size[0] - 1)), data.draw(st.integers(0, size[1] - 1)))
    assert fraction_to_pixel(pixel_to_fraction(p, size), size) == p


# -- the viewport: turned and centred --------------------------------------------------------

VIEWS = [
    Viewport((480, 320), (480, 320), 0),
    Viewport((320, 480), (480, 320), 90),   # a portrait 3.5" panel used in landscape
    Viewport((480, 320), (480, 320), 180),  # mounted upside down
    Viewport((272, 480), (480, 272), 270),
    Viewport((1024, 600), (800, 480), 0),   # a bigger panel: centred
    Viewport((600, 1024), (800, 480), 90),
    Viewport((600, 1024), (800, 480), 270),
]


@given(st.sampled_from(VIEWS), calibrations, st.data())
def test_a_point_drawn_and_touched_where_it_shows_maps_back_to_itself(view, cal, data):
    """The round trip: logical (x, y) → lit on the panel → touched there → (x, y)."""
    w, h = view.logical
    p = (data.draw(st.integers(0, w - 1)), data.draw(st.integers(0, h - 1)))
    lit = view.to_physical(p)
    assert 0 <= lit[0] < view.physical[0] and 0 <= lit[1] < view.physical[1]
    raw = uncalibrate(pixel_to_fraction(lit, view.physical), cal)
    assert view.touch(raw, cal) == p
    assert view.mouse(lit, Calibration()) == p


def test_a_bigger_panel_centres_the_layout_and_clamps_touches_on_the_border():
    view = Viewport((1024, 600), (800, 480), 0)
    assert view.offset == (112, 60)
    assert view.to_physical((0, 0)) == (112, 60)
    assert view.to_logical((0, 0)) == (0, 0)            # black border → nearest edge
    assert view.to_logical((1023, 599)) == (799, 479)


def test_blit_position_is_the_top_left_of_the_turned_layout():
    assert Viewport((600, 1024), (800, 480), 90).blit_position() == (60, 112)
    assert Viewport((320, 480), (480, 320), 270).blit_position() == (0, 0)


# -- pygame: turning is exact ---------------------------------------------------------------

def numbered_surface(size):
    """Every pixel a different colour, so a swap or a mirror cannot hide."""
    s = pygame.Surface(size)
    for y in range(size[1]):
        for x in range(size[0]):
            s.set_at((x, y), (x * 30 % 256, y * 40 % 256, (x + y * size[0]) % 256))
    return s


@pytest.mark.parametrize("rotation", ROTATIONS)
def test_turn_puts_every_pixel_where_rotate_point_says(rotation):
    src = numbered_surface((7, 4))
    out = turn(src, rotation)
    assert out.get_size() == rotated_size((7, 4), rotation)
    for y in range(4):
        for x in range(7):
            assert out.get_at(rotate_point((x, y), (7, 4), rotation)) == src.get_at((x, y))


@pytest.mark.parametrize("rotation, transpose", [
    (90, Image.Transpose.ROTATE_270), (180, Image.Transpose.ROTATE_180),
    (270, Image.Transpose.ROTATE_90)])
def test_turn_agrees_with_pillow_on_a_real_page(rotation, transpose):
    """An independent implementation (Pillow turns counter-clockwise) on a whole page."""
    page = ROTATED["rotation-0-480x320"]()
    ours = turn(page, rotation)
    pil = Image.frombytes("RGB", page.get_size(), surface_rgb(page)).transpose(transpose)
    assert ours.get_size() == pil.size
    assert surface_rgb(ours) == pil.tobytes()


@pytest.mark.parametrize("name", list(ROTATED))
def test_rotation_golden(name):
    problem = compare(name, ROTATED[name]())
    assert problem is None, problem


# -- the screen: what the loop draws through -------------------------------------------------

@pytest.fixture
def window():
    pygame.display.init()
    yield
    pygame.display.quit()


@pytest.mark.parametrize("rotation", ROTATIONS)
def test_screen_presents_the_frame_turned_onto_the_display(window, rotation):
    profile = PROFILES["480x320"]
    surface = pygame.display.set_mode(rotated_size(profile.size, rotation))
    screen = Screen(surface, profile, rotation)
    assert screen.frame.get_size() == (480, 320)
    assert (screen.frame is surface) == (rotation == 0)
    screen.frame.blit(numbered_surface((480, 320)), (0, 0))
    expected = surface_rgb(turn(screen.frame.copy(), rotation))
    screen.present()
    assert surface_rgb(surface) == expected


def test_screen_on_a_bigger_turned_panel_centres_with_a_black_border(window):
    surface = pygame.display.set_mode((600, 1024))
    screen = Screen(surface, PROFILES["800x480"], 90)
    surface.fill((255, 255, 255))
    screen.frame.fill((10, 20, 30))
    screen.present()
    assert surface.get_at((0, 0))[:3] == (0, 0, 0)
    assert surface.get_at((599, 1023))[:3] == (0, 0, 0)
    x, y = screen.view.blit_position()
    assert surface.get_at((x, y))[:3] == (10, 20, 30)
    assert surface.get_at((x + 479, y + 799))[:3] == (10, 20, 30)
    assert surface.get_at((x - 1, y))[:3] == (0, 0, 0)


class RecordingApp:
    """Just enough of HmiApp for loop.run: it records what the loop hands it."""

    def __init__(self, asleep=False):
        self.calls = []
        self.asleep = asleep
        self.bus = self
        self.waits = []

    def set_waker(self, waker):
        pass

    version = 0

    def wait(self, since_version, timeout):
        self.waits.append(timeout)
        return False  # no data ever arrives: only the posted events matter here

    def view(self):
        return types.SimpleNamespace(version=self.version)

    def update(self):
        pass

    def needs_draw(self, state):
        return False

    def press(self, pos):
        self.calls.append(("press", pos))

    def release(self, pos):
        self.calls.append(("release", pos))


def test_loop_turns_finger_and_mouse_events_back_and_counts_a_touch_once(window, caplog):
    from hmi import loop
    surface = pygame.display.set_mode((320, 480))
    screen = Screen(surface, PROFILES["480x320"], 90)
    app = RecordingApp()
    pygame.event.get()
    # The layout's nav button at logical (30, 300) shows at physical (19, 30) when turned 90.
    lit = screen.view.to_physical((30, 300))
    assert lit == (19, 30)
    fx, fy = pixel_to_fraction(lit, (320, 480))
    post = pygame.event.post
    post(pygame.event.Event(pygame.FINGERDOWN, x=fx, y=fy, touch_id=1, finger_id=0, dx=0.0,
                            dy=0.0, pressure=1.0))
    # SDL's mouse copy of the same touch: ignored, or the tap would count twice.
    post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=lit, button=1, touch=True))
    post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=lit, button=1, touch=True))
    post(pygame.event.Event(pygame.FINGERUP, x=fx, y=fy, touch_id=1, finger_id=0, dx=0.0,
                            dy=0.0, pressure=0.0))
    # A real mouse (desktop review, or a panel SDL takes for a mouse) counts.
    post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(319, 0), button=1, touch=False))
    post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(319, 0), button=1, touch=False))
    post(pygame.event.Event(pygame.QUIT))
    with caplog.at_level(logging.DEBUG, logger="hmi.loop"):
        loop.run(app, screen)
    assert app.calls == [("press", (30, 300)), ("release", (30, 300)),
                         ("press", (0, 0)), ("release", (0, 0))]
    touches = [r.getMessage() for r in caplog.records if r.name == "hmi.loop"]
    assert len(touches) == 4 and "finger down raw" in touches[0]


@pytest.mark.parametrize("asleep", [False, True])
def test_the_loop_looks_for_touches_less_often_when_nobody_touches(window, asleep):
    from hmi import loop
    screen = Screen(pygame.display.set_mode((480, 320)), PROFILES["480x320"], 0)
    app = RecordingApp(asleep=asleep)
    pygame.event.get()
    loop.run(app, screen, exit_after_s=0.3)
    assert app.waits and set(app.waits) == {loop.ASLEEP_POLL_S if asleep else loop.TOUCH_POLL_S}


def test_after_a_touch_the_loop_looks_every_frame(window):
    from hmi import loop
    screen = Screen(pygame.display.set_mode((480, 320)), PROFILES["480x320"], 0)
    app = RecordingApp()
    pygame.event.get()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 10), button=1,
                                         touch=False))
    loop.run(app, screen, exit_after_s=0.3)
    assert app.calls == [("press", (10, 10))]
    assert app.waits and set(app.waits) == {loop.ACTIVE_POLL_S}


class PagingApp(RecordingApp):
    """Draws a scripted run of (page, pack) frames, a dot moving on each, then stops."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.drawn = 0
        self.last_frame = None

    def wait(self, since_version, timeout):
        return True  # a publish each time: the next scripted frame

    def needs_draw(self, state):
        return self.drawn < len(self.script)

    def draw(self, surface, state):
        page, address = self.script[self.drawn]
        surface.fill((40, 40, 40) if page == "cells" else (40, 40, 41))
        surface.fill((255, 255, 255), pygame.Rect(10 + 5 * self.drawn, 10, 4, 4))
        self.last_frame = types.SimpleNamespace(page=page, address=address)
        self.drawn += 1


def test_a_new_page_or_pack_goes_out_whole_and_the_same_page_in_pieces(window):
    from hmi import loop
    screen = Screen(pygame.display.set_mode((480, 320)), PROFILES["480x320"], 0)
    # Two cells frames, the pack page, the detail of pack 1, then of pack 2.
    app = PagingApp([("cells", 1), ("cells", 1), ("pack", 1), ("pack-detail", 1),
                     ("pack-detail", 1), ("pack-detail", 2)])
    loop.run(app, screen, exit_after_s=0.6)
    assert app.drawn == 6
    assert screen.presenter.full_updates == 4 and screen.presenter.partial_updates == 2


def test_a_publish_just_after_the_look_ends_the_next_wait_at_once(window):
    import time

    from hmi import loop
    from hmi.bus import DataBus
    from tests.test_bus import snap
    pygame.display.set_mode((480, 320))
    pygame.event.get()
    bus = DataBus()
    looked_at = bus.view().version
    bus.publish(snap())  # lands between the frame's look and the wait
    t0 = time.monotonic()
    loop._idle_wait(bus, looked_at, poll_s=0.05)
    assert time.monotonic() - t0 < 0.03
    t0 = time.monotonic()
    loop._idle_wait(bus, bus.view().version, poll_s=0.05)  # nothing new: the full second
    assert time.monotonic() - t0 >= 0.95


def test_poll_interval_follows_the_hand_and_the_light():
    from hmi.loop import (ACTIVE_POLL_S, ACTIVE_WINDOW_S, ASLEEP_POLL_S, TOUCH_POLL_S,
                          poll_interval)
    assert poll_interval(False, 0.5) == ACTIVE_POLL_S
    assert poll_interval(False, ACTIVE_WINDOW_S + 0.1) == TOUCH_POLL_S
    assert poll_interval(False, float("inf")) == TOUCH_POLL_S
    assert poll_interval(True, 0.5) == ASLEEP_POLL_S
    # A tap is seen within 0.1 s from rest, and a finger at work at the frame rate.
    assert ACTIVE_POLL_S <= 1 / 30 + 1e-9 and TOUCH_POLL_S <= 0.1 < ASLEEP_POLL_S <= 0.25


# -- video driver and layout choice ----------------------------------------------------------

def test_panel_without_desktop_tries_kmsdrm_then_framebuffers_then_sdl():
    assert driver_candidates({}, fullscreen=True) == ["kmsdrm", "fbcon", "directfb", None]
    assert driver_candidates({"DISPLAY": ":0"}, fullscreen=True) == [None]
    assert driver_candidates({}, fullscreen=False) == [None]
    assert driver_candidates({"SDL_VIDEODRIVER": "x11"}, fullscreen=True) == ["x11"]


def fake_sdl(works: set):
    env = {}

    def init():
        name = env.get("SDL_VIDEODRIVER", "default")
        if name not in works:
            raise pygame.error(f"{name} not available")
    return env, init, (lambda: None), (lambda: env.get("SDL_VIDEODRIVER", "default"))


def test_first_working_driver_is_used_and_logged_with_what_failed(caplog):
    env, init, close, driver = fake_sdl({"directfb"})
    with caplog.at_level(logging.INFO, logger="hmi.display"):
        assert init_video(True, env, init, close, driver) == "directfb"
    assert env["SDL_VIDEODRIVER"] == "directfb"
    [line] = [r.getMessage() for r in caplog.records]
    assert "video driver directfb" in line and "kmsdrm: kmsdrm not available" in line


def test_sdl_default_is_the_last_resort():
    env, init, close, driver = fake_sdl({"default"})
    assert init_video(True, env, init, close, driver) == "default"
    assert "SDL_VIDEODRIVER" not in env


def test_no_working_driver_says_what_each_said():
    env, init, close, driver = fake_sdl(set())
    with pytest.raises(DisplayError) as err:
        init_video(True, env, init, close, driver)
    for name in ("kmsdrm", "fbcon", "directfb", "SDL default"):
        assert name in str(err.value)


def test_has_display_on_a_panel_needs_a_drm_or_framebuffer_device(tmp_path):
    assert not display.has_display(True, {}, tmp_path)
    (tmp_path / "dri").mkdir()
    (tmp_path / "dri" / "card1").touch()
    assert display.has_display(True, {}, tmp_path)
    assert not display.has_display(False, {}, tmp_path)  # a window needs a desktop
    assert display.has_display(False, {"DISPLAY": ":0"}, tmp_path)


@pytest.mark.parametrize("setting, panel, rotation, expected", [
    ("auto", (320, 480), 90, "480x320"),   # portrait 3.5" mounted landscape
    ("auto", (480, 272), 0, "480x272"),
    ("auto", (1024, 600), 0, "800x480"),
    ("auto", None, 90, "480x320"),         # a window: the reference panel
    ("480x272", (800, 480), 0, "480x272"),
])
def test_profile_from_the_panel_as_mounted(setting, panel, rotation, expected):
    assert pick_profile(setting, panel, rotation).name == expected
