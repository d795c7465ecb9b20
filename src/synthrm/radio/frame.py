"""One frame's radio labels: transmitters -> Monte Carlo passes -> windows -> fill -> pixels.

The result (:class:`FrameRadio`) holds the per-face values; ``arrays`` turns them into the
per-pixel labels a sample stores (``docs/dataset.md``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.errors import SynthrmError
from synthrm.radio.config import RadioConfig
from synthrm.radio.budget import PASS_FACTOR, RayBudget
from synthrm.radio.diffraction import diffraction_path_gain
from synthrm.radio.fill import fill_path_gain
from synthrm.radio.labels import (
    MECH_LOS,
    MECH_NONE,
    MECH_REFLECTION,
    SOURCE_NONE,
    Mechanisms,
    label_std_db,
    noise_power_w,
    planar_adjacency,
    sinr_linear,
    to_db,
    window_path_gain,
)
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.radio.transmitters import TxSet, place_transmitters
from synthrm.scene.layout import Layout
from synthrm.vas.mesh import VASMesh


class FrameSkipped(SynthrmError):
    """The frame cannot carry radio labels (e.g. no transmitter reaches the view)."""


@dataclass
class FrameRadio:
    """Radio results of one frame on its VAS mesh."""

    tx: TxSet
    face_path_gain_raw: np.ndarray
    """(T, F) float64 linear path gain of all Monte Carlo passes (0: no ray)."""
    face_rays: np.ndarray
    """(T, F) int64 rays that crossed each face over all passes."""
    face_path_gain: np.ndarray
    """(T, F) float64 linear path gain label (NaN: no value)."""
    face_source: np.ndarray
    """(T, F) uint8 provenance (``synthrm.radio.labels.SOURCE_*``)."""
    face_std_db: np.ndarray
    """(T, F) float32 estimated standard error of the label [dB] (NaN: no value)."""
    face_rings: np.ndarray
    """(T, F) int16 Monte Carlo window used, in rings (-1: none or filled)."""
    rays_per_tx: np.ndarray
    """(T,) int64 rays traced per transmitter over all passes."""
    budget: RayBudget
    cfg: RadioConfig
    fill_stats: dict = field(default_factory=dict)
    """Faces filled per stage (``synthrm.radio.fill``)."""
    solver_s: float = 0.0
    """Seconds inside Sionna's solvers (Monte Carlo passes and exact paths)."""
    face_mechanism: np.ndarray | None = None
    """(T, F) uint8 dominant propagation mechanism (``synthrm.radio.labels.MECH_*``)."""
    parts: "Mechanisms | None" = None
    """The per-mechanism path gains the label sums (:class:`synthrm.radio.labels.Mechanisms`)."""

    @property
    def noise_w(self) -> float:
        """Thermal noise k*T*B [W]."""
        return noise_power_w(self.cfg.temperature_k, self.cfg.bandwidth_hz)

    def face_sinr(self) -> np.ndarray:
        """(T, F) linear SINR per face (the frame's other Tx interfere)."""
        return sinr_linear(self.face_path_gain, self.cfg.tx_power_dbm, self.noise_w)

    def arrays(self, vas: VASMesh) -> dict[str, np.ndarray]:
        """The sample arrays: per-pixel labels (T, H, W), Tx metadata and the radio mesh."""
        face_db = to_db(self.face_path_gain)
        return {
            "path_gain_db": vas.face_to_pixel(face_db),
            "sinr_db": vas.face_to_pixel(to_db(self.face_sinr())),
            "path_gain_source": _face_to_pixel_int(vas, self.face_source, np.uint8, 0, 255),
            "path_gain_std_db": vas.face_to_pixel(self.face_std_db),
            "path_gain_mechanism": _face_to_pixel_int(vas, self.face_mechanism, np.uint8, 0, 255),
            "path_gain_rings": _face_to_pixel_int(vas, self.face_rings, np.int8, -1, 127),
            "tx_position": self.tx.positions.astype(np.float64),
            "tx_orientation": self.tx.orientations.astype(np.float64),
            "tx_steering": self.tx.steering.astype(np.float64),
            "tx_precoding": self.tx.precoding.astype(np.complex64),
            "antenna_pattern": self.tx.patterns.astype(np.float32),
            "vas_vertices": vas.vertices.astype(np.float32),
            "vas_faces": vas.faces.astype(np.int32),
            "vas_path_gain_db": face_db,
        }

    def attrs(self) -> dict:
        c = self.cfg
        reached = (self.face_rays > 0).mean(axis=1)
        return {
            "frequency_hz": float(c.frequency_hz), "bandwidth_hz": float(c.bandwidth_hz),
            "tx_power_dbm": float(c.tx_power_dbm), "temperature_k": float(c.temperature_k),
            "noise_power_dbm": float(10 * np.log10(self.noise_w) + 30),
            "samples_per_tx": int(self.budget.first_pass), "samples_per_tx_setting": c.samples_per_tx,
            "rays_per_tx": [int(x) for x in self.rays_per_tx], "radio_backend": self.budget.backend,
            "max_depth": int(c.max_depth), "diffraction": bool(c.diffraction),
            "antenna": c.antenna, "num_tx": self.tx.num_tx, "tx_placement": c.tx_placement,
            "pattern_step_deg": float(c.pattern_step_deg),
            "min_rays": int(c.min_rays), "max_rings": int(c.max_rings), "fill": bool(c.fill),
            "faces_reached_fraction": [round(float(x), 4) for x in reached],
            "fill_faces": {k: int(v) for k, v in self.fill_stats.items() if not k.startswith("diffraction_")},
            "exact_diffraction": bool(c.exact_diffraction), "multi_edge": bool(c.multi_edge),
            "diffraction_stats": {k[len("diffraction_"):]: v for k, v in self.fill_stats.items()
                                  if k.startswith("diffraction_") and not k.endswith("_s")},
            "mechanism_fraction": [[round(float(x), 4) for x in np.bincount(m[m > 0], minlength=5)[1:5]
                                    / max(int((m > 0).sum()), 1)] for m in self.face_mechanism],
        }


