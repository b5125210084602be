"""Idle cost: CPU seconds of the HMI showing live data, against a naive 30 fps redraw loop.

    .venv/bin/python bench/idle.py [--seconds 60] [--size 800x480] [--source sim:...]

Both run at once, each in its own process on the SDL dummy driver, on the cells page with
the simulated battery publishing once a second:

* the HMI: ``run_hmi.py --page cells --exit-after ...`` (the real ``hmi.loop.run``: it
  sleeps on the data bus, looks for touches between, and draws only when the frame key
  changes);
* the naive loop: the same app, driver and page, drawn whole and flipped every frame at
  30 fps (``pygame.time.Clock.tick(30)``), as a game loop would.

Start-up (imports, fonts, the simulator reaching its start) is not idle cost, so each
process's CPU time (user + system, every thread, from /proc/<pid>/stat) is read once the
process has run ``--warmup`` seconds past start-up and again ``--seconds`` later. Goal:
HMI / naive ≤ 0.1.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.1
#: Printed by each process once start-up is over (the HMI's own log line, and ours).
READY = {"hmi": "INFO hmi: HMI ", "naive": "naive loop running"}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of every thread of ``pid`` so far (fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as fh:
        # The command name may hold spaces; the fields after its closing parenthesis do not.
        rest = fh.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICKS


def child_env(empty_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMI_")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               PYGAME_HIDE_SUPPORT_PROMPT="1", TZ="UTC",
               # No user config file may change what is measured.
               XDG_CONFIG_HOME=empty_dir)
    return env


class Run:
    """One measured process: started, watched for its ready line, sampled twice."""

    def __init__(self, name: str, argv: list[str], empty_dir: str):
        self.name = name
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=child_env(empty_dir),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.ready = threading.Event()
        self.lines: list[str] = []
        self.started = time.monotonic()
        self.ready_after: float | None = None
        self.window: tuple[float, float] | None = None
        self.frames: int | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        # Drained continuously, so a chatty child never blocks on a full pipe.
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if READY[self.name] in line and not self.ready.is_set():
                self.ready_after = time.monotonic() - self.started
                self.ready.set()
            if "frames" in line:
                digits = [w for w in line.split() if w.isdigit()]
                if digits:
                    self.frames = int(digits[-1])

    def sample(self) -> float:
        return cpu_seconds(self.proc.pid)

    def finish(self, timeout: float) -> tuple[float, int]:
        """Wait for the exit; (CPU seconds of the whole life, exit code).

        os.wait4 rather than Popen.wait: it hands back the child's own rusage.
        """
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.proc.kill()
            time.sleep(0.05)
        self.proc.returncode = code = os.waitstatus_to_exitcode(status)
        return usage.ru_utime + usage.ru_stime, code


def naive_child(seconds: float, size: str, source: str) -> int:
    """The reference: everything redrawn and flipped at 30 fps, whatever changed."""
    from hmi.scenes import headless_environment
    headless_environment()
    import pygame

    from drivers import open_source
    from hmi.app import HmiApp
    from hmi.bus import DataBus
    from hmi.profile import get_profile
    from hmi.theme import load_theme
    driver = open_source(source)
    profile = get_profile(size)
    bus = DataBus(freshness=driver.freshness, local_address=driver.local_address,
                  source=source)
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(profile.size)
    app = HmiApp(bus, profile, load_theme(), start_page="cells", driver=driver,
                 sleep_after_s=0)
    driver.start(bus)
    print(READY["naive"], flush=True)
    clock = pygame.time.Clock()
    frames = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            pygame.event.pump()
            app.update()
            app.draw(screen)
            pygame.display.flip()
            frames += 1
            clock.tick(30)
    finally:
        driver.stop()
        pygame.quit()
    print(f"naive loop stopped after {frames} frames", flush=True)
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="measured window (default 60)")
    ap.add_argument("--warmup", type=float, default=3.0,
                    help="seconds after start-up before the window opens (default 3)")
    ap.add_argument("--size", default="800x480")
    ap.add_argument("--source", default="sim:packs=1,scenario=day,start=charging,speed=1")
    ap.add_argument("--naive-child", type=float, metavar="S", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.naive_child is not None:
        return naive_child(args.naive_child, args.size, args.source)

    with tempfile.TemporaryDirectory(prefix="idle-bench-") as empty_dir:
        return measure(args, empty_dir)


def measure(args: argparse.Namespace, empty_dir: str) -> int:
    run_for = args.warmup + args.seconds + 1.0
    hmi_args = ["--page", "cells", "--size", args.size, "--source", args.source,
                "--sleep-after", "0", "--exit-after", f"{run_for:g}"]
    me = str(Path(__file__).resolve())
    runs = [Run("hmi", [sys.executable, "run_hmi.py", *hmi_args], empty_dir),
            Run("naive", [sys.executable, me, "--naive-child", f"{run_for:g}", "--size",
                          args.size, "--source", args.source], empty_dir)]
    for r in runs:
        if not r.ready.wait(60):
            r.proc.kill()
            print("\n".join(r.lines[-20:]))
            raise SystemExit(f"{r.name} did not start")
    # Both windows open together, after each process has warmed up.
    time.sleep(args.warmup)
    before = {r.name: r.sample() for r in runs}
    t0 = time.monotonic()
    time.sleep(args.seconds)
    after = {r.name: r.sample() for r in runs}
    window = time.monotonic() - t0
    print(f"idle cost over {window:.1f} s, {args.size}, cells page, --source {args.source}")
    for r in runs:
        total, status = r.finish(timeout=run_for + 30)
        used = after[r.name] - before[r.name]
        frames = f", {r.frames} frames in all" if r.frames is not None else ""
        print(f"  {r.name:8}  {used:6.2f} CPU s in the window ({100 * used / window:5.1f} % of "
              f"a core); {total:.2f} CPU s over its whole life, start-up "
              f"{r.ready_after:.1f} s{frames}; exit {status}")
        if status != 0:
            print("\n".join(r.lines[-20:]))
    hmi = after["hmi"] - before["hmi"]
    naive = after["naive"] - before["naive"]
    ratio = hmi / naive if naive > 0 else float("inf")
    print(f"ratio HMI / naive = {ratio:.3f}  (goal ≤ {GOAL_RATIO}: "
          f"{'met' if ratio <= GOAL_RATIO else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
