"""Diffraction on the visible surface: exact paths through shared chains, per surface patch.

The Monte Carlo radio map carries no diffraction to a mesh measurement surface (Sionna RT
2.2: ``docs/radio.md``), and the shadowed third of a city view is where diffraction
governs. This stage adds, for every face a transmitter does not see, the power of the
paths with one diffraction (reflections and refractions before and after the wedge
included: Sionna's ``PathSolver`` physics, UTD with ITU-R P.2040 faces), computed exactly
at one receiver per *surface patch* and carried to the patch's faces in excess gain over
free space (the distance term taken out, so the value follows each face's own distance).

How the chains are found and shared (:mod:`synthrm.radio.chains`):

1. **Patches**: the faces some transmitter does not see, split by surface (same plane
   within 20 deg, connected), by a ``radio.diffraction_patch_m`` grid and by which
   transmitters see them. Each patch's receiver is its face nearest the area-weighted
   centroid.
2. **Chain search**: Sionna's deterministic candidate generator, run once for
   ``radio.diffraction_proxies`` patch receivers spread over the view (farthest-point
   order) with ``radio.diffraction_samples_per_src`` rays per transmitter, keeps the
   distinct chains with a diffraction (a few thousand to tens of thousands a frame). With
   ``radio.diffraction_rounds`` > 1 the search (and steps 3-4) runs again for the patches
   whose transmitters no chain found so far reaches.
3. **Scouts**: every chain that can reach them (Keller's law on the unfolded path) is
   solved at ``radio.diffraction_scouts`` patch receivers (farthest-point order); a scout
   learns which chains are valid around it.
4. **Patches**: each other patch receiver solves the union of the valid chains of its
   ``radio.diffraction_neighbours`` nearest scouts (at most ``radio.diffraction_max_chains``
   per transmitter, nearest scouts first).

The power of every valid path is summed incoherently (the radio-map quantity; identical
paths found twice count once), times the transmit array gain towards the path's
direction of departure. Chains not found by the search are missed: the patch then has no
diffracted value (``found`` False) and the label leans on the other mechanisms.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from synthrm.radio.antenna import ANTENNAS, gain_dbi
from synthrm.radio.chains import find_chains, keller_feasible, keller_frame, solve_chains
from synthrm.radio.fill import surface_components
from synthrm.radio.physics import fspl_db
from synthrm.vas.mesh import VASMesh

if TYPE_CHECKING:
    from synthrm.radio.config import RadioConfig
    from synthrm.radio.radio_map_solver import VASRadioSolver
    from synthrm.radio.transmitters import TxSet


#: Most (chain, scout) pairs a search's scouts solve: a dense city's search finds many
#: chains, and then fewer scouts (but at least ``MIN_SCOUTS``) keep its cost bounded.
SCOUT_PAIRS = 3_000_000
MIN_SCOUTS = 32


@dataclass
class DiffractionLabels:
    """Diffracted power on the faces of one frame."""

    path_gain: np.ndarray
    """(T, F) float64 linear path gain of the paths with a diffraction; 0 where none was
    found or the face was not evaluated."""
    evaluated: np.ndarray
    """(T, F) bool faces whose patch receiver was solved for transmitter t."""
    patch: np.ndarray
    """(F,) int64 patch of each face (-1: every transmitter sees it)."""
    patch_gain: np.ndarray
    """(T, R) float64 linear diffracted path gain at the patch receivers."""
    patch_face: np.ndarray
    """(R,) int64 the receiver face of each patch."""
    stats: dict = field(default_factory=dict)
    """Counts and seconds of each step."""

    @property
    def found(self) -> np.ndarray:
        """(T, F) bool faces that carry a diffracted value."""
        return self.path_gain > 0


def farthest_points(points: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` of ``points`` (N, 3) in farthest-point order, starting from the
    point nearest their centroid (deterministic)."""
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    if len(pts) == 0 or k <= 0:
        return np.zeros(0, np.int64)
    first = int(np.argmin(np.linalg.norm(pts - pts.mean(axis=0), axis=1)))
    sel = [first]
    dmin = np.linalg.norm(pts - pts[first], axis=1)
    for _ in range(min(k, len(pts)) - 1):
        j = int(np.argmax(dmin))
        if dmin[j] <= 0:
            break
        sel.append(j)
        dmin = np.minimum(dmin, np.linalg.norm(pts - pts[j], axis=1))
    return np.asarray(sel, np.int64)