def _face_to_pixel_int(vas: VASMesh, values: np.ndarray, dtype, empty: int, top: int) -> np.ndarray:
    out = np.full(values.shape[:-1] + vas.pixel_face.shape, empty, dtype)
    m = vas.pixel_face >= 0
    out[..., m] = np.clip(values[..., vas.pixel_face[m]], empty, top)
    return out


def ray_share(vas: VASMesh, adj, rays: np.ndarray, min_rays: int, known: np.ndarray | None = None) -> np.ndarray:
    """(T,) share of the view's pixels (on the VAS) whose ring-1 window holds ``min_rays``
    rays of transmitter t (or whose line of sight is ``known``): the part of the view its
    Monte Carlo labels densely."""
    npx = np.bincount(vas.pixel_face[vas.pixel_face >= 0], minlength=vas.num_faces).astype(np.float64)
    win = (adj @ np.asarray(rays, np.float64).T).T
    ok = win >= min_rays
    if known is not None:
        ok |= known
    return (ok * npx).sum(axis=1) / max(npx.sum(), 1.0)


def trace_progressive(solver: VASRadioSolver, vas: VASMesh, tx: TxSet, budget: RayBudget, min_rays: int,
                      target_share: float, seed: int, adj=None, log=None, los: bool | None = None,
                      known: np.ndarray | None = None):
    """Monte Carlo passes of a frame (``synthrm.radio.budget``). Returns ((T, F) path gain,
    (T, F) rays per face, (T,) rays traced per Tx, seconds in the solver). ``los=False``
    traces the paths with interactions only; ``known`` (T, F) faces count as labelled."""
    log = log or (lambda m: None)
    adj = planar_adjacency(vas) if adj is None else adj
    t = tx.num_tx
    mc = solver.monte_carlo(vas, tx, seed, budget.first_pass, los=los)
    g, n, secs = mc.path_gain, mc.hits, mc.seconds
    traced = np.full(t, budget.first_pass, np.int64)
    k = 1
    while True:
        share = ray_share(vas, adj, n, min_rays, known)
        so_far = int(traced.max())
        extra = PASS_FACTOR * so_far
        cand = np.nonzero((share < target_share) & (traced == so_far) & (traced + extra <= budget.max_per_tx))[0]
        room = (budget.max_per_frame - int(traced.sum())) // extra
        cand = cand[np.argsort(share[cand], kind="stable")][:max(room, 0)]
        if len(cand) == 0:
            break
        more = solver.monte_carlo(vas, tx.subset(np.sort(cand)), seed + k, extra, los=los)
        sel = np.sort(cand)
        g[sel] = (traced[sel, None] * g[sel] + extra * more.path_gain) / (traced[sel, None] + extra)
        n[sel] += more.hits
        traced[sel] += extra
        secs += more.seconds
        log(f"progressive pass {k}: Tx {sel.tolist()} (ray-labelled share {np.round(share[sel], 3).tolist()}) "
            f"+{extra:.2g} rays each")
        k += 1
    return g, n, traced, secs


