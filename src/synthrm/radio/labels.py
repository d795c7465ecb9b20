"""Per-face Monte Carlo results -> labels with a provenance and a standard error.

The radio map solver is Monte Carlo: a receiver cell of area ``A`` at distance ``d``
collects about ``samples * A cos(theta) / (4 pi d^2)`` rays, so small, far or shadowed
cells get few or none (see ``docs/radio.md``). The solver's fixed-point sums count the
rays that crossed every cell, and the label of a face is chosen by that count:

* **window** (``radio.min_rays``, ``radio.max_rings``): the area-weighted mean of the
  *linear* path gain times the squared Tx distance over the face and its same-surface
  neighbours (ring 1: faces that share a vertex and whose normals agree within 20 deg, the
  smoothing the paper-budget reference uses), widened ring by ring up to ``max_rings``
  until the window holds ``min_rays`` rays, divided by the face's own squared distance
  (the distance term taken out). Cells without a ray count as zero, so the mean is the
  local power average, unbiased for the Monte Carlo estimate. Provenance 1 when the
  face's own cell holds ``min_rays`` rays or the Tx sees it (its line of sight is exact),
  else 2.
* **fill** (:mod:`synthrm.radio.fill`): faces no window reaches (provenance 3 and 4).

Windows never cross a depth discontinuity (the VAS has no faces there) nor a crease
between surfaces of different orientation (normal test), so no value leaks from one
surface onto another, and nothing ever lands on sky.

The standard error of a label (:func:`label_std_db`) combines the Monte Carlo error of
the window's ray count (a sum of ``n`` rays: relative error ``1 / sqrt(n)``) with a spatial
term for windows wider than the reference's (ring 2) and a fixed error for filled values;
the constants are calibrated against the paper-budget reference frames (``docs/radio.md``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from synthrm.radio.physics import BOLTZMANN, noise_power_w, to_db
from synthrm.vas.mesh import VASMesh

__all__ = ["BOLTZMANN", "noise_power_w", "to_db", "planar_adjacency", "window_path_gain", "WindowLabels",
           "label_std_db", "sinr_linear", "SOURCE_NAMES", "LABEL_SOURCES", "RAY_SOURCES"]

#: ``path_gain_source`` codes: how each pixel's label was obtained.
SOURCE_NONE = 0
SOURCE_OWN_CELL = 1
SOURCE_WINDOW = 2
SOURCE_FILLED = 3
SOURCE_EXACT = 4
SOURCE_NAMES = {SOURCE_NONE: "no value", SOURCE_OWN_CELL: "rays in own cell", SOURCE_WINDOW: "same-surface window",
                SOURCE_FILLED: "filled from the same surface", SOURCE_EXACT: "filled by exact paths"}
#: Provenance codes of every label, and of the Monte Carlo (ray-traced) ones.
LABEL_SOURCES = (SOURCE_OWN_CELL, SOURCE_WINDOW, SOURCE_FILLED, SOURCE_EXACT)
RAY_SOURCES = (SOURCE_OWN_CELL, SOURCE_WINDOW)

#: Standard-error model [dB] (calibrated on the paper-budget reference frames, docs/radio.md):
#: spatial error of a ring-2 window (the reference averages ring 1), of a value filled from
#: the same surface, of a value filled by exact paths at a representative point.
STD_RING2_DB = 4.0
STD_FILLED_DB = 20.0
STD_EXACT_DB = 20.0
#: Standard error [dB] of a line-of-sight label whose window no Monte Carlo ray reached
#: (the reflections it may miss).
STD_UNRESOLVED_DB = 1.5


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


@dataclass
class WindowLabels:
    """Window estimates of every transmitter on every face."""

    path_gain: np.ndarray
    """(T, F) float64 linear path gain; NaN where no window within ``max_rings`` holds
    ``min_rays`` rays."""
    rings: np.ndarray
    """(T, F) int16 window used, in rings of neighbour faces (-1: none)."""
    window_rays: np.ndarray
    """(T, F) int64 rays in that window (0 where none)."""
    source: np.ndarray
    """(T, F) uint8 provenance: ``SOURCE_OWN_CELL``, ``SOURCE_WINDOW`` or ``SOURCE_NONE``."""


def window_path_gain(vas: VASMesh, path_gain: np.ndarray, rays: np.ndarray, min_rays: int = 2,
                     max_rings: int = 2, adjacency: sp.csr_matrix | None = None,
                     known: np.ndarray | None = None, distance_m: np.ndarray | None = None) -> WindowLabels:
    """Same-surface window estimates of per-face Monte Carlo results (module docstring).

    Args:
        vas: the measurement surface.
        path_gain: (T, F) linear path gain per transmitter and face (0 where no ray).
        rays: (T, F) rays that crossed each face.
        min_rays: rays a window must hold.
        max_rings: widest window, in rings of neighbouring faces. Windows start at ring 1
            (ring 0, the face alone, only when ``max_rings`` is 0).
        adjacency: :func:`planar_adjacency` of ``vas`` if already computed.
        known: (T, F) bool faces whose dominant term is known exactly (line of sight):
            their first window is taken whatever its ray count (provenance 1).
        distance_m: (T, F) transmitter-face distances [m]: the windows then average
            ``g d^2`` and divide by the face's own ``d^2`` (the distance term taken out:
            a free-space field is reproduced exactly); None: plain means.
    """
    if min_rays < 1 or max_rings < 0:
        raise ValueError(f"min_rays must be >= 1 and max_rings >= 0, got {min_rays}, {max_rings}")
    g = np.atleast_2d(np.asarray(path_gain, np.float64))
    n = np.atleast_2d(np.asarray(rays, np.float64))
    kn = np.zeros(g.shape, bool) if known is None else np.atleast_2d(np.asarray(known, bool))
    if g.shape[1] != vas.num_faces or n.shape != g.shape:
        raise ValueError(f"path_gain {g.shape} and rays {n.shape} must be (T, {vas.num_faces})")
    adj = planar_adjacency(vas) if adjacency is None else adjacency
    area = vas.face_areas
    d2 = np.ones(g.shape) if distance_m is None else np.asarray(distance_m, np.float64) ** 2
    num, den, cnt = (g * d2 * area).T, area.copy(), n.T.copy()
    out = np.full(num.shape, np.nan)
    rings = np.full(num.shape, -1, np.int16)
    nray = np.zeros(num.shape, np.int64)
    first = 0 if max_rings == 0 else 1
    for r in range(max_rings + 1):
        if r:
            num, den, cnt = adj @ num, adj @ den, adj @ cnt
        if r < first:
            continue
        take = np.isnan(out) & ((cnt >= min_rays) | (kn.T if r == first else False))
        out[take] = (num / np.maximum(den, 1e-30)[:, None])[take]
        rings[take] = r
        nray[take] = np.rint(cnt[take]).astype(np.int64)
        if not np.isnan(out).any():
            break
    out, rings, nray = out.T / d2, rings.T, nray.T
    src = np.where(np.isfinite(out), np.where((n >= min_rays) | kn, SOURCE_OWN_CELL, SOURCE_WINDOW), SOURCE_NONE)
    return WindowLabels(out, rings, nray, src.astype(np.uint8))


def label_std_db(source: np.ndarray, window_rays: np.ndarray, rings: np.ndarray,
                 rest_share: np.ndarray | None = None, known: np.ndarray | None = None) -> np.ndarray:
    """(T, F) float32 estimated standard error of each label [dB]; NaN where no label.

    Monte Carlo part ``10 / ln(10) / sqrt(n)`` for a window of ``n`` rays, scaled by the
    share ``rest_share`` of the window's power the rays carry (the rest is the exact line
    of sight); a ``known`` (line-of-sight) face whose window holds no ray takes
    ``STD_UNRESOLVED_DB`` for the paths the rays missed. Plus (in quadrature)
    ``STD_RING2_DB`` per ring beyond the first; filled values take ``STD_FILLED_DB`` /
    ``STD_EXACT_DB``.
    """
    nr = np.asarray(window_rays, np.float64)
    n = np.maximum(nr, 1.0)
    mc = 10.0 / math.log(10.0) / np.sqrt(n)
    if rest_share is not None:
        mc = mc * np.clip(rest_share, 0.0, 1.0)
    if known is not None:
        mc = np.where(known & (nr < 1), STD_UNRESOLVED_DB, mc)
    spatial = STD_RING2_DB * np.maximum(np.asarray(rings, np.float64) - 1.0, 0.0)
    std = np.sqrt(mc ** 2 + spatial ** 2)
    std = np.where(source == SOURCE_FILLED, STD_FILLED_DB, std)
    std = np.where(source == SOURCE_EXACT, STD_EXACT_DB, std)
    return np.where(source == SOURCE_NONE, np.nan, std).astype(np.float32)


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
