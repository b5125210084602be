"""The kiosk: the systemd unit, the backlight udev rule, and the install script.

The unit is checked twice: by reading its keys (always), and by ``systemd-analyze verify``
(Debian package ``systemd``) against a throwaway root holding the installed layout. The
install script runs against a temp ROOT, never the real system: a dry run on an empty
root, then a real install, then a second run that must change nothing.
"""
import configparser
import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import run_hmi
from tests.conftest import ROOT, missing, needs

DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "bms-hmi.service"
RULE = DEPLOY / "90-bms-hmi-backlight.rules"
INSTALL = DEPLOY / "install.sh"
EXAMPLE = DEPLOY / "hmi.example.toml"


def unit_sections(path: Path = UNIT) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # systemd keys are case-sensitive
    cp.read_string(path.read_text())
    return cp


# -- the unit --------------------------------------------------------------------------------

def test_unit_starts_at_boot_restarts_logs_to_the_journal_as_an_unprivileged_user():
    u = unit_sections()
    svc = u["Service"]
    assert u["Install"]["WantedBy"] == "multi-user.target"
    assert svc["Restart"] == "always"
    assert u["Unit"]["StartLimitIntervalSec"] == "0"  # never stop retrying
    assert svc["User"] == "bms-hmi" and svc["Group"] == "bms-hmi"
    assert svc["StandardOutput"] == "journal" and svc["StandardError"] == "journal"
    assert svc["NoNewPrivileges"] == "yes" and svc["CapabilityBoundingSet"] == ""
    # No PrivateDevices: the HMI needs /dev/dri, /dev/input, the serial adapter.
    assert "PrivateDevices" not in svc
    # A supplementary group that does not exist would stop the unit from starting at all;
    # groups come from the user (install.sh adds those that exist).
    assert "SupplementaryGroups" not in svc


def test_unit_runs_the_installed_app_full_screen_with_options_run_hmi_accepts():
    argv = shlex.split(unit_sections()["Service"]["ExecStart"])
    assert argv[:2] == ["/opt/bms-hmi/venv/bin/python", "/opt/bms-hmi/app/run_hmi.py"]
    args = run_hmi.parse_args(argv[2:])
    assert args.fullscreen is True
    assert unit_sections()["Service"]["WorkingDirectory"] == "/opt/bms-hmi/app"
    assert "PREFIX=/opt/bms-hmi\n" in INSTALL.read_text()


def host_unit_dir() -> Path:
    for d in (Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")):
        if (d / "sysinit.target").exists():
            return d
    missing("systemd's own units are not installed (Debian package systemd)")


def verify(root: Path, unit_text: str) -> subprocess.CompletedProcess:
    """systemd-analyze verify in a throwaway root laid out as install.sh leaves it."""
    (root / "etc/systemd/system").mkdir(parents=True, exist_ok=True)
    (root / "etc/systemd/system/bms-hmi.service").write_text(unit_text)
    if not (root / "usr/lib/systemd/system").exists():
        shutil.copytree(host_unit_dir(), root / "usr/lib/systemd/system", symlinks=True)
    python = root / "opt/bms-hmi/venv/bin/python"  # verify checks ExecStart's program
    if not python.exists():
        python.parent.mkdir(parents=True, exist_ok=True)
        python.write_text("#!/bin/sh\n")
        python.chmod(0o755)
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}", "--man=no",
                           "bms-hmi.service"], capture_output=True, text=True, timeout=60)


@needs("systemd-analyze", "systemd")
def test_systemd_analyze_verify_finds_nothing_and_would_find_a_mistake(tmp_path):
    r = verify(tmp_path, UNIT.read_text())
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
    # The check can fail: a typo in a value and an unknown key are both reported.
    broken = UNIT.read_text().replace("Restart=always", "Restart=allways\nRestartSecs=3")
    r = verify(tmp_path, broken)
    assert "allways" in r.stderr and "RestartSecs" in r.stderr


# -- the udev rule ---------------------------------------------------------------------------

