"""Nothing imports upward: drivers and the model run without pygame."""
import subprocess
import sys

from tests.conftest import ROOT

CHECK = "import sys, {mods}; bad = [m for m in sys.modules if m.split('.')[0] == 'pygame']; " \
        "assert not bad, bad"


def run_isolated(mods: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHECK.format(mods=mods)], cwd=ROOT,
                          capture_output=True, text=True)


def test_model_bus_and_aggregate_do_not_import_pygame():
    r = run_isolated("hmi.model, hmi.bus, hmi.aggregate, hmi.format")
    assert r.returncode == 0, r.stderr


def test_every_driver_module_imports_without_pygame():
    mods = []
    for path in sorted((ROOT / "drivers").rglob("*.py")):
        mod = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mods.append(mod.removesuffix(".__init__"))
    r = run_isolated(", ".join(mods))
    assert r.returncode == 0, r.stderr


def test_the_check_itself_catches_pygame():
    r = run_isolated("pygame")
    assert r.returncode != 0
