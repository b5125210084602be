"""The LiFePO4 cell's open-circuit voltage and its top/bottom-end polarization, by state of charge.

Both curves are published as uniform grids so the pack can interpolate them inline in its
inner loop (a function call per cell per second is what would make 30 packs slow).
State of charge here is the cell's true charge over its own capacity; it may leave 0..1 a
little, which is exactly what an over-charged or over-discharged cell is.
"""
from __future__ import annotations

from bisect import bisect_right

# (SOC, rest volts). Flat 3.2-3.35 V plateau with the ~65 % step, steep knees at both ends.
# Past 100 % the rest voltage keeps rising only slowly: what drives a pushed cell over 3.6 V
# is polarization (below), which is why a tripped cell relaxes back under 3.55 V.
OCV_POINTS: tuple[tuple[float, float], ...] = (
    (-0.05, 2.00), (-0.02, 2.30), (0.00, 2.50), (0.01, 2.80), (0.02, 2.95), (0.03, 3.02),
    (0.05, 3.10), (0.08, 3.17), (0.10, 3.20), (0.15, 3.225), (0.20, 3.245), (0.30, 3.265),
    (0.40, 3.280), (0.50, 3.290), (0.60, 3.300), (0.65, 3.315), (0.70, 3.325),
    (0.80, 3.330), (0.90, 3.335), (0.95, 3.345), (0.98, 3.370), (0.99, 3.400),
    (1.00, 3.450), (1.01, 3.475), (1.02, 3.490), (1.05, 3.520), (1.10, 3.560),
)

# (SOC, gain) on the cell's polarization resistance, one curve per direction. Near full a
# charge, and near empty a discharge, runs out of sites and the same current needs far more
# overpotential: this is what tapers a CV charge, what makes an unregulated charger
# overshoot 3.75 V, and what sags a cell under load at the bottom. Going the other way
# from a knee is easy, so each curve is flat at the opposite end.
CHARGE_GAIN_POINTS: tuple[tuple[float, float], ...] = (
    (-0.05, 1.3), (0.10, 1.0), (0.90, 1.0), (0.95, 1.2), (0.98, 2.0), (1.00, 5.0),
    (1.01, 10.0), (1.02, 16.0), (1.05, 30.0), (1.10, 40.0),
)
DISCHARGE_GAIN_POINTS: tuple[tuple[float, float], ...] = (
    (-0.05, 40.0), (0.00, 20.0), (0.02, 6.0), (0.05, 2.5), (0.10, 1.3), (0.20, 1.0),
    (1.10, 1.0),
)

GRID_MIN = -0.05
GRID_MAX = 1.10
GRID_STEP = 0.0025
GRID_SCALE = 1.0 / GRID_STEP
GRID_LAST = round((GRID_MAX - GRID_MIN) / GRID_STEP)  # index of the last grid point


def _interp(points: tuple[tuple[float, float], ...], s: float) -> float:
    xs = [p[0] for p in points]
    if s <= xs[0]:
        return points[0][1]
    if s >= xs[-1]:
        return points[-1][1]
    i = bisect_right(xs, s) - 1
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    return y0 + (y1 - y0) * (s - x0) / (x1 - x0)


def _grid(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(values, slopes per grid step); one extra point so index GRID_LAST+1 never raises."""
    ys = [_interp(points, GRID_MIN + k * GRID_STEP) for k in range(GRID_LAST + 2)]
    return tuple(ys), tuple(ys[k + 1] - ys[k] for k in range(GRID_LAST + 1)) + (0.0,)


OCV_GRID, OCV_SLOPE = _grid(OCV_POINTS)
CHARGE_GAIN_GRID, CHARGE_GAIN_SLOPE = _grid(CHARGE_GAIN_POINTS)
DISCHARGE_GAIN_GRID, DISCHARGE_GAIN_SLOPE = _grid(DISCHARGE_GAIN_POINTS)


def ocv(soc: float) -> float:
    """Rest voltage (V) of a cell at this true state of charge (0..1)."""
    return _lookup(OCV_GRID, OCV_SLOPE, soc)


def polarization_gain(soc: float, charging: bool) -> float:
    """Multiplier on the polarization resistance for a current in this direction."""
    if charging:
        return _lookup(CHARGE_GAIN_GRID, CHARGE_GAIN_SLOPE, soc)
    return _lookup(DISCHARGE_GAIN_GRID, DISCHARGE_GAIN_SLOPE, soc)


def _lookup(values: tuple[float, ...], slopes: tuple[float, ...], soc: float) -> float:
    x = (soc - GRID_MIN) * GRID_SCALE
    if x <= 0.0:
        return values[0]
    if x >= GRID_LAST:
        return values[GRID_LAST]
    i = int(x)
    return values[i] + slopes[i] * (x - i)
