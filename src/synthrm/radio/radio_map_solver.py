"""Sionna RT's ``RadioMapSolver`` with a VAS mesh as the measurement surface.

Receivers sit at the face centres of the mesh (the SynthRM paper's Section 3.4). One solver call
covers all the transmitters it is given.

Sums are deterministic: Sionna adds every ray's contribution to its cell with a float
atomic add, whose result depends on the order in which the CPU threads (or GPU warps)
arrive, so two runs of the same frame differed in the last bits (and by up to ~1 dB on
cells reached by one weak ray). During a solver call :func:`fixed_point_sums` routes
those adds into 64-bit integers (fixed point in units of a line-of-sight ray's
contribution to the cell; integer addition is associative), which also counts the rays
that cross each cell. Same seed, same bits, on any thread count.
"""
from __future__ import annotations

import contextlib
import math
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synthrm._mitsuba import dr, mesh_from_arrays, mi, sionna_rt
from synthrm.radio.config import RadioConfig
from synthrm.errors import ConfigError
from synthrm.radio.antenna import ANTENNAS, gain_dbi
from synthrm.radio.physics import SPEED_OF_LIGHT, friis_path_gain, fspl_db  # noqa: F401 (re-exported)
from synthrm.vas.mesh import VASMesh

if TYPE_CHECKING:
    from synthrm.radio.transmitters import TxSet


#: Resolution of the fixed-point sums, in units of the contribution of one line-of-sight
#: ray to its cell ((lambda / 4 pi)^2 4 pi / N / area): a ray 130 dB weaker than that is
#: below it. A cell holds up to 2^64 units (1.8e6 line-of-sight rays).
FIXED_POINT_LSB = 1e-13


class _FixedPointDrJit(types.ModuleType):
    """Stands in for ``drjit`` inside Sionna's radio-map modules for one solver call: the
    float ``scatter_reduce(Add, ...)`` of the path-gain map goes into a UInt64 fixed-point
    accumulator and a UInt32 ray count too (the float map is still filled, so Sionna's own
    ``rss`` / ``sinr`` stay available for checks); everything else is Dr.Jit itself."""

    def __init__(self, unit: np.ndarray):
        super().__init__("drjit")
        self._unit = unit
        self._inv_unit = mi.Float(np.ascontiguousarray(1.0 / (unit * FIXED_POINT_LSB), np.float32))
        self.sum = dr.zeros(mi.UInt64, len(unit))
        self.hits = dr.zeros(mi.UInt32, len(unit))
        self.calls = 0

    def __getattr__(self, name):
        return getattr(dr, name)

    def scatter_reduce(self, op, target, value, index, active=True, **kw):
        if op != dr.ReduceOp.Add or not isinstance(value, mi.Float) or dr.width(target) != len(self._unit):
            return dr.scatter_reduce(op, target, value, index, active, **kw)
        self.calls += 1
        dr.scatter_reduce(op, target, value, index, active, **kw)
        q = dr.minimum(value * dr.gather(mi.Float, self._inv_unit, index, active) + 0.5, 1.8e19)
        dr.scatter_reduce(dr.ReduceOp.Add, self.sum, mi.UInt64(q), index, active)
        dr.scatter_reduce(dr.ReduceOp.Add, self.hits, mi.UInt32(1), index, active & (value > 0))

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(path gain per cell float64, rays per cell int64)."""
        total = np.asarray(self.sum.numpy(), np.float64) * FIXED_POINT_LSB * self._unit
        return total, np.asarray(self.hits.numpy(), np.int64)


@contextlib.contextmanager
def fixed_point_sums(unit: np.ndarray):
    """Within the context, Sionna's radio maps add ray contributions in fixed point.

    Args:
        unit: (T * cells,) float64 the contribution of one line-of-sight ray to each cell
            of each transmitter's map (the fixed-point scale).

    Yields the accumulator; ``result()`` gives the sums and ray counts after the call.
    """
    sionna_rt()
    from sionna.rt.radio_map_solvers import mesh_radio_map, planar_radio_map

    acc = _FixedPointDrJit(np.asarray(unit, np.float64))
    mods = (mesh_radio_map, planar_radio_map)
    old = [m.dr for m in mods]
    for m in mods:
        m.dr = acc
    try:
        yield acc
    finally:
        for m, o in zip(mods, old):
            m.dr = o


def ray_unit(frequency_hz: float, samples_per_tx: int, cell_area_m2: np.ndarray) -> np.ndarray:
    """Path gain one line-of-sight ray adds to a cell of area ``cell_area_m2`` [m^2] when
    ``samples_per_tx`` rays leave the transmitter: (lambda / 4 pi)^2 (4 pi / N) / area."""
    lam = SPEED_OF_LIGHT / frequency_hz
    return (lam / (4 * math.pi)) ** 2 * (4 * math.pi / samples_per_tx) / np.maximum(cell_area_m2, 1e-12)


@dataclass
class MonteCarloMap:
    """One Monte Carlo solve on a measurement surface."""

    path_gain: np.ndarray
    """(T, F) float64 linear path gain per transmitter and cell; 0 where no ray arrived."""
    hits: np.ndarray
    """(T, F) int64 rays that crossed each cell."""
    samples_per_tx: int
    """Rays shot per transmitter."""
    seconds: float
    """Time inside Sionna's solver [s]."""


