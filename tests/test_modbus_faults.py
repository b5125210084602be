"""Faults on the wire, injected by the byte-level proxy between two ptys.

Each kind runs alone at a set rate (every 5th reply) so the driver's counters can be held
to the proxy's own tally, exactly; then all kinds together; then a pack that stops
answering, for the data age. After every run the faults stop and the link must be whole.
"""
from __future__ import annotations

import time
from dataclasses import fields

import pytest

from drivers.modbus.driver import ModbusDriver
from drivers.modbus.link import LinkCounters
from drivers.modbus.slave import SimSlave
from drivers.modbus.source import parse_source
from drivers.simbms import SCENARIOS, BatterySim
from hmi.bus import DataBus
from hmi.model import LinkState
from tests.modbus_fault_proxy import FaultPlan, FaultProxy, wait_until
from tests.test_modbus_codec import assert_same_within_scaling

TIMEOUT_S = 0.3
#: Later than the timeout, early enough to land while the retry still waits.
LATE_S = 0.45


class Chain:
    def __init__(self):
        self.proxy = FaultProxy(seed=5).start()
        self.sim = BatterySim(packs=4, seed=7, scenario="mixed")
        self.sim.run_until(SCENARIOS["mixed"].moments["charging"])
        self.slave = SimSlave(self.sim, self.proxy.slave_port, baud=115200, speed=0).start()
        self.driver = ModbusDriver(parse_source(
            f"{self.proxy.master_port}?baud=115200&packs=1-4&gap_ms=2&retries=1"
            f"&timeout_ms={TIMEOUT_S * 1000:g}&stale_s=1&lost_s=4&history_s=3600"))
        self.bus = DataBus(freshness=self.driver.freshness)
        self.driver.start(self.bus)
        wait_until(self.all_live, 5, what="all packs live")

    def all_live(self) -> bool:
        return all(p.live for p in self.bus.view().packs)

    def totals(self) -> LinkCounters:
        sums = {f.name: 0 for f in fields(LinkCounters) if f.name != "last_latency_s"}
        for c in self.driver.counters().values():
            for k in sums:
                sums[k] += getattr(c, k)
        return LinkCounters(**sums)

    def settle(self) -> LinkCounters:
        """Wait until every pack has had two good replies since now: every fault injected
        before has been met and counted by then."""
        start = {a: c.good for a, c in self.driver.counters().items()}
        wait_until(lambda: all(c.good >= start[a] + 2
                               for a, c in self.driver.counters().items()), 5,
                   what="two good replies from every pack")
        return self.totals()

    def stop(self):
        self.driver.stop()
        self.slave.stop()
        self.proxy.stop()


@pytest.fixture(scope="module")
def chain():
    c = Chain()
    yield c
    c.stop()


def delta(after: LinkCounters, before: LinkCounters) -> dict[str, int]:
    return {f.name: getattr(after, f.name) - getattr(before, f.name)
            for f in fields(LinkCounters) if f.name != "last_latency_s"}


def assert_whole(chain: Chain) -> None:
    """No errors any more, every pack live, and what they show is the simulator's."""
    before = chain.settle()
    after = chain.settle()
    d = delta(after, before)
    # One request may be on the wire at either reading: requests and replies differ by 1.
    assert d["good"] >= 8 and abs(d["requests"] - d["good"]) <= 1
    assert all(v == 0 for k, v in d.items() if k not in ("good", "requests")), d
    assert chain.all_live()
    for v in chain.bus.view().packs:
        assert v.link.detail == "" and v.link.age_s < 0.5
        assert_same_within_scaling(v.snapshot, chain.slave.call(chain.sim.snapshot, v.address))


# kind → the counter that must match the proxy's tally one for one
EXPECT = {"crc": "crc_errors", "truncate": "truncated", "drop": "timeouts", "late": "timeouts",
          "ascii": "foreign_frames", "other": "late_replies"}


@pytest.mark.parametrize("kind", ["crc", "truncate", "drop", "late", "ascii", "other",
                                  "garbage"])
