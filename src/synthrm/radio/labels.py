"""Per-face radio results -> per-pixel labels, with Monte Carlo noise control.

The radio map solver is Monte Carlo: a receiver cell of area ``A`` at distance ``d``
collects about ``samples * A cos(theta) / (4 pi d^2)`` rays, so small or distant cells
get none (see ``docs/radio.md``). Three settings trade spatial detail for density and
smoothness at a given ray budget:

* the receiver cell size (``vas.cell`` / ``vas.target_cell_m``): larger cells catch more
  rays each;
* ``radio.min_hit_faces`` / ``radio.max_rings``: adaptive smoothing. Every face takes
  the area-weighted mean of the *linear* path gain over the smallest neighbourhood on
  the same plane (rings of faces that share a vertex and whose normals agree) that
  holds ``min_hit_faces`` faces reached by a ray. Zero-ray faces count as zero, so the
  mean is the local power average, unbiased for the Monte Carlo estimate. Densely hit
  regions keep full detail; sparse ones are averaged wider; where nothing within
  ``max_rings`` was reached the label is NaN.

Neighbourhoods never cross a depth discontinuity (the VAS has no faces there) nor a
crease between surfaces of different orientation (normal test), so no value leaks from
one surface onto another, and nothing ever lands on sky.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from synthrm.vas.mesh import VASMesh

BOLTZMANN = 1.380649e-23
"""Boltzmann constant [J/K]."""


def planar_adjacency(vas: VASMesh, max_angle_deg: float = 20.0) -> sp.csr_matrix:
    """(F, F) 0/1 sparse matrix: faces that share a vertex and whose normals differ by at
    most ``max_angle_deg``; the diagonal is set (every face neighbours itself)."""
    f = vas.num_faces
    rows = np.repeat(np.arange(f), 3)
    inc = sp.csr_matrix((np.ones(3 * f, np.float32), (rows, vas.faces.ravel())),
                        shape=(f, len(vas.vertices)))
    adj = (inc @ inc.T).tocoo()
    n = vas.face_normals
    keep = np.sum(n[adj.row] * n[adj.col], axis=1) >= np.cos(np.radians(max_angle_deg))
    keep |= adj.row == adj.col
    return sp.csr_matrix((np.ones(int(keep.sum()), np.float64), (adj.row[keep], adj.col[keep])),
                         shape=(f, f))


def smooth_path_gain(vas: VASMesh, path_gain: np.ndarray, min_hit_faces: int = 4, max_rings: int = 8,
                     max_angle_deg: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive denoising of per-face linear path gain (T, F) on the surface.

    Each face takes the area-weighted mean of the linear path gain over the smallest
    neighbourhood (0, 1, ... ``max_rings`` rings of same-surface faces) that holds at least
    ``min_hit_faces`` faces reached by a ray. Faces that Monte Carlo sampled densely keep
    their own value (full detail); sparse regions are averaged over wider windows. Faces
    whose widest window still holds fewer hit faces take that window's mean if it saw any
    ray, else NaN.

    Args:
        vas: the measurement surface.
        path_gain: (T, F) linear path gain per transmitter and face (0 where no ray).
        min_hit_faces: hit faces a window must hold (1: no smoothing where a ray landed).
        max_rings: widest window, in rings of neighbouring faces.
        max_angle_deg: faces whose normals differ more are on different surfaces.

    Returns:
        ((T, F) float64 linear path gain, NaN where no value; (T, F) int16 rings used,
        -1 where no value).
    """
    if min_hit_faces < 1 or max_rings < 0:
        raise ValueError(f"min_hit_faces must be >= 1 and max_rings >= 0, got {min_hit_faces}, {max_rings}")
    g = np.atleast_2d(np.asarray(path_gain, np.float64))
    if g.shape[1] != vas.num_faces:
        raise ValueError(f"path_gain has {g.shape[1]} faces, the mesh {vas.num_faces}")
    adj = planar_adjacency(vas, max_angle_deg)
    area = vas.face_areas
    num = (g * area).T  # (F, T): power collected in the window
    den = area.copy()  # window area
    hits = (g > 0).T.astype(np.float64)  # faces reached (weighted by path multiplicity)
    out = np.full(num.shape, np.nan)
    rings = np.full(num.shape, -1, np.int16)
    for r in range(max_rings + 1):
        if r:
            num, den, hits = adj @ num, adj @ den, adj @ hits
        take = np.isnan(out) & ((hits >= min_hit_faces) | ((r == max_rings) & (hits > 0)))
        out[take] = (num / np.maximum(den, 1e-30)[:, None])[take]
        rings[take] = r
        if not np.isnan(out).any():
            break
    return out.T, rings.T


def to_db(linear: np.ndarray) -> np.ndarray:
    """10 log10(x) as float32; NaN where x is NaN or <= 0."""
    x = np.asarray(linear, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, 10 * np.log10(np.where(x > 0, x, 1.0)), np.nan).astype(np.float32)


def noise_power_w(temperature_k: float, bandwidth_hz: float) -> float:
    """Thermal noise power k*T*B [W]."""
    return BOLTZMANN * temperature_k * bandwidth_hz


def sinr_linear(path_gain: np.ndarray, tx_power_dbm: float | np.ndarray, noise_w: float) -> np.ndarray:
    """SINR of each Tx (T, ...) when all the others of the frame interfere.

    ``path_gain`` (T, ...) linear (NaN: no value, counted as no power for interference).
    Returns (T, ...) linear SINR, NaN where the Tx's own path gain is NaN.
    """
    g = np.asarray(path_gain, np.float64)
    p = 10 ** ((np.asarray(tx_power_dbm, np.float64) - 30) / 10)  # [W]
    p = np.broadcast_to(p, (g.shape[0],)).reshape((-1,) + (1,) * (g.ndim - 1))
    rss = p * np.nan_to_num(g, nan=0.0)
    interference = rss.sum(axis=0, keepdims=True) - rss
    return np.where(np.isfinite(g), rss / (interference + noise_w), np.nan)
