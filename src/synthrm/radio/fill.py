"""Labels for the faces that no Monte Carlo window reaches.

Filling never crosses a depth discontinuity or a crease: values move only within one
*surface* (faces connected through :func:`~synthrm.radio.labels.planar_adjacency`: a
shared vertex and normals within 20 deg), and nothing lands on sky (sky has no face). The
interpolated quantity is the excess gain over free space ``X = path_gain_db + FSPL(d)``
(the distance term taken out), so a surface in free space gets Friis back whatever stage
fills it. Stages, in order:

1. **same surface, same visibility** (provenance 3): within a *component* (one surface,
   one line-of-sight state to the transmitter), the noise-control window keeps growing
   (rings ``max_rings + 1`` .. ``fill_max_rings``) until it holds ``min_rays`` rays; the
   face takes the window's mean of ``g d^2`` over ``d^2`` (the Monte Carlo power average
   with the distance term taken out). Faces of the component farther from any ray take
   the inverse-distance-weighted mean of ``X`` over its nearest labelled faces.
2. **exact paths** (provenance 4): a component without any labelled face (a roof or a
   facade fragment that no ray reached) gets Sionna's exact ``PathSolver`` at one
   representative face (nearest its area-weighted centroid), up to
   ``radio.fill_exact_receivers`` components, those covering the most pixels first; its
   faces take the representative's ``X``.
3. **same surface, any visibility** (provenance 3): what is left, from the labelled faces
   of the whole surface (not where the label pipeline has an exact diffracted path: that
   face's mechanism is known, and values from across its shadow boundary are not).

Where a surface holds no value after that (no ray, no exact path), the label stays NaN.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from synthrm.radio.labels import SOURCE_EXACT, SOURCE_FILLED, SOURCE_NONE, to_db
from synthrm.radio.physics import fspl_db
from synthrm.vas.mesh import VASMesh

#: Labelled faces an interpolated value averages (nearest first) and the distance below
#: which their inverse-square weights saturate [m].
IDW_NEIGHBOURS = 8
IDW_MIN_DISTANCE_M = 0.5


def surface_components(adj: sp.csr_matrix, state: np.ndarray | None = None) -> np.ndarray:
    """(F,) int component label: faces connected through ``adj``; with ``state`` (F,), only
    through neighbours of equal state (e.g. the same line-of-sight state)."""
    a = adj
    if state is not None:
        c = adj.tocoo()
        keep = state[c.row] == state[c.col]
        a = sp.csr_matrix((c.data[keep], (c.row[keep], c.col[keep])), shape=adj.shape)
    return connected_components(a, directed=False)[1]


def idw_within(centers: np.ndarray, x: np.ndarray, have: np.ndarray, need: np.ndarray,
               comp: np.ndarray) -> np.ndarray:
    """(F,) inverse-distance-weighted mean of ``x`` over the ``IDW_NEIGHBOURS`` nearest
    ``have`` faces of the same component, for the ``need`` faces; NaN where the component
    has no ``have`` face (and everywhere else)."""
    out = np.full(len(x), np.nan)
    todo = np.unique(comp[need])
    src_comps = set(np.unique(comp[have]).tolist())
    for c in todo:
        if c not in src_comps:
            continue
        members = np.nonzero(comp == c)[0]
        h, q = members[have[members]], members[need[members]]
        k = min(IDW_NEIGHBOURS, len(h))
        d, i = cKDTree(centers[h]).query(centers[q], k=k)
        d, i = d.reshape(len(q), k), i.reshape(len(q), k)
        w = 1.0 / np.maximum(d, IDW_MIN_DISTANCE_M) ** 2
        out[q] = np.sum(w * x[h][i], axis=1) / np.sum(w, axis=1)
    return out


def representative(centers: np.ndarray, areas: np.ndarray, faces: np.ndarray) -> int:
    """The face of ``faces`` nearest their area-weighted centroid."""
    c, a = centers[faces], areas[faces]
    centroid = np.sum(c * a[:, None], axis=0) / max(a.sum(), 1e-30)
    return int(faces[np.argmin(np.linalg.norm(c - centroid, axis=1))])


def window_within(adj: sp.csr_matrix, areas: np.ndarray, weighted: np.ndarray, rays: np.ndarray, need: np.ndarray,
                  state: np.ndarray, first_ring: int, last_ring: int, min_rays: int) -> np.ndarray:
    """(F,) area-weighted mean of ``weighted`` over the smallest window (rings
    ``first_ring`` .. ``last_ring`` of same-state neighbours) holding ``min_rays`` rays, for
    the ``need`` faces; NaN elsewhere."""
    c = adj.tocoo()
    keep = state[c.row] == state[c.col]
    a = sp.csr_matrix((c.data[keep], (c.row[keep], c.col[keep])), shape=adj.shape)
    num, den, cnt = weighted * areas, areas.copy(), rays.astype(np.float64)
    out = np.full(len(areas), np.nan)
    for r in range(1, last_ring + 1):
        num, den, cnt = a @ num, a @ den, a @ cnt
        if r < first_ring:
            continue
        take = need & np.isnan(out) & (cnt >= min_rays)
        out[take] = num[take] / np.maximum(den[take], 1e-30)
        if not np.isnan(out[need]).any():
            break
    return out


def fill_path_gain(vas: VASMesh, adj: sp.csr_matrix, path_gain: np.ndarray, source: np.ndarray,
                   line_of_sight: np.ndarray, tx_positions: np.ndarray, frequency_hz: float,
                   exact: Callable[[np.ndarray], np.ndarray] | None = None,
                   max_exact: int = 256, raw: np.ndarray | None = None, rays: np.ndarray | None = None,
                   min_rays: int = 2, rings: tuple[int, int] = (3, 8),
                   cross: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Fill the faces without a label (module docstring).

    Args:
        vas: the visible surface. adj: its :func:`~synthrm.radio.labels.planar_adjacency`.
        path_gain: (T, F) linear path gain, NaN where no label.
        source: (T, F) uint8 provenance (``SOURCE_NONE`` where no label).
        line_of_sight: (T, F) bool, transmitter t visible from face f.
        tx_positions: (T, 3) [m]. frequency_hz: carrier [Hz].
        exact: callable (P, 3) points [m] -> (T, P) exact linear path gain; None skips stage 2.
        max_exact: most representative receivers of stage 2 (over all transmitters).
        raw, rays: (T, F) Monte Carlo path gain and ray counts for stage 1's wider windows
            (None: stage 1 interpolates only). min_rays: rays such a window must hold.
        rings: (first, last) ring of stage 1's wider windows.
        cross: (T, F) bool faces stage 3 may fill (None: all); the label pipeline keeps it
            from faces another mechanism reaches (an exact diffracted path).

    Returns:
        ((T, F) filled path gain, (T, F) provenance, counts of faces per stage).
    """
    g = np.array(path_gain, np.float64)
    src = np.array(source, np.uint8)
    t_count, f_count = g.shape
    centers = vas.face_centers
    npx = np.bincount(vas.pixel_face[vas.pixel_face >= 0], minlength=f_count)
    surface = surface_components(adj)
    stats = {"wider_window": 0, "same_visibility": 0, "exact": 0, "same_surface": 0}
    areas = vas.face_areas
    excess = np.full(g.shape, np.nan)
    dist = np.stack([np.linalg.norm(centers - p, axis=1) for p in np.asarray(tx_positions).reshape(-1, 3)])
    fs = fspl_db(np.maximum(dist, 1e-3), frequency_hz)
    wanted: list[tuple[int, int, np.ndarray]] = []  # (t, component id, its faces) for stage 2
    comps = []
    for t in range(t_count):
        have = np.isfinite(g[t])
        excess[t, have] = to_db(g[t, have]) + fs[t, have]
        need = ~have
        if not need.any():
            comps.append(None)
            continue
        comp = surface_components(adj, line_of_sight[t])
        comps.append(comp)
        if raw is not None and rays is not None and rings[1] >= rings[0]:
            d2 = dist[t] ** 2
            w = window_within(adj, areas, raw[t] * d2, rays[t], need, line_of_sight[t], rings[0], rings[1], min_rays)
            ok = need & (w > 0)
            excess[t, ok], src[t, ok] = to_db(w[ok] / d2[ok]) + fs[t, ok], SOURCE_FILLED
            stats["wider_window"] += int(ok.sum())
            have, need = have | ok, need & ~ok
        x = idw_within(centers, excess[t], have, need, comp)
        ok = need & np.isfinite(x)
        excess[t, ok], src[t, ok] = x[ok], SOURCE_FILLED
        stats["same_visibility"] += int(ok.sum())
        for c in np.unique(comp[need & ~ok]):
            wanted.append((t, int(c), np.nonzero((comp == c) & need & ~ok)[0]))
    if exact is not None and wanted and max_exact > 0:
        # the components covering most pixels first; one receiver serves every Tx
        wanted.sort(key=lambda w: -int(npx[w[2]].sum()))
        wanted = [w for w in wanted if npx[w[2]].sum() > 0][:max_exact]
        reps = np.array([representative(centers, areas, np.nonzero(comps[t] == c)[0]) for t, c, _ in wanted], np.int64)
        uniq, inv = np.unique(reps, return_inverse=True)
        values = exact(centers[uniq]) if len(uniq) else np.zeros((t_count, 0))
        for (t, _, faces), j in zip(wanted, inv):
            v = values[t, j]
            if v > 0:
                x = 10 * np.log10(v) + fs[t, uniq[j]]
                excess[t, faces], src[t, faces] = x, SOURCE_EXACT
                stats["exact"] += len(faces)
    for t in range(t_count):
        need = src[t] == SOURCE_NONE
        if cross is not None:
            need &= np.asarray(cross[t], bool)
        if not need.any():
            continue
        have = src[t] != SOURCE_NONE
        x = idw_within(centers, excess[t], have, need, surface)
        ok = need & np.isfinite(x)
        excess[t, ok], src[t, ok] = x[ok], SOURCE_FILLED
        stats["same_surface"] += int(ok.sum())
    filled = src != SOURCE_NONE
    out = np.where(filled, 10 ** ((excess - fs) / 10), np.nan)
    out = np.where(np.isfinite(g), g, out)
    return out, src, stats
