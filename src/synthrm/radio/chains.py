"""Exact diffracted paths shared between receivers: Sionna RT's ``PathSolver`` split in two.

Sionna's ``PathSolver`` finds a receiver's paths in two steps: a *candidate generator*
shoots rays from every transmitter and keeps the interaction chains (sequences of
reflecting planes, refracting slabs and at most one diffracting wedge) whose last
interaction point sees the receiver; the *image method* then solves each chain exactly
for that receiver (or rejects it: occluded, reflection point off its plane, diffraction
point off its edge) and a *field calculator* gives its complex gain (UTD for the wedge,
ITU-R P.2040 slab coefficients for the faces). Almost all of the time goes into the
first step, and it grows with rays x receivers; the second is cheap per (chain,
receiver) pair. A chain is a property of the scene and the transmitter, not of one
receiver, so a chain found for one receiver can be solved for any other.

This module does exactly that, with Sionna's own three components (nothing of the
physics is re-implemented here): :func:`find_chains` runs the candidate generator once
for a few *proxy* receivers and keeps the distinct chains with a diffraction
(:class:`ChainSet`); :func:`solve_chains` runs the image method and the field calculator
for any list of (chain, receiver) pairs and returns each valid path's power;
:func:`keller_feasible` is a numpy pre-filter (the diffraction point of a chain must lie
on its finite edge: Keller's law after unfolding the reflections) that rejects about
half the pairs before any ray is traced.

It uses Sionna RT 2.2's solver internals (``PathSolver._candidate_generator``,
``_image_method``, ``_field_calculator``, ``PathsBuffer.gather``); ``constraints.txt`` pins
that version and :func:`find_chains` fails with a clear message if they change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from synthrm._mitsuba import dr, mi

if TYPE_CHECKING:
    from synthrm.radio.radio_map_solver import VASRadioSolver

#: Sionna's interaction codes (``sionna.rt.constants.InteractionType``).
SPECULAR, REFRACTION, DIFFRACTION = 1, 4, 8
#: Chains that can be cached per candidate search (per transmitter) [count].
MAX_CANDIDATES_PER_TX = 10 ** 6
#: Quantisation of the chain keys: plane normals to 1e-3, plane offsets and edge
#: endpoints to 0.1 m (coplanar triangles are one plane for the image method).
NORMAL_Q, LENGTH_Q = 1000.0, 10.0


def _points(a: np.ndarray):
    a = np.ascontiguousarray(np.asarray(a, np.float32).reshape(-1, 3))
    return mi.Point3f(mi.Float(a[:, 0]), mi.Float(a[:, 1]), mi.Float(a[:, 2]))


@dataclass
class ChainSet:
    """Distinct interaction chains with one diffraction, found from ``tx`` transmitters.

    All arrays have one row per chain (C); chains are sorted by their key, so the same
    scene, transmitters and proxies give the same order on any machine."""

    buffer: object
    """Sionna ``PathsBuffer`` holding the chains (row ``i`` of every array is
    ``buffer`` entry ``rows[i]``)."""
    rows: np.ndarray
    """(C,) int64 entries of ``buffer``."""
    source: np.ndarray
    """(C,) int64 transmitter of each chain."""
    types: np.ndarray
    """(C, D) uint32 interaction codes per depth (0 after the last)."""
    plane_normal: np.ndarray
    """(C, D, 3) float64 unit normal of each reflecting plane (0 elsewhere)."""
    plane_point: np.ndarray
    """(C, D, 3) float64 a point of each reflecting plane [m]."""
    edge_origin: np.ndarray
    """(C, 3) float64 first end of the diffracting edge [m]."""
    edge_dir: np.ndarray
    """(C, 3) float64 unit direction of the edge."""
    edge_length: np.ndarray
    """(C,) float64 edge length [m]."""
    seconds: float = 0.0
    """Time of the candidate search [s]."""

    @property
    def num_chains(self) -> int:
        return int(len(self.rows))

    @property
    def diffraction_depth(self) -> np.ndarray:
        """(C,) int64 position of the diffraction in each chain (0: first interaction)."""
        return np.argmax(self.types == DIFFRACTION, axis=1)

    def reflections(self) -> np.ndarray:
        """(C,) int64 number of specular reflections of each chain."""
        return (self.types == SPECULAR).sum(axis=1)


def _mesh_planes(mi_scene) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{shape id as stored in a PathsBuffer: ((P, 3) face normals, (P, 3) a vertex of each face)}."""
    ids = np.asarray(dr.reinterpret_array(mi.UInt32, mi_scene.shapes_dr()).numpy())
    out = {}
    for sid, shape in zip(ids, mi_scene.shapes()):
        params = mi.traverse(shape)
        if "vertex_positions" not in params or "faces" not in params:
            continue
        v = np.asarray(params["vertex_positions"].numpy(), np.float64).reshape(-1, 3)
        f = np.asarray(params["faces"].numpy(), np.int64).reshape(-1, 3)
        n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        out[int(sid)] = (n, v[f[:, 0]])
    return out


