"""The logo on the panel first, before the data link and the other pages are loaded.

A panel shows nothing until this runs, so it imports only what the logo needs; run_hmi
loads the rest while the logo is up. The app's own first frame is the same picture
(tests/test_splash.py), so nothing moves when the app takes over.
"""
from __future__ import annotations

from hmi.display import Screen
from hmi.text import TextRenderer
from hmi.theme import Theme
from hmi.widgets import Canvas
from screens.logo import LogoPage


def show_logo(screen: Screen, theme: Theme) -> TextRenderer:
    """Draw the logo page into the screen's frame and put it on the panel. Returns the
    text renderer it used, for the app to go on with (fonts loaded, logo text cached)."""
    text = TextRenderer(theme, screen.profile)
    surface = screen.frame
    surface.fill(theme.background)
    LogoPage().draw(Canvas(surface, theme, screen.profile, text), surface.get_rect(), None)
    screen.present()
    return text
