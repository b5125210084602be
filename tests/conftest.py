"""Test set-up: the repo on sys.path; no window, no sound, one time zone; Debian tools."""
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmi.scenes import headless_environment  # noqa: E402

headless_environment()


# -- Debian tools some tests drive (socat, mbpoll, systemd): .ci/run installs them --------
def missing(reason: str) -> None:
    """Skip on a developer's machine without the tool; in CI a missing tool is a failure,
    never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(reason + " — .ci/run should have installed it")
    pytest.skip(reason)


def require_tool(name: str, package: str = "") -> str:
    """The tool's path, or :func:`missing`."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (apt-get install {package or name})")
    return path


def needs(tool: str, package: str):
    """A test that runs the tool: skipped without it, except in CI, where it fails."""
    return pytest.mark.skipif(shutil.which(tool) is None and not os.environ.get("CI"),
                              reason=f"{tool} not installed (Debian package {package})")