def find_chains(solver: "VASRadioSolver", proxies: np.ndarray, samples_per_src: int, max_depth: int,
                seed: int = 1) -> ChainSet:
    """Distinct chains with one diffraction from the solver's transmitters (already in the
    scene, see ``VASRadioSolver._set_transmitters``) that Sionna's deterministic candidate
    generator finds for the receivers ``proxies`` (P, 3) [m] with ``samples_per_src`` rays
    per transmitter and up to ``max_depth`` interactions (reflections and refractions
    before and after the wedge)."""
    import time

    t0 = time.perf_counter()
    ps = solver.path_solver()
    scene = solver.scene
    src_pos, _, _, _ = scene.sources(True, True)
    try:
        gen = ps._candidate_generator
        buf = gen(mi_scene=scene.mi_scene, src_positions=src_pos, tgt_positions=_points(proxies),
                  samples_per_src=int(samples_per_src), max_num_paths_per_src=MAX_CANDIDATES_PER_TX,
                  max_depth=int(max_depth), los=False, specular_reflection=solver.cfg.specular_reflection,
                  diffuse_reflection=False, refraction=solver.cfg.refraction, diffraction=True,
                  edge_diffraction=solver.cfg.edge_diffraction, seed=int(seed))
        buf.schedule()
        dr.eval()
        buf.shrink()
        buf.detach_geometry()
        n = buf.buffer_size
        types = np.asarray(buf.interaction_types.numpy(), np.uint32).reshape(n, max(1, int(max_depth))) if n \
            else np.zeros((0, max(1, int(max_depth))), np.uint32)
    except (AttributeError, TypeError) as e:  # pragma: no cover - guards a Sionna upgrade
        raise RuntimeError(f"Sionna RT's PathSolver internals changed ({e}); synthrm's shared diffraction "
                           "chains need sionna-rt 2.2 (see constraints.txt)") from None
    keep = np.nonzero((types == DIFFRACTION).any(axis=1))[0]
    empty = ChainSet(buf, keep[:0], np.zeros(0, np.int64), types[:0], np.zeros((0,) + types.shape[1:] + (3,)),
                     np.zeros((0,) + types.shape[1:] + (3,)), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0),
                     time.perf_counter() - t0)
    if len(keep) == 0:
        return empty
    types = types[keep]
    shapes = np.asarray(buf.shapes.numpy(), np.int64).reshape(n, -1)[keep]
    prims = np.asarray(buf.primitives.numpy(), np.int64).reshape(n, -1)[keep]
    src = np.asarray(buf.source_indices.numpy(), np.int64)[keep]
    w = buf.diffracting_wedges
    wo = np.stack([np.asarray(w.o[i].numpy(), np.float64) for i in range(3)], -1)[keep]
    we = np.stack([np.asarray(w.e_hat[i].numpy(), np.float64) for i in range(3)], -1)[keep]
    wl = np.asarray(w.length.numpy(), np.float64)[keep]
    planes = _mesh_planes(scene.mi_scene)
    c, d = types.shape
    pn, pp = np.zeros((c, d, 3)), np.zeros((c, d, 3))
    for k in range(d):
        refl = (types[:, k] == SPECULAR) | (types[:, k] == REFRACTION)
        for sid, (nrm, pt) in planes.items():
            m = refl & (shapes[:, k] == sid)
            if m.any():
                pn[m, k], pp[m, k] = nrm[prims[m, k]], pt[prims[m, k]]
    # chain key: transmitter, interaction codes, each plane (normal, offset), the edge's ends
    a = np.round(wo * LENGTH_Q).astype(np.int64)
    b = np.round((wo + we * wl[:, None]) * LENGTH_Q).astype(np.int64)
    swap = np.array([tuple(x) > tuple(y) for x, y in zip(a.tolist(), b.tolist())], bool)
    e1, e2 = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
    off = np.sum(pn * pp, axis=-1)
    key = np.concatenate([src[:, None], types.astype(np.int64), np.round(pn * NORMAL_Q).astype(np.int64).reshape(c, -1),
                          np.round(off * LENGTH_Q).astype(np.int64), e1, e2], axis=1)
    _, first = np.unique(key, axis=0, return_index=True)  # sorted by key: canonical order
    # a refraction does not move the image (Sionna's slabs do not bend rays): keep only reflecting planes
    pn = np.where((types == SPECULAR)[..., None], pn, 0.0)
    return ChainSet(buf, keep[first], src[first], types[first], pn[first], pp[first], wo[first], we[first],
                    wl[first], time.perf_counter() - t0)


