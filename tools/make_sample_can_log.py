"""Regenerate assets/recordings/sample-can.log: 90 s of a simulated master on CAN.

Four packs of the seeded "day" scenario, from 2300 s (08:38 on the sim clock), across the
moment the morning load gives way to the solar charge: the system current crosses from
discharge through zero to charge. Written exactly as the HMI records a live link (the
same Recorder), in candump ``-L`` format, with what a real bus adds: the inverter's
keep-alive every second, another device's frame every 10 s and one error frame.

    .venv/bin/python tools/make_sample_can_log.py [--out FILE]

The output is the same bytes every run (seeded simulator, simulated clock); the replay
tests pin values from it, so regenerate only on purpose and update them with it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import can

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drivers.can.broadcast import sim_frames  # noqa: E402
from drivers.can.record import Recorder  # noqa: E402
from drivers.simbms import SIM_EPOCH, BatterySim  # noqa: E402

OUT = ROOT / "assets" / "recordings" / "sample-can.log"
START_S = 2300.0
SECONDS = 90
CHANNEL = "can0"


def bus_extras(t: float, second: int) -> list[can.Message]:
    """Frames that are not the master's: what the decoder must ignore or count."""
    ts = SIM_EPOCH + t + 0.5
    out = [can.Message(arbitration_id=0x305, data=bytes(8), is_extended_id=False,
                       timestamp=ts, channel=CHANNEL)]
    if second % 10 == 5:  # another device's 29-bit frame: unknown here
        out.append(can.Message(arbitration_id=0x18FF50E5, data=bytes.fromhex("0102030405060708"),
                               is_extended_id=True, timestamp=ts + 0.1, channel=CHANNEL))
    if second == 45:
        out.append(can.Message(is_error_frame=True, timestamp=ts + 0.2, channel=CHANNEL))
    return out


def generate(out: Path, packs: int = 4, seed: int = 7, scenario: str = "day",
             start_s: float = START_S, seconds: int = SECONDS) -> int:
    sim = BatterySim(packs=packs, seed=seed, scenario=scenario)
    sim.run_until(start_s)
    recorder = Recorder(out)
    try:
        for second in range(seconds):
            sim.step(dt=1.0)
            for msg in sim_frames(sim, SIM_EPOCH + sim.t):
                msg.channel = CHANNEL
                recorder.on_message_received(msg)
            for msg in bus_extras(sim.t, second):
                recorder.on_message_received(msg)
    finally:
        recorder.stop()
    return recorder.frames


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    n = generate(args.out)
    print(f"wrote {n} frames to {args.out}")


if __name__ == "__main__":
    main()