def surface_patches(vas: VASMesh, adj: sp.csr_matrix, need: np.ndarray, patch_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Patches of the faces in ``need`` (T, F) bool: one surface, one ``patch_m`` [m] grid
    cell, one set of transmitters needing them. Returns ((F,) patch id, -1 outside; (R,)
    receiver face of each patch, the face nearest the area-weighted centroid)."""
    f = vas.num_faces
    anyneed = need.any(axis=0)
    patch = np.full(f, -1, np.int64)
    if not anyneed.any():
        return patch, np.zeros(0, np.int64)
    comp = surface_components(adj)
    cell = np.floor(vas.face_centers / patch_m).astype(np.int64)
    mask = (need.astype(np.int64) << np.arange(need.shape[0])[:, None]).sum(axis=0)
    idx = np.nonzero(anyneed)[0]
    key = np.concatenate([comp[idx, None], cell[idx], mask[idx, None]], axis=1)
    _, inv = np.unique(key, axis=0, return_inverse=True)
    patch[idx] = inv.ravel()
    r = int(inv.max()) + 1
    c, a = vas.face_centers[idx], vas.face_areas[idx]
    cen = np.zeros((r, 3))
    np.add.at(cen, inv.ravel(), c * a[:, None])
    cen /= np.maximum(np.bincount(inv.ravel(), weights=a, minlength=r), 1e-30)[:, None]
    d = np.linalg.norm(c - cen[inv.ravel()], axis=1)
    order = np.lexsort((d, inv.ravel()))
    first = np.r_[0, np.nonzero(np.diff(inv.ravel()[order]))[0] + 1]
    return patch, idx[order[first]]


def _sum_paths(paths, pair_tx: np.ndarray, pair_rx: np.ndarray, tx: "TxSet | np.ndarray", frequency_hz: float,
               shape: tuple[int, int]) -> np.ndarray:
    """(T, R) summed power of the valid paths (identical paths once), times the transmit
    array gain towards each path's departure."""
    out = np.zeros(shape)
    if len(paths.pair) == 0:
        return out
    t, r = pair_tx[paths.pair], pair_rx[paths.pair]
    key = np.stack([t, r, np.round(paths.delay_s * 1e13).astype(np.int64)], axis=1)
    _, u = np.unique(key, axis=0, return_index=True)
    p = paths.power[u]
    if not isinstance(tx, (np.ndarray, list, tuple)) and tx.antenna != "siso":
        spec = ANTENNAS[tx.antenna]
        for k in np.unique(t[u]):
            m = t[u] == k
            p[m] *= 10 ** (gain_dbi(spec, frequency_hz, tx.orientations[k], tx.precoding[k], paths.departure[u][m]) / 10)
    np.add.at(out, (t[u], r[u]), p)
    return out


def _share_chains(solver, tx, pos: np.ndarray, chains, rpos: np.ndarray, rneed: np.ndarray, todo: np.ndarray,
                  cfg) -> tuple[np.ndarray, dict]:
    """Diffracted path gain (T, R) at the patch receivers ``todo`` for the (transmitter,
    patch) pairs of ``rneed``: every Keller-feasible chain solved at the scouts (farthest-point
    order among ``todo``), the valid chains of the nearest scouts at the other patches."""
    nt, r = rneed.shape
    kf = keller_frame(chains, pos)
    stats = {}
    n_scouts = min(cfg.diffraction_scouts, max(MIN_SCOUTS, SCOUT_PAIRS // max(chains.num_chains, 1)))
    scouts = np.sort(todo[farthest_points(rpos[todo], n_scouts)])
    ci = np.repeat(np.arange(chains.num_chains), len(scouts))
    si = np.tile(scouts, chains.num_chains)
    keep = rneed[chains.source[ci], si]
    ci, si = ci[keep], si[keep]
    ok = keller_feasible(chains, kf, ci, rpos[si])
    ci, si = ci[ok], si[ok]
    t1 = time.perf_counter()
    sp_ = solve_chains(solver, chains, ci, rpos[si])
    valid_pairs = np.unique(sp_.pair)
    gain = _sum_paths(sp_, chains.source[ci], si, tx, cfg.frequency_hz, (nt, r))
    stats.update(scouts=len(scouts), scout_pairs=int(len(ci)), scout_s=round(time.perf_counter() - t1, 3))
    # the other patches: the valid chains of the nearest scouts (nearer scouts weigh more)
    others = np.setdiff1d(todo, scouts)
    pc = pr = np.zeros(0, np.int64)
    if len(others) and len(valid_pairs):
        from scipy.spatial import cKDTree

        k = min(cfg.diffraction_neighbours, len(scouts))
        _, nn = cKDTree(rpos[scouts]).query(rpos[others], k=k)
        nn = np.asarray(nn).reshape(len(others), k)
        near = sp.csr_matrix((np.tile(np.arange(k, 0, -1, dtype=np.float64), len(others)),
                              (np.repeat(np.arange(len(others)), k), nn.ravel())), shape=(len(others), len(scouts)))
        where = np.searchsorted(scouts, si[valid_pairs])
        valid = sp.csr_matrix((np.ones(len(valid_pairs)), (where, ci[valid_pairs])),
                              shape=(len(scouts), chains.num_chains))
        valid.data[:] = 1.0  # a chain valid at a scout once, whatever its paths
        u = (near @ valid).tocoo()
        pr, pc, w = others[u.row], u.col.astype(np.int64), u.data
        keep = rneed[chains.source[pc], pr]
        pr, pc, w = pr[keep], pc[keep], w[keep]
        # at most diffraction_max_chains per patch and transmitter, the best-supported first
        order = np.lexsort((-w, chains.source[pc], pr))
        pr, pc = pr[order], pc[order]
        grp = pr * nt + chains.source[pc]
        start = np.r_[0, np.nonzero(np.diff(grp))[0] + 1]
        rank = np.arange(len(grp)) - np.repeat(start, np.diff(np.r_[start, len(grp)]))
        pr, pc = pr[rank < cfg.diffraction_max_chains], pc[rank < cfg.diffraction_max_chains]
    if len(pc):
        ok = keller_feasible(chains, kf, pc, rpos[pr])
        pc, pr = pc[ok], pr[ok]
        t2 = time.perf_counter()
        gain += _sum_paths(solve_chains(solver, chains, pc, rpos[pr]), chains.source[pc], pr, tx, cfg.frequency_hz,
                           (nt, r))
        stats.update(patch_pairs=int(len(pc)), patch_s=round(time.perf_counter() - t2, 3))
    stats["pairs"] = int(len(ci) + len(pc))
    return gain, stats


def diffraction_path_gain(solver: "VASRadioSolver", vas: VASMesh, tx: "TxSet | np.ndarray", visible: np.ndarray,
                          cfg: "RadioConfig", adj: sp.csr_matrix, seed: int = 1) -> DiffractionLabels:
    """Diffracted path gain on the faces that transmitter t does not see (module docstring).

    Args:
        solver: the scene's solver. vas: the frame's visible surface; adj: its
            :func:`~synthrm.radio.labels.planar_adjacency`.
        tx: the transmitters (TxSet or (T, 3) positions [m]).
        visible: (T, F) bool line of sight from each face centre.
        cfg: ``radio`` settings (``diffraction_*``, ``max_depth``, mechanisms).
        seed: seed of the chain search.
    """
    t0 = time.perf_counter()
    pos = np.asarray(tx if isinstance(tx, (np.ndarray, list, tuple)) else tx.positions, np.float64).reshape(-1, 3)
    nt, nf = len(pos), vas.num_faces
    need = ~np.asarray(visible, bool)
    patch, rep = surface_patches(vas, adj, need, cfg.diffraction_patch_m)
    r = len(rep)
    stats = {"patches": r, "chains": 0, "pairs": 0, "proxies": 0, "scouts": 0}
    empty = DiffractionLabels(np.zeros((nt, nf)), np.zeros((nt, nf), bool), patch, np.zeros((nt, r)), rep, stats)
    if r == 0 or cfg.max_depth < 1:
        return empty
    centers = vas.face_centers
    rpos = centers[rep]
    rneed = np.zeros((nt, r), bool)  # patch needs Tx t: all its faces share the need mask
    rneed[:, :] = need[:, rep]
    # the chain search (isotropic transmitters: array gains are applied per path afterwards)
    solver._set_transmitters(pos, isotropic=True)
    gain = np.zeros((nt, r))
    todo = np.arange(r)
    for k in range(cfg.diffraction_rounds):  # later searches for the patches the chains so far miss
        proxies = todo[farthest_points(rpos[todo], cfg.diffraction_proxies)]
        chains = find_chains(solver, rpos[proxies], cfg.diffraction_samples_per_src, cfg.max_depth, seed + k)
        pre = "" if k == 0 else f"round{k + 1}_"
        stats.update({f"{pre}proxies": len(proxies), f"{pre}chains": chains.num_chains,
                      f"{pre}search_s": round(chains.seconds, 3)})
        if chains.num_chains:
            g, st = _share_chains(solver, tx, pos, chains, rpos, rneed & (gain == 0), todo, cfg)
            gain += g
            stats.update({f"{pre}{a}": b for a, b in st.items()})
        missed = (rneed & (gain == 0)).any(axis=0)
        if not missed.any():
            break
        todo = np.nonzero(missed)[0]
    # faces: the patch's excess gain over free space, at each face's own distance
    out = np.zeros((nt, nf))
    evaluated = need & (patch >= 0)[None]
    f_idx = np.nonzero(patch >= 0)[0]
    pf = patch[f_idx]
    for t in range(nt):
        d_rep = np.maximum(np.linalg.norm(rpos - pos[t], axis=1), 1e-3)
        d_f = np.maximum(np.linalg.norm(centers[f_idx] - pos[t], axis=1), 1e-3)
        g = gain[t, pf]
        with np.errstate(divide="ignore"):
            x = 10 * np.log10(g) + fspl_db(d_rep[pf], cfg.frequency_hz)
        v = np.where(g > 0, 10 ** ((x - fspl_db(d_f, cfg.frequency_hz)) / 10), 0.0)
        out[t, f_idx] = np.where(need[t, f_idx], v, 0.0)
    stats["seconds_s"] = round(time.perf_counter() - t0, 3)
    stats["found_share"] = round(float((out > 0)[evaluated].mean()) if evaluated.any() else 1.0, 4)
    return DiffractionLabels(out, evaluated, patch, gain, rep, stats)