def test_each_fault_is_counted_as_what_it_is(chain, kind):
    chain.proxy.reset_counts()
    before = chain.settle()
    chain.proxy.set_faults(FaultPlan((kind,), every=5, late_s=LATE_S))
    wait_until(lambda: chain.proxy.injected[kind] >= 6, 10, what=f"six {kind} faults")
    chain.proxy.clear_faults()
    injected = chain.proxy.injected[kind]
    d = delta(chain.settle(), before)
    if kind == "garbage":
        # Noise after a good reply costs nothing but its bytes.
        assert d["garbage_bytes"] == chain.proxy.garbage_bytes > 0
        assert all(d[k] == 0 for k in ("retries", "timeouts", "crc_errors", "truncated",
                                        "foreign_frames", "late_replies")), d
    else:
        assert d[EXPECT[kind]] == injected, d
        # Each fault costs exactly one retry, and the retry brings the data.
        assert d["retries"] == injected
        others = {"crc_errors", "truncated", "timeouts", "foreign_frames",
                  "late_replies"} - {EXPECT[kind]}
        if kind == "late":
            others.discard("late_replies")
        assert all(d[k] == 0 for k in others), d
        assert d["garbage_bytes"] == 0
    if kind == "late":
        # The reply that came too late is seen, and named, when it finally arrives.
        assert d["late_replies"] == injected
    assert chain.all_live()
    assert_whole(chain)


def test_all_faults_at_once_the_driver_keeps_going_and_recovers(chain):
    before = chain.settle()
    sweeps = chain.driver.sweeps
    kinds = ("crc", "truncate", "drop", "late", "garbage", "ascii", "other")
    chain.proxy.set_faults(FaultPlan(kinds, every=2, late_s=LATE_S))  # half the replies
    seen = {a: chain.bus.view().pack(a).link.last_seen for a in range(1, 5)}
    updated: set[int] = set()
    deadline = time.monotonic() + 15
    while min(chain.proxy.injected[k] for k in kinds) < 3:
        assert time.monotonic() < deadline, chain.proxy.injected
        for v in chain.bus.view().packs:
            # Data may age past "live" for a moment, but never so long it is withdrawn.
            assert v.link.state is not LinkState.LOST, v
            if v.link.last_seen != seen[v.address]:
                updated.add(v.address)
        time.sleep(0.05)
    chain.proxy.clear_faults()
    d = delta(chain.settle(), before)
    assert chain.driver.sweeps >= sweeps + 4  # 36 faulty replies or more: sweeps went on
    assert updated == {1, 2, 3, 4}  # data kept coming from every pack through the noise
    for name in ("crc_errors", "truncated", "timeouts", "foreign_frames", "garbage_bytes",
                 "late_replies", "retries"):
        assert d[name] > 0, (name, d)
    assert_whole(chain)


def test_data_age_follows_the_last_good_reply(chain):
    assert_whole(chain)
    chain.proxy.silence(3)
    try:
        wait_until(lambda: chain.bus.view().pack(3).link.state is LinkState.STALE, 2,
                   what="pack 3 stale")
        for _ in range(5):
            view = chain.bus.view()
            silent_for = time.perf_counter() - chain.proxy.last_reply[3]
            # The age the screen shows is the time since pack 3's last reply went by
            # (less the moment the driver takes to decode and publish it).
            assert 0 <= silent_for - view.pack(3).link.age_s < 0.2
            assert view.pack(3).link.detail == "no reply"
            assert view.pack(1).live and view.pack(2).live and view.pack(4).live
            time.sleep(0.1)
        wait_until(lambda: chain.bus.view().pack(3).link.state is LinkState.LOST, 4,
                   what="pack 3 lost")
        assert chain.bus.view().pack(3).snapshot is None
        assert all(chain.bus.view().pack(a).live for a in (1, 2, 4))
    finally:
        chain.proxy.silence(3, False)
    wait_until(lambda: chain.bus.view().pack(3).live, 2, what="pack 3 back")
    assert_whole(chain)