def multi_edge_gain(solver: VASRadioSolver, layout: Layout | None, vas: VASMesh, tx: TxSet, parts: "Mechanisms",
                    frequency_hz: float) -> tuple[np.ndarray, int]:
    """(T, F) ITU-R P.526 multi-edge path gain on the faces that neither see the transmitter
    nor received an exact diffracted path (``synthrm.radio.multi_edge``: over the roofs plus
    around one corner; it stands for the diffracted power there, the rays' reflections add
    to it), and how many face-Tx pairs took it. Needs the scene's ``footprints.json`` (else
    zeros)."""
    from synthrm.radio.multi_edge import corner_path_gain, roof_path_gain

    out = np.zeros(parts.los.shape)
    need = ~(parts.los > 0) & ~(parts.diffraction > 0)
    if not need.any():
        return out, 0
    if layout is None:
        if solver.scene_dir is None or not (solver.scene_dir / "footprints.json").is_file():
            return out, 0
        layout = Layout.load(solver.scene_dir)
    centers = vas.face_centers
    for t in range(tx.num_tx):
        f = np.nonzero(need[t])[0]
        if len(f):
            out[t, f] = roof_path_gain(layout, tx.positions[t], centers[f], frequency_hz) + \
                corner_path_gain(solver.segments_clear, layout, tx.positions[t], centers[f], frequency_hz)
    return out, int(need.sum())


def compute_frame_radio(solver: VASRadioSolver, layout: Layout | None, vas: VASMesh, visible_points: np.ndarray,
                        camera: PinholeCamera, cfg: RadioConfig, seed: int, log=None,
                        tx: TxSet | None = None) -> FrameRadio:
    """Place transmitters (or take ``tx``), ray-trace them onto ``vas``, label every face.

    Args:
        solver: the scene's solver (radio variant).
        layout: the scene's footprints (placement rules; unused when ``tx`` is given).
        vas: the frame's visible surface.
        visible_points: (N, 3) world points the camera sees [m] (their median is the
            view centre transmitters are drawn around).
        camera: the frame's camera (its pose places a camera-mounted transmitter).
        cfg: radio settings. seed: the frame's radio seed.
        log: callable for warnings.
        tx: transmitters to use instead of placing new ones (``synthrm relabel``).

    Raises:
        FrameSkipped: the view is empty or no transmitter reaches any visible face.
    """
    from synthrm._mitsuba import backend

    log = log or (lambda m: None)
    if vas.num_faces == 0 or len(visible_points) == 0:
        raise FrameSkipped("the camera sees no surface to put radio labels on")
    rng = np.random.default_rng(seed)
    center = np.median(np.asarray(visible_points, np.float64).reshape(-1, 3), axis=0)
    if tx is None:
        tx = place_transmitters(layout, cfg, rng, center, camera.cam_to_world)
    budget = cfg.budget(backend())
    adj = planar_adjacency(vas)
    sseed = int(seed % (2 ** 31 - 1)) or 1
    t0 = time.perf_counter()
    visible = solver.line_of_sight(vas.face_centers, tx.positions)
    exact_los = cfg.exact_los and cfg.los
    # the exact direct path: the label's line-of-sight term, or (exact_los off: the rays carry
    # it) what codes a face's mechanism below
    direct = solver.los_path_gain(vas.face_centers, tx, visible) if cfg.los else np.zeros(visible.shape)
    los_gain = direct if exact_los else np.zeros(visible.shape)
    known = visible if exact_los else None
    los_s = time.perf_counter() - t0
    rest, rays, traced, secs = trace_progressive(solver, vas, tx, budget, cfg.min_rays, cfg.target_ray_share,
                                                 sseed, adj, log, los=False if exact_los else None, known=known)
    secs += los_s
    reached = ((rays > 0) | (los_gain > 0)).any(axis=1)
    dist = np.linalg.norm(vas.face_centers[None] - tx.positions[:, None], axis=-1)
    # a face any part of which (centre or a corner) sees the Tx is lit: windows and the fill never
    # carry rays across the shadow boundary, into faces wholly in shadow
    corners = vas.vertices.astype(np.float64)[vas.faces].reshape(-1, 3)
    lit = visible | solver.line_of_sight(corners, tx.positions).reshape(tx.num_tx, -1, 3).any(axis=2)
    if exact_los:
        # paths with interactions from the rays (windows of the rest only: a face the Tx does not see
        # takes no line of sight from its neighbours), the direct path exactly on every face
        win = window_path_gain(vas, rest, rays, cfg.min_rays, cfg.max_rings, adj, known, dist, state=lit)
    else:
        win = window_path_gain(vas, rest + los_gain, rays, cfg.min_rays, cfg.max_rings, adj, None, dist)
    value = win.path_gain
    source, stats = win.source, {}
    diff = None
    if cfg.exact_diffraction:
        t0 = time.perf_counter()
        diff = diffraction_path_gain(solver, vas, tx, visible, cfg, adj, seed=sseed)
        secs += time.perf_counter() - t0
        stats.update({f"diffraction_{k}": v for k, v in diff.stats.items()})
    if cfg.fill and (source[reached] == SOURCE_NONE).any():
        t0 = time.perf_counter()
        exact = None if diff is not None else \
            (lambda p: solver.exact_path_gain(p, tx, cfg.fill_exact_depth, diffraction=True))
        value, source, fstats = fill_path_gain(
            vas, adj, np.where(reached[:, None], value, np.nan), np.where(reached[:, None], source, SOURCE_NONE),
            lit, tx.positions, cfg.frequency_hz, exact=exact,
            max_exact=cfg.fill_exact_receivers, raw=rest, rays=rays, min_rays=cfg.min_rays,
            rings=(cfg.max_rings + 1, cfg.fill_max_rings), cross=None if diff is None else ~(diff.path_gain > 0))
        stats.update(fstats)
        secs += time.perf_counter() - t0
    rings = np.where(source == win.source, win.rings, -1).astype(np.int16)
    rest_std = label_std_db(source, win.window_rays, rings, known=known if exact_los else None)
    parts = Mechanisms(los=los_gain if exact_los else np.zeros(visible.shape),
                       rest=value, rest_source=source, rest_std_db=rest_std,
                       diffraction=diff.path_gain if diff is not None else np.zeros(visible.shape))
    if cfg.multi_edge:
        t0 = time.perf_counter()
        parts.multi_edge, n_me = multi_edge_gain(solver, layout, vas, tx, parts, cfg.frequency_hz)
        stats["multi_edge"] = n_me
        secs += time.perf_counter() - t0
    value, source, std, mech = parts.combine()
    if cfg.los and not exact_los:
        # the rays carry the direct path with the reflections (one Monte Carlo map, the seed's
        # pipeline): a face is coded line of sight where its exact direct path holds at least
        # half of the label's power, reflection where it holds less
        los_led = (mech == MECH_REFLECTION) & (direct >= 0.5 * np.nan_to_num(value, nan=np.inf))
        mech = np.where(los_led, MECH_LOS, mech).astype(np.uint8)
    reached = np.isfinite(value).any(axis=1)
    if not reached.any():
        raise FrameSkipped(f"none of the {tx.num_tx} transmitters reached a visible face (rays: "
                           f"{budget.first_pass:g} each, exact diffraction, multi-edge); raise radio.samples_per_tx "
                           "or lower radio.tx_radius_m")
    value[~reached] = np.nan
    source[~reached] = SOURCE_NONE
    mech[~reached] = MECH_NONE
    for i in np.nonzero(~reached)[0]:
        p = tx.positions[i]
        log(f"warning: transmitter {i} at ({p[0]:.1f}, {p[1]:.1f}, {p[2]:.1f}) m reached no visible face; "
            "its path_gain_db and sinr_db are all NaN")
    raw = rest + los_gain
    return FrameRadio(tx=tx, face_path_gain_raw=raw, face_rays=rays, face_path_gain=value, face_source=source,
                      face_std_db=std, face_rings=rings, rays_per_tx=traced, budget=budget, cfg=cfg,
                      fill_stats=stats, solver_s=secs, face_mechanism=mech, parts=parts)
