"""Every page × every panel profile × the core scenes, compared pixel-exact to goldens."""
import pytest

from hmi.profile import PROFILES
from hmi.rotation_goldens import case_names as rotation_case_names
from hmi.scenes import golden_cases, headless
from hmi.theme import load_theme
from tests.golden import GOLDEN_DIR, compare

headless()
CASES = dict(golden_cases(PROFILES, load_theme()))


@pytest.mark.parametrize("name", list(CASES))
def test_page_matches_golden(name):
    problem = compare(name, CASES[name]())
    assert problem is None, problem


def test_no_orphan_goldens():
    """A golden no case renders any more is a stale review artefact: delete it."""
    known = set(CASES) | set(rotation_case_names())  # rotations: tests/test_rotation.py
    orphans = sorted(p.stem for p in GOLDEN_DIR.glob("*.png") if p.stem not in known)
    assert orphans == []


def test_every_profile_and_core_page_has_goldens():
    for profile in PROFILES:
        for page in ("logo", "pack", "cells", "temps"):
            assert any(n.startswith(f"{page}-") and n.endswith(profile) for n in CASES), \
                (page, profile)
