"""Simulator speed: simulated seconds per wall second with 30 packs, per scenario.

    .venv/bin/python bench/sim_speed.py [--packs 30] [--hours 2]

Two ways the simulator runs, each timed over ``--hours`` simulated hours after a one-hour
run-in:

* driver: ``SimDriver.tick`` at a high ``speed``, as its thread runs ``sim:speed=N`` (steps
  of one second, in chunks of a minute, then one publish of every pack per tick of 600
  simulated seconds);
* per second: a step and a publish of every pack each simulated second, as the harness,
  the soak and ``--screenshot`` run it.

Goal: ≥ 1000 simulated s per wall s with 30 packs (the driver way, every scenario).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.soak import protection_cycle  # noqa: E402
from drivers.sim import SimDriver  # noqa: E402
from drivers.simbms import SCENARIOS  # noqa: E402
from hmi.bus import DataBus, FakeClock  # noqa: E402

GOAL = 1000.0
TICK_S = 600.0


def _driver(scenario, packs: int, **kw) -> SimDriver:
    driver = SimDriver(packs=packs, seed=1, scenario=scenario, **kw)
    attach = getattr(driver.sim.profile, "attach", None)
    if attach is not None:
        attach(driver.sim)                 # the soak's cycle reacts to the packs' flags
    return driver


def driver_rate(scenario, packs: int, seconds: float) -> float:
    driver = _driver(scenario, packs, speed=TICK_S)
    driver.connect(DataBus(FakeClock(0.0)))
    driver.tick(3600.0 / TICK_S)            # run-in: the first hour of the scenario
    ticks = int(seconds // TICK_S)
    t0 = time.perf_counter()
    for _ in range(ticks):
        driver.tick(1.0)                    # TICK_S simulated seconds, then a publish
    return ticks * TICK_S / (time.perf_counter() - t0)


def per_second_rate(scenario, packs: int, seconds: float) -> float:
    driver = _driver(scenario, packs, speed=1.0, start=3600.0)
    clock = FakeClock(0.0)
    driver.connect(DataBus(clock))
    n = int(seconds)
    t0 = time.perf_counter()
    for _ in range(n):
        clock.advance(1.0)
        driver.tick(1.0)
    return n / (time.perf_counter() - t0)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packs", type=int, default=30)
    ap.add_argument("--hours", type=float, default=2.0)
    args = ap.parse_args(argv)
    seconds = args.hours * 3600
    scenarios = {name: name for name in SCENARIOS}
    scenarios["protection-cycle (soak)"] = protection_cycle()
    print(f"simulated s per wall s, {args.packs} packs, {args.hours:g} simulated h each")
    print(f"  {'scenario':24} {'driver':>9} {'per second':>11}")
    driver_rates, second_rates = [], []
    for name, scenario in scenarios.items():
        d = driver_rate(scenario, args.packs, seconds)
        s = per_second_rate(scenario, args.packs, min(seconds, 1800.0))
        driver_rates.append(d)
        second_rates.append(s)
        print(f"  {name:24} {d:9.0f} {s:11.0f}", flush=True)
    worst = min(driver_rates)
    print(f"driver: slowest {worst:.0f}, median {statistics.median(driver_rates):.0f}; "
          f"per second: slowest {min(second_rates):.0f}, median "
          f"{statistics.median(second_rates):.0f}")
    print(f"goal ≥ {GOAL:.0f} (driver, slowest scenario): {'met' if worst >= GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
