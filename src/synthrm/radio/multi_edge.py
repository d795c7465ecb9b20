"""Multi-edge diffraction where no first-order path exists: ITU-R P.526 on the scene's geometry.

Sionna RT's solvers stop at one diffraction per path, so behind a thick flat-roofed block
or two roofs away from the transmitter they find nothing. This module estimates the path
gain there from the buildings of ``footprints.json`` with ITU-R P.526 (numpy; no ray
tracer), by two mechanisms whose powers add:

* **over the roofs** (vertical profile): the straight plan-view line from the transmitter
  to the receiver crosses building footprints; each crossing is a knife edge at the
  roof height there (a thick block gives two, its front and back roof edges). The loss
  is P.526's Deygout construction with its empirical correction (:func:`deygout_loss_db`):
  principal edge, then at most one secondary edge on each side.
* **around a corner** (plan view): a vertical building corner that both ends see, the
  path bending around it at the height Keller's law gives; the loss is P.526's single
  knife edge with the corner's clearance from the direct plan-view line
  (:func:`corner_loss_db`). Visibility is tested in the radio scene.

Both are free-space loss plus diffraction loss. P.526's J(nu) is a small-angle
approximation of the Fresnel integral: deep in shadow (angles past 60 deg) it is 7-18 dB
*above* Sionna's UTD (``../shared/NOTES-diffraction.md``), so the estimate is used only
where no other mechanism reaches and carries its own standard error
(``synthrm.radio.labels.STD_MULTI_EDGE_DB``).
"""
from __future__ import annotations

import math

import numpy as np

from synthrm.radio.physics import SPEED_OF_LIGHT, fspl_db

#: P.526's J(nu) is zero (no loss) below this nu.
NU_MIN = -0.78


def knife_edge_loss_db(nu: np.ndarray) -> np.ndarray:
    """ITU-R P.526 single knife-edge loss J(nu) [dB] (eq. 31): 0 for nu <= -0.78."""
    nu = np.asarray(nu, np.float64)
    j = 6.9 + 20 * np.log10(np.sqrt((nu - 0.1) ** 2 + 1) + nu - 0.1)
    return np.where(nu > NU_MIN, j, 0.0)


def fresnel_nu(h_m: np.ndarray, d1_m: np.ndarray, d2_m: np.ndarray, wavelength_m: float) -> np.ndarray:
    """P.526 diffraction parameter nu = h sqrt(2 (d1 + d2) / (lambda d1 d2)) for an edge
    ``h_m`` above the line between the path's ends at distances ``d1_m``, ``d2_m`` [m]."""
    d1, d2 = np.maximum(d1_m, 1e-6), np.maximum(d2_m, 1e-6)
    return np.asarray(h_m) * np.sqrt(2.0 * (d1 + d2) / (wavelength_m * d1 * d2))


def _max_nu(d: np.ndarray, z: np.ndarray, a: int, b: int, wavelength_m: float) -> tuple[int, float]:
    """Edge between profile points a and b (exclusive) with the largest nu relative to the
    line a-b, and that nu (-inf when none)."""
    if b - a < 2:
        return -1, -math.inf
    idx = np.arange(a + 1, b)
    t = (d[idx] - d[a]) / max(d[b] - d[a], 1e-9)
    h = z[idx] - (z[a] + t * (z[b] - z[a]))
    nu = fresnel_nu(h, d[idx] - d[a], d[b] - d[idx], wavelength_m)
    k = int(np.argmax(nu))
    return int(idx[k]), float(nu[k])


def deygout_loss_db(d_m: np.ndarray, z_m: np.ndarray, wavelength_m: float) -> float:
    """Diffraction loss [dB] of a profile of knife edges, ITU-R P.526's Deygout method for a
    cascade of up to three edges with its empirical correction:
    ``L = Lp + T (Lt + Lr + C)``, ``T = 1 - exp(-Lp / 6)``, ``C = 10 + 0.04 D`` (D the path
    length [km]), where Lp is the loss of the principal edge (largest nu) and Lt, Lr those
    of the largest-nu edges between it and each end; without a secondary edge ``L = Lp``.

    Args:
        d_m: (N,) distances along the path [m], increasing; point 0 the transmitter,
            point N-1 the receiver, the rest edges.
        z_m: (N,) heights [m] of those points.
    """
    d, z = np.asarray(d_m, np.float64), np.asarray(z_m, np.float64)
    n = len(d)
    p, nu_p = _max_nu(d, z, 0, n - 1, wavelength_m)
    if p < 0 or nu_p <= NU_MIN:
        return 0.0
    lp = float(knife_edge_loss_db(nu_p))
    sec = 0.0
    have = False
    for a, b in ((0, p), (p, n - 1)):
        k, nu = _max_nu(d, z, a, b, wavelength_m)
        if k >= 0 and nu > NU_MIN:
            sec += float(knife_edge_loss_db(nu))
            have = True
    if not have:
        return lp
    c = 10.0 + 0.04 * (d[-1] - d[0]) / 1000.0
    return lp + (1.0 - math.exp(-lp / 6.0)) * (sec + c)


