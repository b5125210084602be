"""The golden comparison itself: one changed pixel is caught, named, and leaves evidence."""
import pygame

from hmi.scenes import save_png
from tests import golden


def test_one_changed_pixel_is_reported_with_its_position_and_images(tmp_path, monkeypatch):
    monkeypatch.setattr(golden, "GOLDEN_DIR", tmp_path / "goldens")
    monkeypatch.setattr(golden, "FAILURE_DIR", tmp_path / "failures")
    golden.GOLDEN_DIR.mkdir()
    surface = pygame.Surface((40, 30))
    surface.fill((10, 20, 30))
    save_png(surface, golden.GOLDEN_DIR / "case.png")
    assert golden.compare("case", surface) is None
    surface.set_at((17, 9), (10, 20, 31))
    problem = golden.compare("case", surface)
    assert problem is not None
    assert "1 pixels differ" in problem and "(17, 9)" in problem
    assert (golden.FAILURE_DIR / "case-actual.png").exists()
    assert (golden.FAILURE_DIR / "case-diff.png").exists()


def test_a_missing_golden_fails_and_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setattr(golden, "GOLDEN_DIR", tmp_path)
    problem = golden.compare("nope", pygame.Surface((4, 4)))
    assert problem is not None and "update_goldens" in problem