def _reflect(x: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return x - 2.0 * np.sum((x - p) * n, axis=-1, keepdims=True) * n


@dataclass
class KellerFrame:
    """Per-chain terms of :func:`keller_feasible` (receiver-independent parts)."""

    a_s: np.ndarray
    """(C,) position along the edge of the transmitter image's foot [m]."""
    r_s: np.ndarray
    """(C,) distance of the transmitter image from the edge line [m]."""
    u: np.ndarray
    """(C, 3) the edge direction mapped back through the reflections after the wedge."""
    k: np.ndarray
    """(C,) offset of the receiver's position along the edge [m]."""
    q: np.ndarray
    """(C, 3) the edge origin mapped back through the reflections after the wedge [m]."""


def keller_frame(chains: ChainSet, tx_positions: np.ndarray) -> KellerFrame:
    """The receiver-independent terms of Keller's law for every chain: the transmitter
    imaged through the reflections before the wedge, and the affine map x -> A x + b of
    the reflections after it (A orthogonal, so the receiver image's distance to the edge
    line is that of x to the edge mapped back)."""
    s = np.asarray(tx_positions, np.float64).reshape(-1, 3)[chains.source].copy()
    didx = chains.diffraction_depth
    c, d = chains.types.shape
    a_mat = np.broadcast_to(np.eye(3), (c, 3, 3)).copy()
    b_vec = np.zeros((c, 3))
    for k in range(d):
        n, p = chains.plane_normal[:, k], chains.plane_point[:, k]
        m = (chains.types[:, k] == SPECULAR) & (k < didx)
        if m.any():  # source images: reflections before the wedge, in path order
            s[m] = _reflect(s[m], n[m], p[m])
    for k in range(d - 1, -1, -1):  # receiver images: reflections after the wedge, last first
        m = (chains.types[:, k] == SPECULAR) & (k > didx)
        if m.any():
            n, p = chains.plane_normal[m, k], chains.plane_point[m, k]
            h = np.eye(3)[None] - 2.0 * n[:, :, None] * n[:, None, :]
            a_mat[m] = h @ a_mat[m]
            b_vec[m] = np.einsum("kij,kj->ki", h, b_vec[m]) + 2.0 * np.sum(p * n, axis=1)[:, None] * n
    o, e = chains.edge_origin, chains.edge_dir
    a_s = np.sum((s - o) * e, axis=1)
    r_s = np.linalg.norm((s - o) - a_s[:, None] * e, axis=1)
    at = np.transpose(a_mat, (0, 2, 1))
    u = np.einsum("kij,kj->ki", at, e)
    q = np.einsum("kij,kj->ki", at, o - b_vec)
    return KellerFrame(a_s, r_s, u, -np.sum(u * q, axis=1), q)


def keller_feasible(chains: ChainSet, frame: KellerFrame, idx: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(K,) bool for pairs (``chains`` row ``idx[k]``, receiver ``targets[k]`` (K, 3) [m]):
    whether the chain's diffraction point lies on its finite edge. With the transmitter
    imaged through the reflections before the wedge and the receiver through those after
    it, the point of the edge line obeying Keller's law (equal angles with the edge) is
    closed-form. Necessary, not sufficient (occlusion and reflection points are left to
    the image method). ``frame``: :func:`keller_frame` of the chains."""
    idx = np.asarray(idx, np.int64)
    x = np.asarray(targets, np.float64).reshape(-1, 3)
    a_r = np.einsum("ij,ij->i", frame.u[idx], x) + frame.k[idx]
    dq = x - frame.q[idx]
    r_r = np.sqrt(np.maximum(np.einsum("ij,ij->i", dq, dq) - a_r ** 2, 0.0))
    r_s, a_s = frame.r_s[idx], frame.a_s[idx]
    tau = (a_s * r_r + a_r * r_s) / np.maximum(r_s + r_r, 1e-9)
    return (tau >= -1e-3) & (tau <= chains.edge_length[idx] + 1e-3)


@dataclass
class ChainPaths:
    """Valid paths of solved (chain, receiver) pairs."""

    pair: np.ndarray
    """(N,) int64 the pair each path came from."""
    power: np.ndarray
    """(N,) float64 path gain |a|^2 (isotropic transmit and receive patterns)."""
    delay_s: np.ndarray
    """(N,) float64 path delay [s] (identical paths have identical delays)."""
    departure: np.ndarray
    """(N, 3) float64 unit direction of departure at the transmitter."""


def solve_chains(solver: "VASRadioSolver", chains: ChainSet, idx: np.ndarray, targets: np.ndarray,
                 batch: int = 1_000_000) -> ChainPaths:
    """Solve chain ``idx[k]`` for the receiver at ``targets[k]`` (K, 3) [m] with Sionna's
    image method and field calculator (isotropic V antennas; the transmit array gain is
    applied by the caller from the direction of departure). Returns the valid paths."""
    ps = solver.path_solver()
    scene = solver.scene
    src_pos, src_ori, _, _ = scene.sources(True, True)
    idx = np.asarray(idx, np.int64)
    tgt = np.asarray(targets, np.float64).reshape(-1, 3)
    out = []
    for k0 in range(0, len(idx), batch):
        sl = slice(k0, min(len(idx), k0 + batch))
        n = sl.stop - sl.start
        tp = _points(tgt[sl])
        buf = chains.buffer.gather(mi.UInt(chains.rows[idx[sl]].astype(np.uint32)))
        buf._tgt_indices = dr.arange(mi.UInt, n)
        buf = ps._image_method(scene=scene.mi_scene, paths=buf, diffraction=True,
                               diffraction_lit_region=solver.cfg.diffraction_lit_region,
                               src_positions=src_pos, tgt_positions=tp)
        # the field of every pair, then the valid ones in numpy (Sionna's discard_invalid
        # gathers every tensor of the buffer and costs more than the solve)
        buf = ps._field_calculator(wavelength=scene.wavelength, paths=buf, samples_per_src=1, diffraction=True,
                                   src_positions=src_pos, tgt_positions=tp, src_orientations=src_ori,
                                   tgt_orientations=dr.zeros(mi.Point3f, n),
                                   src_antenna_patterns=scene.tx_array.antenna_pattern.patterns,
                                   tgt_antenna_patterns=scene.rx_array.antenna_pattern.patterns)
        valid = np.nonzero(np.asarray(buf.valid.numpy(), bool))[0]
        if len(valid) == 0:
            continue
        a = buf.a[0][0]
        power = (np.asarray(dr.real(a).numpy(), np.float64) ** 2 + np.asarray(dr.imag(a).numpy(), np.float64) ** 2)[valid]
        ktx = np.stack([np.asarray(buf.k_tx[i].numpy(), np.float64)[valid] for i in range(3)], -1)
        out.append(ChainPaths(valid + sl.start, power, np.asarray(buf.tau.numpy(), np.float64)[valid], ktx))
    if not out:
        return ChainPaths(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 3)))
    return ChainPaths(*(np.concatenate([getattr(p, k) for p in out]) for k in ("pair", "power", "delay_s", "departure")))