def test_backlight_rule_gives_the_service_group_write_access_to_what_the_app_writes():
    rule = [line for line in RULE.read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert len(rule) == 1
    line = rule[0]
    group = unit_sections()["Service"]["Group"]
    assert 'SUBSYSTEM=="backlight"' in line and 'ACTION=="add"' in line
    assert f"chgrp {group} " in line and "chmod g+w " in line
    for attr in ("bl_power", "brightness"):
        assert line.count(f"$sys$devpath/{attr}") == 2  # chgrp and chmod
    assert '"bl_power"' in (ROOT / "hmi" / "backlight.py").read_text()


# -- the install script ----------------------------------------------------------------------

def install(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROOT": str(root), "PYTHON": sys.executable}
    r = subprocess.run(["bash", str(INSTALL), *args], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def lines(r: subprocess.CompletedProcess, kind: str) -> list[str]:
    return [line for line in r.stdout.splitlines() if line.startswith(kind + ":")]


def test_install_script_parses():
    assert subprocess.run(["bash", "-n", str(INSTALL)]).returncode == 0


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    r = install(tmp_path, "--dry-run")
    plan = r.stdout
    for step in ("would: create system user bms-hmi: useradd --root",
                 "would: copy the app from", "would: create the venv /opt/bms-hmi/venv",
                 "would: install requirements.txt into the venv",
                 "would: write /etc/bms-hmi/hmi.toml from deploy/hmi.example.toml",
                 "would: install /etc/systemd/system/bms-hmi.service",
                 "would: install /etc/udev/rules.d/90-bms-hmi-backlight.rules",
                 "would: enable bms-hmi.service at boot",
                 "skip: packages (ROOT is set", "skip: udev reload", "skip: start"):
        assert step in plan, step
    assert lines(r, "do") == []
    assert "8 steps would run (dry run: nothing was changed)" in plan
    assert list(tmp_path.iterdir()) == []


def make_image(root: Path, members: str = "bms-hmi") -> None:
    """A root where the user exists (useradd --root needs a full image) and a venv is made."""
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nbms-hmi:x:998:998::/var/lib/bms-hmi:/usr/sbin/nologin\n")
    (root / "etc/group").write_text(
        f"root:x:0:\ndialout:x:20:{members}\ninput:x:101:pi,{members}\nvideo:x:44:{members}\n"
        "bms-hmi:x:998:\n")  # no render group on this image
    venv = root / "opt/bms-hmi/venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin/python").write_text("#!/bin/sh\n")
    (venv / "bin/python").chmod(0o755)
    import hashlib
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    (venv / ".requirements.sha256").write_text(digest + "\n")


def test_dry_run_adds_only_missing_group_memberships_and_skips_absent_groups(tmp_path):
    make_image(tmp_path, members="")
    r = install(tmp_path, "--dry-run")
    assert "ok: user bms-hmi exists" in r.stdout
    for g in ("dialout", "input", "video"):
        assert f"would: add bms-hmi to group {g}: usermod --root {tmp_path} -a -G {g}" in r.stdout
    assert "skip: group render does not exist on this system" in r.stdout
    assert "ok: venv has the packages of requirements.txt" in r.stdout


needs_systemctl = needs("systemctl", "systemd")


@needs_systemctl
def test_install_then_a_second_run_changes_nothing(tmp_path):
    make_image(tmp_path)
    first = install(tmp_path)
    assert len(lines(first, "do")) == 5, first.stdout  # app, settings, unit, rule, enable
    app = tmp_path / "opt/bms-hmi/app"
    assert (app / "run_hmi.py").read_text() == (ROOT / "run_hmi.py").read_text()
    assert (app / "hmi/config.py").is_file() and not (app / "tests").exists()
    assert not (app / ".git").exists() and not (app / ".venv").exists()
    conf = tmp_path / "etc/bms-hmi/hmi.toml"
    assert conf.read_text() == EXAMPLE.read_text()
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640  # the PIN is in it
    if os.geteuid() == 0:
        assert (conf.stat().st_uid, conf.stat().st_gid) == (0, 998)
    assert (tmp_path / "etc/systemd/system/bms-hmi.service").read_text() == UNIT.read_text()
    assert (tmp_path / "etc/udev/rules.d/90-bms-hmi-backlight.rules").read_text() == \
        RULE.read_text()
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants/bms-hmi.service"
    assert os.readlink(wants) == "/etc/systemd/system/bms-hmi.service"

    second = install(tmp_path)
    assert lines(second, "do") == [] and lines(second, "would") == []
    assert "nothing to change" in second.stdout
    for state in ("ok: user bms-hmi exists", "ok: /opt/bms-hmi/app is up to date",
                  "ok: keep /etc/bms-hmi/hmi.toml (never overwritten)",
                  "ok: /etc/systemd/system/bms-hmi.service is up to date",
                  "ok: bms-hmi.service is enabled at boot"):
        assert state in second.stdout

    # The installer edits the settings; a changed unit is put back; the settings stay.
    conf.write_text('source = "modbus:/dev/ttyUSB0"\n')
    (tmp_path / "etc/systemd/system/bms-hmi.service").write_text("[Service]\n")
    third = install(tmp_path)
    assert lines(third, "do") == [
        "do: install /etc/systemd/system/bms-hmi.service: install -D -m 0644 "
        f"{UNIT} {tmp_path}/etc/systemd/system/bms-hmi.service"]
    assert conf.read_text() == 'source = "modbus:/dev/ttyUSB0"\n'


@needs_systemctl
def test_link_mode_points_the_app_at_the_checkout_once(tmp_path):
    make_image(tmp_path)
    install(tmp_path, "--link")
    assert os.readlink(tmp_path / "opt/bms-hmi/app") == str(ROOT)
    again = install(tmp_path, "--link")
    assert "nothing to change" in again.stdout and f"links to {ROOT}" in again.stdout


@needs_systemctl
@needs("systemd-analyze", "systemd")
def test_the_installed_layout_passes_systemd_analyze(tmp_path):
    make_image(tmp_path)
    install(tmp_path)
    r = verify(tmp_path, (tmp_path / "etc/systemd/system/bms-hmi.service").read_text())
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr
