"""How close one Modbus sweep of 30 packs comes to the wire-time floor (not a test).

    .venv/bin/python bench/modbus_sweep.py [--packs 30] [--sweeps 5] [--gaps 0,100]

Chain: ModbusDriver → pty → fault proxy pacing every byte at 9600 8N1 (1.042 ms) → pty →
simulator slave (a separate process, frozen). For each gap setting the driver connects,
sweeps until every pack's configuration and history counter are read, then times steady
sweeps (one live-block request per pack). The floor of a sweep is the bytes actually
exchanged times 1.042 ms plus two t3.5 silences (3.65 ms) per transaction; the goal is a
ratio ≤ 1.15 with gap 0.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.modbus.driver import ModbusDriver  # noqa: E402
from drivers.modbus.link import char_time, t35  # noqa: E402
from drivers.modbus.source import parse_source  # noqa: E402
from tests.modbus_fault_proxy import BYTE_S_9600, FaultProxy  # noqa: E402

BAUD = 9600


def start_slave(port: str, packs: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "drivers.modbus.slave", port, "--packs", str(packs),
         "--baud", str(BAUD), "--speed", "0", "--seed", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    if "serving" not in line:
        proc.kill()
        raise SystemExit(f"slave did not start: {line}")
    time.sleep(0.3)  # the banner comes just before the port opens
    return proc


def measure(proxy: FaultProxy, packs: int, gap_ms: int, sweeps: int) -> dict:
    drv = ModbusDriver(parse_source(
        f"{proxy.master_port}?baud={BAUD}&packs=1-{packs}&gap_ms={gap_ms}&timeout_ms=200"
        "&history_s=86400"))  # steady sweeps: live blocks only
    link = drv.link
    link.open()
    drv._link_up()
    try:
        # Connect: sweeps until every pack's configuration and history counter are read.
        for _ in range(60):
            drv.sweep()
            if not drv.catching_up():
                break
        times, ratios, ratios_gap, excess = [], [], [], []
        for _ in range(sweeps):
            tx0, rx0, n0 = link.bytes_tx, link.bytes_rx, link.transactions
            t0 = time.perf_counter()
            drv.sweep()
            took = time.perf_counter() - t0
            nbytes = link.bytes_tx - tx0 + link.bytes_rx - rx0
            n = link.transactions - n0
            floor = nbytes * char_time(BAUD) + n * 2 * t35(BAUD)
            times.append(took)
            ratios.append(took / floor)
            # With a gap the quiet after each reply is max(gap, t3.5) instead of t3.5.
            floor_gap = floor + n * (max(gap_ms / 1000, t35(BAUD)) - t35(BAUD))
            ratios_gap.append(took / floor_gap)
            excess.append((took - floor) / n)
        bad = {a: c for a, c in drv.counters().items() if c.errors or c.good == 0}
    finally:
        link.close()
    return {"gap_ms": gap_ms, "transactions": n, "bytes": nbytes, "floor_s": floor,
            "sweep_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "ratio": statistics.median(ratios), "ratio_max": max(ratios),
            "ratio_with_gaps": statistics.median(ratios_gap),
            "excess_ms": statistics.median(excess) * 1000, "errors": bad}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--packs", type=int, default=30)
    p.add_argument("--sweeps", type=int, default=5, help="timed sweeps per gap (median shown)")
    p.add_argument("--gaps", default="0,100", help="gap settings in ms, comma separated")
    args = p.parse_args()
    proxy = FaultProxy(byte_s=BYTE_S_9600).start()
    slave = start_slave(proxy.slave_port, args.packs)
    try:
        print(f"{args.packs} packs, {BAUD} 8N1, {BYTE_S_9600 * 1000:.3f} ms/byte, "
              f"t3.5 = {t35(BAUD) * 1000:.2f} ms, {os.cpu_count()} CPUs, "
              f"median of {args.sweeps} sweeps")
        print(f"{'gap':>6} {'requests':>8} {'bytes':>6} {'floor s':>8} {'sweep s':>8} "
              f"{'min-max s':>13} {'ratio':>6} {'worst':>6} {'vs floor+gaps':>13} "
              f"{'ms/request over floor':>21}")
        for gap in (int(g) for g in args.gaps.split(",")):
            r = measure(proxy, args.packs, gap, args.sweeps)
            print(f"{r['gap_ms']:>4}ms {r['transactions']:>8} {r['bytes']:>6} "
                  f"{r['floor_s']:>8.3f} {r['sweep_s']:>8.3f} "
                  f"{r['min_s']:>6.3f}-{r['max_s']:<6.3f} {r['ratio']:>6.3f} "
                  f"{r['ratio_max']:>6.3f} {r['ratio_with_gaps']:>13.3f} {r['excess_ms']:>21.1f}")
            if r["errors"]:
                print(f"   link errors during the run: {r['errors']}")
        print("floor = bytes x 1.042 ms + 2 x t3.5 per request; floor+gaps uses max(gap, t3.5) "
              "for the quiet after each reply; goal: ratio <= 1.15 at gap 0")
    finally:
        slave.terminate()
        slave.wait(5)
        proxy.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
