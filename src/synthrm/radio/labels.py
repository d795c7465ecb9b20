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
           "label_std_db", "sinr_linear", "Mechanisms", "SOURCE_NAMES", "LABEL_SOURCES", "RAY_SOURCES",
           "MECHANISM_NAMES"]

#: ``path_gain_source`` codes: how each pixel's label was obtained.
SOURCE_NONE = 0
SOURCE_OWN_CELL = 1
SOURCE_WINDOW = 2
SOURCE_FILLED = 3
SOURCE_EXACT = 4
SOURCE_DIFFRACTION = 5
SOURCE_MULTI_EDGE = 6
SOURCE_NAMES = {SOURCE_NONE: "no value", SOURCE_OWN_CELL: "rays in own cell", SOURCE_WINDOW: "same-surface window",
                SOURCE_FILLED: "filled from the same surface", SOURCE_EXACT: "filled by exact paths",
                SOURCE_DIFFRACTION: "exact diffraction", SOURCE_MULTI_EDGE: "multi-edge (ITU-R P.526)"}
#: Provenance codes of every label, and of the Monte Carlo (ray-traced) ones.
LABEL_SOURCES = (SOURCE_OWN_CELL, SOURCE_WINDOW, SOURCE_FILLED, SOURCE_EXACT, SOURCE_DIFFRACTION, SOURCE_MULTI_EDGE)
RAY_SOURCES = (SOURCE_OWN_CELL, SOURCE_WINDOW)

#: ``path_gain_mechanism`` codes: the propagation mechanism carrying most of a label's power.
MECH_NONE = 0
MECH_LOS = 1
MECH_REFLECTION = 2
MECH_DIFFRACTION = 3
MECH_MULTI_EDGE = 4
MECHANISM_NAMES = {MECH_NONE: "no value", MECH_LOS: "line of sight", MECH_REFLECTION: "reflection / refraction",
                   MECH_DIFFRACTION: "diffraction", MECH_MULTI_EDGE: "multi-edge diffraction"}

#: Standard-error model [dB] (calibrated on the paper-budget reference frames, docs/radio.md):
#: spatial error of a ring-2 window (the reference averages ring 1), of a value filled from
#: the same surface, of a value filled by exact paths at a representative point.
STD_RING2_DB = 4.0
STD_FILLED_DB = 20.0
STD_EXACT_DB = 20.0
#: Standard error [dB] of a line-of-sight label whose window no Monte Carlo ray reached
#: (the reflections it may miss).
STD_UNRESOLVED_DB = 1.5
#: Standard error [dB] of the exact diffracted power carried from a patch receiver to a face,
#: and of the multi-edge estimate (measured against exact paths, docs/radio.md).
STD_DIFFRACTION_DB = 5.0
STD_MULTI_EDGE_DB = 15.0
#: Standard error [dB] of a face's value at the pixels it covers (the field varies across a
#: face of up to ``vas.target_cell_m``), in quadrature with every label's.
STD_FACE_DB = 0.7
#: Spatial error [dB] of a window label: the face's own cell holds fewer than ``min_rays``
#: rays and it takes its neighbours' (reflections land in patches with sharp edges).
STD_WINDOW_DB = 5.0


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


def same_state(adj: sp.csr_matrix, state: np.ndarray) -> sp.csr_matrix:
    """``adj`` keeping only neighbours of equal ``state`` (F,) (the diagonal stays)."""
    c = adj.tocoo()
    keep = state[c.row] == state[c.col]
    return sp.csr_matrix((c.data[keep], (c.row[keep], c.col[keep])), shape=adj.shape)


