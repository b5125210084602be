"""The simulated PS-20016S battery: a believable LFP rack battery, seeded and time-accelerated.

    from drivers.simbms import BatterySim, SCENARIOS, SIM_EPOCH
    sim = BatterySim(packs=4, seed=7, scenario="day", cells=16)
    sim.run_until(SCENARIOS["day"].moments["charging"])
    snap = sim.snapshot(1)

Plain Python, no pygame, no wall clock, no global random state.
"""
from drivers.simbms.battery import BatterySim
from drivers.simbms.pack import SIM_EPOCH
from drivers.simbms.scenarios import SCENARIOS, Scenario, manual_scenario

__all__ = ["BatterySim", "SCENARIOS", "SIM_EPOCH", "Scenario", "manual_scenario"]