#: Dr.Jit's largest array: rays of one solver call (samples_per_tx x transmitters) [count].
MAX_RAYS_PER_CALL = 2 ** 32


def _select(tx: "TxSet | np.ndarray", idx: np.ndarray):
    """The transmitters ``idx`` of a TxSet or (T, 3) position array."""
    if isinstance(tx, (np.ndarray, list, tuple)):
        return np.asarray(tx, np.float64).reshape(-1, 3)[idx]
    return tx.subset(idx)


def _precoding(prec: np.ndarray, t: int) -> np.ndarray:
    """(T, N) complex128 precoding at the solver's precision (complex64, as datasets store
    it), so that transmitters read back from a sample give the same bits."""
    return np.asarray(prec, np.complex128).reshape(t, -1).astype(np.complex64).astype(np.complex128)


@contextlib.contextmanager
def _receivers_at(scene, rt, points: np.ndarray):
    """``len(points)`` receivers in the scene for one PathSolver call. Sionna builds its
    target arrays with a handful of Dr.Jit scatters per receiver, which for many receivers
    costs more than the paths themselves; here they are built in one go from the positions. Removes the receivers and the override on exit."""
    pts = np.ascontiguousarray(points, np.float32).reshape(-1, 3)
    names = [f"_vas_rx{i}" for i in range(len(pts))]
    for n in names:
        scene.add(rt.Receiver(name=n, position=mi.Point3f(0.0, 0.0, 0.0)))

    def targets(synthetic_array: bool, return_velocities: bool):
        n = len(pts)
        pos = mi.Point3f(mi.Float(pts[:, 0]), mi.Float(pts[:, 1]), mi.Float(pts[:, 2]))
        rel = dr.zeros(mi.Point3f, n * scene.rx_array.array_size) if synthetic_array else None
        return pos, dr.zeros(mi.Point3f, n), rel, dr.zeros(mi.Vector3f, n) if return_velocities else None

    scene.targets = targets
    try:
        yield
    finally:
        del scene.targets
        for n in names:
            scene.remove(n)


def vas_to_mitsuba_mesh(vas: VASMesh, name: str = "vas") -> "mi.Mesh":
    """The VAS mesh as an ``mi.Mesh`` in the radio variant (for ``measurement_surface``)."""
    sionna_rt()
    return mesh_from_arrays(name, vas.vertices, vas.faces)


def check_frequency(frequency_hz: float, materials: dict[str, list[str]],
                    setting: str = "city.radio_materials") -> None:
    """Raise :class:`ConfigError` if ``frequency_hz`` lies outside the ITU-R P.2040 range
    of a material in use. ``materials``: {ITU name: [semantic classes using it]}."""
    sionna_rt()
    from sionna.rt.radio_materials.itu import ITU_MATERIALS_PROPERTIES

    f_ghz = frequency_hz / 1e9
    for mat, classes in materials.items():
        ranges = list(ITU_MATERIALS_PROPERTIES.get(mat, {}))
        if not any(lo <= f_ghz <= hi for lo, hi in ranges):
            span = ", ".join(f"[{lo:g}, {hi:g}]" for lo, hi in ranges)
            raise ConfigError(
                f"radio.frequency_hz = {frequency_hz:g} Hz is outside the ITU-R P.2040 range of {mat!r} "
                f"(used by {', '.join(classes)}): {span} GHz; pick a frequency inside it or change {setting}")