def window_path_gain(vas: VASMesh, path_gain: np.ndarray, rays: np.ndarray, min_rays: int = 2,
                     max_rings: int = 2, adjacency: sp.csr_matrix | None = None,
                     known: np.ndarray | None = None, distance_m: np.ndarray | None = None,
                     state: np.ndarray | None = None) -> WindowLabels:
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
        state: (T, F) bool a window of transmitter t grows only through neighbours of the
            face's own state (e.g. whether any part of a face sees the transmitter, so that
            a shadowed face takes no rays from across the shadow boundary); None: any.
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
    if state is None:
        groups = [(adj, np.arange(g.shape[0]))]
    else:
        st = np.atleast_2d(np.asarray(state, bool))
        groups = [(same_state(adj, st[t]), np.array([t])) for t in range(g.shape[0])]
    out = np.full(g.shape[::-1], np.nan)
    rings = np.full(out.shape, -1, np.int16)
    nray = np.zeros(out.shape, np.int64)
    first = 0 if max_rings == 0 else 1
    for a, ts in groups:
        num, den, cnt = (g[ts] * d2[ts] * area).T, area.copy(), n[ts].T.copy()
        o = np.full(num.shape, np.nan)
        for r in range(max_rings + 1):
            if r:
                num, den, cnt = a @ num, a @ den, a @ cnt
            if r < first:
                continue
            take = np.isnan(o) & ((cnt >= min_rays) | (kn[ts].T if r == first else False))
            o[take] = (num / np.maximum(den, 1e-30)[:, None])[take]
            rings[:, ts] = np.where(take, r, rings[:, ts])
            nray[:, ts] = np.where(take, np.rint(cnt).astype(np.int64), nray[:, ts])
            if not np.isnan(o).any():
                break
        out[:, ts] = o
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
    ``STD_RING2_DB`` per ring beyond the first and ``STD_WINDOW_DB`` for a face whose own cell
    lacks rays; filled values take ``STD_FILLED_DB`` / ``STD_EXACT_DB``.
    """
    nr = np.asarray(window_rays, np.float64)
    n = np.maximum(nr, 1.0)
    mc = 10.0 / math.log(10.0) / np.sqrt(n)
    if rest_share is not None:
        mc = mc * np.clip(rest_share, 0.0, 1.0)
    if known is not None:
        mc = np.where(known & (nr < 1), STD_UNRESOLVED_DB, mc)
    spatial = STD_RING2_DB * np.maximum(np.asarray(rings, np.float64) - 1.0, 0.0)
    spatial = np.sqrt(spatial ** 2 + np.where(source == SOURCE_WINDOW, STD_WINDOW_DB, 0.0) ** 2)
    std = np.sqrt(mc ** 2 + spatial ** 2)
    std = np.where(source == SOURCE_FILLED, STD_FILLED_DB, std)
    std = np.where(source == SOURCE_EXACT, STD_EXACT_DB, std)
    return np.where(source == SOURCE_NONE, np.nan, std).astype(np.float32)


@dataclass
class Mechanisms:
    """The path gains of one frame by mechanism, on its faces (all (T, F)); a label is their
    sum (each path's power enters once: the rays carry no line of sight and no diffraction,
    the diffraction stage only paths with a diffraction, the multi-edge estimate only faces
    no other mechanism reaches)."""

    los: np.ndarray
    """float64 exact line of sight (0 where the Tx is not seen)."""
    rest: np.ndarray
    """float64 reflection / refraction from the rays (window or fill); NaN where none. With
    ``exact_los`` off the rays carry the direct path too (``los`` is 0) and
    :func:`synthrm.radio.frame.compute_frame_radio` codes the mechanism from the exact
    direct path's share."""
    rest_source: np.ndarray
    """uint8 provenance of ``rest`` (``SOURCE_OWN_CELL`` .. ``SOURCE_EXACT``)."""
    rest_std_db: np.ndarray
    """float32 standard error of ``rest`` [dB] (:func:`label_std_db`)."""
    diffraction: np.ndarray
    """float64 paths with one diffraction (0 where none)."""
    multi_edge: np.ndarray | None = None
    """float64 multi-edge estimate (0 where not used); None: zeros."""

    def stack(self) -> np.ndarray:
        """(4, T, F) float64 the powers of :data:`MECH_LOS` .. :data:`MECH_MULTI_EDGE`."""
        me = np.zeros(self.los.shape) if self.multi_edge is None else self.multi_edge
        return np.stack([self.los, np.nan_to_num(self.rest, nan=0.0), self.diffraction, me])

    def combine(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The labels: ((T, F) float64 path gain, NaN where no mechanism reaches; (T, F) uint8
        provenance of the dominant term; (T, F) float32 standard error [dB]; (T, F) uint8
        dominant mechanism).

        The standard error is the power-weighted combination of the terms' errors: the rays'
        (:func:`label_std_db`), ``STD_DIFFRACTION_DB``, ``STD_MULTI_EDGE_DB``; the exact line
        of sight has none, but a seen face whose rays found nothing more takes
        ``STD_UNRESOLVED_DB`` for the reflections they may have missed; every label adds
        ``STD_FACE_DB`` (a face's value at the pixels it covers)."""
        p = self.stack()
        total = p.sum(axis=0)
        ok = total > 0
        mech = np.where(ok, np.argmax(p, axis=0) + 1, MECH_NONE).astype(np.uint8)
        source = np.select([mech == MECH_LOS, mech == MECH_REFLECTION, mech == MECH_DIFFRACTION,
                            mech == MECH_MULTI_EDGE],
                           [SOURCE_OWN_CELL, self.rest_source.astype(np.int64), SOURCE_DIFFRACTION,
                            SOURCE_MULTI_EDGE], SOURCE_NONE).astype(np.uint8)
        w = p / np.where(ok, total, 1.0)
        rest_std = np.nan_to_num(np.asarray(self.rest_std_db, np.float64), nan=0.0)
        unresolved = (self.los > 0) & ~(np.nan_to_num(self.rest, nan=0.0) > 0)
        w_rest = np.where(unresolved, 1.0, w[1])
        var = (w_rest * np.where(unresolved, STD_UNRESOLVED_DB, rest_std)) ** 2 \
            + (w[2] * STD_DIFFRACTION_DB) ** 2 + (w[3] * STD_MULTI_EDGE_DB) ** 2 + STD_FACE_DB ** 2
        std = np.where(ok, np.sqrt(var), np.nan).astype(np.float32)
        return np.where(ok, total, np.nan), source, std, mech


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
