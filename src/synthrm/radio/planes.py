"""Indoor ground truth: path loss on horizontal planes (the SenseRay-3D seed, Section V-C).

Planes every 0.1 m from 0.6 m to 1.6 m above the floor (handheld heights), 0.1 m x 0.1 m
cells, omnidirectional transmitters. Cells no ray reached are filled by bilinear
interpolation, then nearest neighbour (the seed's rule), and flagged in a mask so that
metrics can leave them out.
"""
from __future__ import annotations

import numpy as np

from synthrm.errors import SynthrmError
from synthrm.radio.radio_map_solver import VASRadioSolver

#: The seed's receiver heights above the floor [m].
DEFAULT_HEIGHTS_M = tuple(round(0.6 + 0.1 * k, 1) for k in range(11))


def plane_stack(solver: VASRadioSolver, tx_positions: np.ndarray, origin_xy: tuple[float, float],
                shape: tuple[int, int], heights_m=DEFAULT_HEIGHTS_M, cell_m: float = 0.1,
                seed: int = 1) -> np.ndarray:
    """Linear path gain (T, len(heights), NY, NX) float64; 0 where no ray arrived.
    One solver call per height covers all transmitters."""
    return np.stack([solver.plane_path_gain(tx_positions, origin_xy, shape, z, cell_m, seed=seed + k)
                     for k, z in enumerate(heights_m)], axis=1)


def fill_missing(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN cells of a (NY, NX) map: bilinear (linear on the triangulated valid cells)
    where they are surrounded, nearest neighbour elsewhere.

    Returns (filled (NY, NX) float32, filled_mask (NY, NX) bool: True where the value is
    interpolated rather than simulated).
    """
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator

    v = np.asarray(values, np.float64)
    missing = ~np.isfinite(v)
    if not missing.any():
        return v.astype(np.float32), missing
    if missing.all():
        raise SynthrmError("path-loss plane: no cell received any ray; raise radio.samples_per_tx "
                           "or move the transmitter into the apartment")
    yy, xx = np.nonzero(~missing)
    pts = np.stack([yy, xx], 1).astype(np.float64)
    q = np.stack(np.nonzero(missing), 1).astype(np.float64)
    out = v.copy()
    if len(pts) >= 3 and np.linalg.matrix_rank(pts - pts.mean(0)) == 2:
        lin = LinearNDInterpolator(pts, v[~missing])(q)
    else:
        lin = np.full(len(q), np.nan)
    near = NearestNDInterpolator(pts, v[~missing])(q)
    out[missing] = np.where(np.isfinite(lin), lin, near)
    return out.astype(np.float32), missing