class VASRadioSolver:
    """Radio maps of a scene on VAS meshes.

    Args:
        scene_xml: path of a Sionna scene (``scene.xml``), or None for empty space.
        cfg: frequency, power, ray budget and propagation mechanisms.
    """

    def __init__(self, scene_xml: str | Path | None, cfg: RadioConfig | None = None):
        self.cfg = cfg or RadioConfig()
        self.scene_dir = Path(scene_xml).parent if scene_xml else None
        """Folder of the scene (its ``footprints.json``), None for empty space."""
        rt = sionna_rt()
        self.rt = rt
        try:
            self.scene = rt.load_scene(str(scene_xml)) if scene_xml else rt.load_scene()
        except Exception as e:  # Mitsuba's parser: RuntimeError; Sionna: ValueError, TypeError
            from synthrm.errors import DatasetError

            msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            raise DatasetError(f"{scene_xml}: Sionna RT cannot load this scene ({msg[:300]}); check that every "
                               "PLY it names exists and every itu-radio-material type is a known ITU material") from None
        self.scene.frequency = self.cfg.frequency_hz
        self.scene.bandwidth = self.cfg.bandwidth_hz
        self.scene.temperature = self.cfg.temperature_k
        self.scene.rx_array = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization="V")
        self._arrays: dict[str, object] = {}
        self._solver = rt.RadioMapSolver()
        self._path_solver = None
        self.last_map = None
        """The ``MeshRadioMap`` of the last call (for checks against Sionna's own metrics)."""
        self.last_solve_s = 0.0
        """Seconds the last call spent inside Sionna's solver (incl. evaluating the map)."""

    def _array(self, antenna: str):
        if antenna not in self._arrays:
            spec = ANTENNAS[antenna]
            self._arrays[antenna] = self.rt.PlanarArray(
                num_rows=spec.rows, num_cols=spec.cols, vertical_spacing=0.5, horizontal_spacing=0.5,
                pattern=spec.pattern, polarization="V")
        return self._arrays[antenna]

    def path_solver(self):
        """Sionna's deterministic ``PathSolver`` (one per solver, built on first use)."""
        if self._path_solver is None:
            self._path_solver = self.rt.PathSolver(deterministic=True)
        return self._path_solver

    def _set_transmitters(self, tx: "TxSet | np.ndarray", isotropic: bool = False) -> tuple[int, tuple]:
        """Put the transmitters into the scene; returns (T, precoding_vec). ``isotropic``:
        single isotropic elements whatever the antenna (array gains applied by the caller)."""
        if isinstance(tx, (np.ndarray, list, tuple)) or isotropic:
            tx = tx if isinstance(tx, (np.ndarray, list, tuple)) else tx.positions
            pos = np.asarray(tx, dtype=np.float64).reshape(-1, 3)
            orient, prec, antenna = np.zeros((len(pos), 3)), np.ones((len(pos), 1), complex), "siso"
        else:
            pos, orient, prec, antenna = tx.positions, tx.orientations, tx.precoding, tx.antenna
        if not np.isfinite(pos).all():
            raise ConfigError(f"radio: transmitter positions must be finite, got {pos.tolist()}")
        self.scene.tx_array = self._array(antenna)
        for name in list(self.scene.transmitters):
            self.scene.remove(name)
        for i, (p, o) in enumerate(zip(pos, orient)):
            self.scene.add(self.rt.Transmitter(
                name=f"tx{i}", position=mi.Point3f(*[float(v) for v in p]),
                orientation=mi.Point3f(*[float(v) for v in o]), power_dbm=float(self.cfg.tx_power_dbm)))
        prec = _precoding(prec, len(pos))
        return len(pos), (mi.TensorXf(np.ascontiguousarray(prec.real, np.float32)),
                          mi.TensorXf(np.ascontiguousarray(prec.imag, np.float32)))

    def _solve(self, precoding_vec, seed: int, samples: int, cell_area_m2: np.ndarray, num_tx: int,
               los: bool | None = None, **where) -> MonteCarloMap:
        c = self.cfg
        t0 = time.perf_counter()
        unit = np.tile(ray_unit(c.frequency_hz, samples, cell_area_m2), num_tx)
        with fixed_point_sums(unit) as acc:
            rm = self._solver(self.scene, precoding_vec=precoding_vec,
                              samples_per_tx=int(samples), max_depth=int(c.max_depth),
                              los=c.los if los is None else bool(los),
                              specular_reflection=c.specular_reflection,
                              diffuse_reflection=c.diffuse_reflection, refraction=c.refraction,
                              diffraction=c.diffraction, edge_diffraction=c.edge_diffraction,
                              diffraction_lit_region=c.diffraction_lit_region, seed=int(seed), **where)
            total, hits = acc.result()
        if acc.calls == 0:  # pragma: no cover - guards a Sionna upgrade
            raise RuntimeError("Sionna RT's radio map no longer adds paths through drjit.scatter_reduce; "
                               "synthrm's deterministic sums need sionna-rt 2.2 (see constraints.txt)")
        self.last_map = rm
        self.last_solve_s = time.perf_counter() - t0
        return MonteCarloMap(total.reshape(num_tx, -1), hits.reshape(num_tx, -1), int(samples), self.last_solve_s)

    def default_rays(self) -> int:
        """Rays per transmitter of one call: ``cfg.samples_per_tx`` (``auto`` resolved for
        this machine's backend, ``synthrm.radio.budget``)."""
        from synthrm._mitsuba import backend

        return self.cfg.budget(backend()).first_pass

    def path_gain(self, vas: VASMesh, tx: "TxSet | np.ndarray", seed: int = 1) -> np.ndarray:
        """Linear path gain (T, F) float64 from each Tx to each VAS face; 0 where no ray.

        ``tx`` is a :class:`~synthrm.radio.transmitters.TxSet` or plain (T, 3) positions
        [m] (isotropic SISO transmitters). One solver call covers all transmitters, with
        ``cfg.samples_per_tx`` rays each.
        """
        return self.monte_carlo(vas, tx, seed).path_gain

    def monte_carlo(self, vas: VASMesh, tx: "TxSet | np.ndarray", seed: int = 1,
                    samples_per_tx: int | None = None, los: bool | None = None) -> MonteCarloMap:
        """Path gain and ray counts (T, F) on the VAS faces, ``samples_per_tx`` rays per Tx
        (default ``cfg.samples_per_tx``); see :class:`MonteCarloMap`. ``los=False`` leaves
        the direct rays out (only paths with at least one interaction; default ``cfg.los``).

        Dr.Jit arrays hold fewer than 2^32 entries: when ``samples_per_tx * T`` would pass
        that, the transmitters are traced in groups (one per call at 2^31 rays).
        """
        if vas.num_faces == 0:
            raise ConfigError("radio: the visible surface is empty; nothing to compute")
        n = int(samples_per_tx or self.default_rays())
        pos = np.asarray(tx if isinstance(tx, (np.ndarray, list, tuple)) else tx.positions).reshape(-1, 3)
        t = len(pos)
        group = max(1, min(t, (MAX_RAYS_PER_CALL - 1) // n))
        mesh = vas_to_mitsuba_mesh(vas)
        parts = []
        for k in range(0, t, group):
            sub = np.arange(k, min(t, k + group))
            tt, prec = self._set_transmitters(_select(tx, sub))
            parts.append(self._solve(prec, seed, n, vas.face_areas, tt, los=los, measurement_surface=mesh))
        if len(parts) == 1:
            return parts[0]
        return MonteCarloMap(np.concatenate([p.path_gain for p in parts]), np.concatenate([p.hits for p in parts]),
                             n, float(sum(p.seconds for p in parts)))

    def line_of_sight(self, points: np.ndarray, tx_positions: np.ndarray, clearance_m: float = 1e-3) -> np.ndarray:
        """(T, P) bool: nothing of the scene lies between transmitter t and point p [m]
        (one Mitsuba visibility ray each; the VAS itself is not part of the scene)."""
        pts = np.asarray(points, np.float64).reshape(-1, 3)
        txs = np.asarray(tx_positions, np.float64).reshape(-1, 3)
        return np.stack([self.segments_clear(pts, np.broadcast_to(p, pts.shape), clearance_m) for p in txs]) \
            if len(txs) else np.zeros((0, len(pts)), bool)

    def segments_clear(self, a: np.ndarray, b: np.ndarray, clearance_m: float = 0.01) -> np.ndarray:
        """(K,) bool: nothing of the scene blocks the segment from ``a[k]`` to ``b[k]`` (K, 3) [m]
        (one Mitsuba visibility ray each, ``clearance_m`` short of ``b``)."""
        a = np.asarray(a, np.float64).reshape(-1, 3)
        b = np.asarray(b, np.float64).reshape(-1, 3)
        if len(a) == 0:
            return np.zeros(0, bool)
        d = b - a
        dist = np.linalg.norm(d, axis=1)
        u = d / np.maximum(dist, 1e-9)[:, None]
        ray = mi.Ray3f(mi.Point3f(*[mi.Float(a[:, k].astype(np.float32)) for k in range(3)]),
                       mi.Vector3f(*[mi.Float(u[:, k].astype(np.float32)) for k in range(3)]))
        ray.maxt = mi.Float(np.maximum(dist - clearance_m, 0.0).astype(np.float32))
        return ~np.asarray(self.scene.mi_scene.ray_test(ray).numpy(), bool)

    def los_path_gain(self, points: np.ndarray, tx: "TxSet | np.ndarray",
                      visible: np.ndarray | None = None) -> np.ndarray:
        """(T, P) float64 exact line-of-sight path gain at points [m]: Friis times the
        transmit gain towards the point (element pattern, array and precoding:
        :func:`synthrm.radio.antenna.gain_dbi`) where nothing blocks the segment, else 0.
        ``visible``: (T, P) :meth:`line_of_sight` if already computed."""
        pts = np.asarray(points, np.float64).reshape(-1, 3)
        if isinstance(tx, (np.ndarray, list, tuple)):
            pos = np.asarray(tx, np.float64).reshape(-1, 3)
            spec, orient, prec = ANTENNAS["siso"], np.zeros((len(pos), 3)), np.ones((len(pos), 1))
        else:
            pos, spec, orient, prec = tx.positions, ANTENNAS[tx.antenna], tx.orientations, tx.precoding
        vis = self.line_of_sight(pts, pos) if visible is None else visible
        prec = _precoding(prec, len(pos))
        out = np.zeros((len(pos), len(pts)))
        for t in range(len(pos)):
            d = pts - pos[t]
            dist = np.maximum(np.linalg.norm(d, axis=1), 1e-6)
            g = gain_dbi(spec, self.cfg.frequency_hz, orient[t], prec[t], d / dist[:, None])
            out[t] = np.where(vis[t], friis_path_gain(dist, self.cfg.frequency_hz) * 10 ** (g / 10), 0.0)
        return out

    def exact_path_gain(self, points: np.ndarray, tx: "TxSet | np.ndarray", max_depth: int = 2,
                        samples_per_src: int = 10 ** 4, diffraction: bool = True, seed: int = 1,
                        batch: int = 2000) -> np.ndarray:
        """(T, P) float64 path gain at point receivers from Sionna's exact ``PathSolver``.

        Paths up to ``max_depth`` interactions (LoS, specular reflection, refraction and,
        when ``diffraction``, first-order diffraction), the transmit precoding applied per
        path and the path powers summed incoherently (``sum_paths |h|^2``; the map solver's
        quantity). 0 where no path was found. Deterministic (``PathSolver(deterministic=True)``).
        """
        pts = np.asarray(points, np.float64).reshape(-1, 3)
        t, _ = self._set_transmitters(tx)
        prec = _precoding(np.ones((t, 1)) if isinstance(tx, (np.ndarray, list, tuple)) else tx.precoding, t)
        out = np.zeros((t, len(pts)))
        c = self.cfg
        for k in range(0, len(pts), batch):
            idx = slice(k, min(len(pts), k + batch))
            with _receivers_at(self.scene, self.rt, pts[idx]):
                paths = self.path_solver()(self.scene, max_depth=int(max_depth), samples_per_src=int(samples_per_src),
                                          max_num_paths_per_src=10 ** 6, los=c.los,
                                          specular_reflection=c.specular_reflection, diffuse_reflection=False,
                                          refraction=c.refraction, diffraction=bool(diffraction),
                                          edge_diffraction=c.edge_diffraction,
                                          diffraction_lit_region=c.diffraction_lit_region, seed=int(seed))
                a = np.asarray(paths.a[0].numpy(), np.float64) + 1j * np.asarray(paths.a[1].numpy(), np.float64)
            # a: [rx, rx_ant, tx, tx_ant, path] -> precoded per path, powers summed
            h = np.einsum("rqtkp,tk->rqtp", a, prec)
            out[:, idx] = (np.abs(h) ** 2).sum(-1)[:, 0, :].T
        return out

    def plane_path_gain(self, tx: "TxSet | np.ndarray", origin_xy: tuple[float, float], shape: tuple[int, int],
                        height_m: float, cell_m: float = 0.1, seed: int = 1) -> np.ndarray:
        """Linear path gain (T, NY, NX) on the horizontal plane z = ``height_m`` [m].

        Cell (iy, ix) is centred at ``origin_xy + (ix + 0.5, iy + 0.5) * cell_m``; 0 where no
        ray crossed it. One solver call covers all transmitters.
        """
        ny, nx = shape
        t, prec = self._set_transmitters(tx)
        cx, cy = origin_xy[0] + nx * cell_m / 2, origin_xy[1] + ny * cell_m / 2
        out = self._solve(prec, seed, self.default_rays(), np.full(ny * nx, cell_m ** 2), t,
                          center=mi.Point3f(float(cx), float(cy), float(height_m)),
                          orientation=mi.Point3f(0.0, 0.0, 0.0), size=mi.Point2f(nx * cell_m, ny * cell_m),
                          cell_size=mi.Point2f(cell_m, cell_m))
        return out.path_gain.reshape(t, ny, nx)
