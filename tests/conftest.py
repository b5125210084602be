"""Test set-up: the repo on sys.path; no window, no sound, one time zone."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmi.scenes import headless_environment  # noqa: E402

headless_environment()
