"""The one exception every driver raises for a bad source string or option.

Its own module so that checking a source name (the settings file, the command line) costs
no import of the bus and the model before the logo is on the panel.
"""
from __future__ import annotations


class DriverError(Exception):
    """A source string or driver option is wrong; the message says what to write instead."""