def _roof_polygons(layout) -> list[tuple[np.ndarray, float]]:
    """(vertices (V, 2), roof height [m]) of every roof outline: footprints, and the towers
    above their podiums (a tower's footprint outside the tower is at the podium height)."""
    out = []
    for b in layout.buildings:
        if b.tower is not None and b.podium_height_m is not None:
            out.append((np.asarray(b.footprint.exterior.coords, np.float64)[:-1], float(b.podium_height_m)))
            out.append((np.asarray(b.tower.exterior.coords, np.float64)[:-1], float(b.height_m)))
        else:
            out.append((np.asarray(b.footprint.exterior.coords, np.float64)[:-1], float(b.height_m)))
    return out


def profile_edges(layout, tx: np.ndarray, points: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each receiver: the knife edges of the vertical profile from ``tx`` (3,) to it,
    ((K,) fractions of the plan-view path in (0, 1), (K,) edge heights [m]): every crossing
    of a roof outline, standing at the higher of the two roofs (or open ground) it
    separates."""
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    segs = [np.concatenate([v, np.roll(v, -1, axis=0)], axis=1) for v, _ in _roof_polygons(layout)]
    if not segs or len(pts) == 0:
        return [(np.zeros(0), np.zeros(0)) for _ in pts]
    seg = np.concatenate(segs)  # (E, 4): x0 y0 x1 y1
    p0 = np.asarray(tx, np.float64)[:2]
    e = seg[:, 2:4] - seg[:, 0:2]
    w = seg[:, 0:2] - p0
    ts = []
    for r in pts:
        dvec = r[:2] - p0
        den = dvec[0] * e[:, 1] - dvec[1] * e[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (w[:, 0] * e[:, 1] - w[:, 1] * e[:, 0]) / den
            u = (w[:, 0] * dvec[1] - w[:, 1] * dvec[0]) / den
        ok = np.isfinite(t) & (t > 1e-6) & (t < 1 - 1e-6) & (u >= 0) & (u <= 1)
        ts.append(np.sort(t[ok]))
    # roof height on each stretch between crossings, at its midpoint
    mids = [np.r_[0.0, t] * 0.5 + np.r_[t, 1.0] * 0.5 for t in ts]
    xy = np.concatenate([p0 + m[:, None] * (r[:2] - p0) for m, r in zip(mids, pts)])
    height = roof_height_at(layout, xy)
    out, k = [], 0
    for t in ts:
        hh = height[k:k + len(t) + 1]
        k += len(t) + 1
        out.append((t, np.maximum(hh[:-1], hh[1:])))
    return out


def roof_height_at(layout, xy: np.ndarray) -> np.ndarray:
    """(N,) roof height [m] at plan positions ``xy`` (N, 2) (0 on open ground)."""
    import shapely

    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    out = np.zeros(len(xy))
    for b in layout.buildings:
        x0, y0, x1, y1 = b.footprint.bounds
        idx = np.nonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1))[0]
        if len(idx) == 0:
            continue
        inside = shapely.contains_xy(b.footprint, xy[idx, 0], xy[idx, 1])
        h = np.full(len(idx), float(b.height_m))
        if b.tower is not None:
            low = float(b.podium_height_m if b.podium_height_m is not None else b.height_m)
            h = np.where(shapely.contains_xy(b.tower, xy[idx, 0], xy[idx, 1]), float(b.height_m), low)
        out[idx] = np.maximum(out[idx], np.where(inside, h, 0.0))
    return out


def roof_path_gain(layout, tx: np.ndarray, points: np.ndarray, frequency_hz: float) -> np.ndarray:
    """(P,) linear path gain over the roofs from ``tx`` (3,) to ``points`` (P, 3) [m]:
    free space times P.526 Deygout (:func:`deygout_loss_db`) on the vertical profile."""
    lam = SPEED_OF_LIGHT / frequency_hz
    tx = np.asarray(tx, np.float64)
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    out = np.zeros(len(pts))
    for i, (r, (t, h)) in enumerate(zip(pts, profile_edges(layout, tx, pts))):
        length = float(np.linalg.norm(r - tx))
        d = np.r_[0.0, t * length, length]
        z = np.r_[tx[2], h, r[2]]
        loss = deygout_loss_db(d, z, lam)
        out[i] = 10 ** (-(fspl_db(max(length, 1e-3), frequency_hz) + loss) / 10)
    return out


def corner_loss_db(tx: np.ndarray, corner_xy: np.ndarray, points: np.ndarray, wavelength_m: float) -> np.ndarray:
    """(P, C) P.526 knife-edge loss [dB] of bending around vertical corners at plan positions
    ``corner_xy`` (C, 2) from ``tx`` (3,) to ``points`` (P, 3): the corner's clearance ``h``
    is its plan-view distance from the direct line (it blocks that line: the receiver is
    in its shadow), ``d1``, ``d2`` the plan distances to it along the line."""
    p0 = np.asarray(tx, np.float64)[:2]
    r = np.asarray(points, np.float64)[:, None, :2]
    c = np.asarray(corner_xy, np.float64)[None]
    dvec = r - p0
    length = np.maximum(np.linalg.norm(dvec, axis=-1), 1e-9)
    u = dvec / length[..., None]
    w = c - p0
    along = np.sum(w * u, axis=-1)
    h = np.abs(w[..., 0] * u[..., 1] - w[..., 1] * u[..., 0])
    nu = fresnel_nu(h, along, length - along, wavelength_m)
    return knife_edge_loss_db(np.where((along > 0) & (along < length), nu, np.inf))


def corner_points(layout) -> np.ndarray:
    """(C, 3) plan positions and heights [m] of the buildings' convex vertical corners."""
    out = []
    for verts, h in _roof_polygons(layout):
        a, b, c = np.roll(verts, 1, axis=0), verts, np.roll(verts, -1, axis=0)
        cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - b[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - b[:, 0])
        sign = np.sign(np.sum(verts[:, 0] * np.roll(verts[:, 1], -1) - np.roll(verts[:, 0], -1) * verts[:, 1]))
        convex = cross * sign > 0
        out.append(np.concatenate([b[convex], np.full((int(convex.sum()), 1), h)], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 3))


def corner_path_gain(visible_fn, layout, tx: np.ndarray, points: np.ndarray, frequency_hz: float,
                     max_corners: int = 16) -> np.ndarray:
    """(P,) linear path gain around one vertical corner from ``tx`` (3,) to ``points``
    (P, 3): for each receiver, the ``max_corners`` corners of least P.526 loss are tried,
    the diffraction point on each at the height where the unfolded path is straight
    (below the roof), and the strongest one that ``visible_fn`` (points A (K, 3), points B
    (K, 3) -> (K,) bool, unobstructed segments) clears from both ends is kept."""
    lam = SPEED_OF_LIGHT / frequency_hz
    tx = np.asarray(tx, np.float64)
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    corners = corner_points(layout)
    out = np.zeros(len(pts))
    if len(corners) == 0 or len(pts) == 0:
        return out
    loss = corner_loss_db(tx, corners[:, :2], pts, lam)  # (P, C)
    k = min(max_corners, len(corners))
    best = np.argsort(loss, axis=1)[:, :k]
    pi = np.repeat(np.arange(len(pts)), k)
    ci = best.ravel()
    lj = loss[pi, ci]
    ok = np.isfinite(lj)
    cxy = corners[ci, :2]
    d1 = np.linalg.norm(cxy - tx[:2], axis=1)
    d2 = np.linalg.norm(pts[pi, :2] - cxy, axis=1)
    zq = tx[2] + (pts[pi, 2] - tx[2]) * d1 / np.maximum(d1 + d2, 1e-9)
    ok &= (zq > 0.05) & (zq < corners[ci, 2] - 0.05)
    # the diffraction point, pushed 5 cm off the corner towards both ends (away from its walls)
    q = np.concatenate([cxy, zq[:, None]], axis=1)
    off_t = tx - q
    off_r = pts[pi] - q
    q_t = q + 0.05 * off_t / np.maximum(np.linalg.norm(off_t, axis=1, keepdims=True), 1e-9)
    q_r = q + 0.05 * off_r / np.maximum(np.linalg.norm(off_r, axis=1, keepdims=True), 1e-9)
    idx = np.nonzero(ok)[0]
    if len(idx):
        vis = visible_fn(np.broadcast_to(tx, (len(idx), 3)), q_t[idx]) & visible_fn(pts[pi[idx]], q_r[idx])
        ok[idx] = vis
    total = np.linalg.norm(q - tx, axis=1) + np.linalg.norm(pts[pi] - q, axis=1)
    g = np.where(ok, 10 ** (-(fspl_db(np.maximum(total, 1e-3), frequency_hz) + np.where(ok, lj, 0.0)) / 10), 0.0)
    np.maximum.at(out, pi, g)
    return out
