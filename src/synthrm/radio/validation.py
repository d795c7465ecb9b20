"""Physics validation of the radio labels against closed-form models.

``synthrm validate-physics`` runs every check and prints measured against expected with
the tolerance; the tests run the same checks at small sizes. Each check builds its own
tiny scene and uses Sionna RT as the pipeline does (``RadioMapSolver`` for maps,
``PathSolver`` where a closed form needs coherent paths):

* ``friis-plane``, ``friis-mesh``: free space on a planar map and on a VAS mesh against
  Friis ``(lambda / 4 pi d)^2`` (median error; tolerance from the Monte Carlo noise of the
  map's cells, see docs/radio.md).
* ``flux-sphere``: energy conservation: an isotropic transmitter's power through a closed
  sphere, ``sum(path_gain x area) x 4 pi / lambda^2``, is 1.
* ``two-ray-V``, ``two-ray-H``: a Tx over ``very_dry_ground`` (a half-space: 20 m thick, so
  no wave returns from below), the coherent sum of the direct and ground-reflected paths
  against the two-ray model with the Fresnel coefficient of the ITU-R P.2040 permittivity
  (vertical polarisation: TM, horizontal: TE): error over distance, and the positions and
  depths of the interference minima.
* ``fresnel-TM``, ``fresnel-TE``: the reflected path's amplitude relative to free space at
  grazing angles 5-60 deg against |Gamma_TM|, |Gamma_TE|.
* ``wall-TE``, ``wall-TM``: transmission through a single concrete wall at incidence
  0-60 deg against the ITU-R P.2040 slab coefficient (multiple internal reflections).
* ``knife-edge``: diffraction behind a metal screen against the ITU-R P.526 single
  knife-edge loss J(nu).
* ``reciprocity``: swapping Tx and Rx around a wall gives the same path gain.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from synthrm.radio.multi_edge import deygout_loss_db, knife_edge_loss_db

C_M_S = 299792458.0
"""Speed of light [m/s] (Sionna RT's value)."""


@dataclass
class Check:
    """One physics check: measured against expected, within a tolerance."""

    name: str
    what: str
    measured: float
    expected: float
    tolerance: float
    unit: str
    detail: str = ""

    @property
    def error(self) -> float:
        return abs(self.measured - self.expected)

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.tolerance)

    def to_json(self) -> dict:
        return {**asdict(self), "error": self.error, "passed": self.passed}


def physics_table(checks: list[Check]) -> str:
    """Markdown summary table of the checks."""
    lines = ["| check | what | measured | expected | error | tolerance | pass |", "|---|---|---|---|---|---|---|"]
    for c in checks:
        lines.append(f"| {c.name} | {c.what} | {c.measured:.4g} {c.unit} | {c.expected:.4g} {c.unit} | "
                     f"{c.error:.3g} {c.unit} | {c.tolerance:g} {c.unit} | {'yes' if c.passed else 'NO'} |")
    return "\n".join(lines) + "\n"


def fresnel_oblique(eps_complex: complex, grazing_rad, polarization: str):
    """Fresnel reflection coefficient of a half-space of complex relative permittivity at
    grazing angle psi (from the surface): TM (``V``, E in the plane of incidence) or TE
    (``H``)."""
    s, c2 = np.sin(grazing_rad), np.cos(grazing_rad) ** 2
    root = np.sqrt(eps_complex - c2)
    if polarization == "V":
        return (eps_complex * s - root) / (eps_complex * s + root)
    return (s - root) / (s + root)


def complex_permittivity(material: str, frequency_hz: float) -> complex:
    from synthrm.radio.p2040 import EPS_0, permittivity_conductivity

    er, sig = permittivity_conductivity(material, frequency_hz)
    return complex(er - 1j * sig / (2 * math.pi * frequency_hz * EPS_0))


def two_ray(d_m, ht_m: float, hr_m: float, frequency_hz: float, gamma_fn):
    """Coherent two-ray field transfer (complex) at horizontal distances ``d_m``."""
    lam = C_M_S / frequency_hz
    k = 2 * math.pi / lam
    d1 = np.sqrt(d_m ** 2 + (ht_m - hr_m) ** 2)
    d2 = np.sqrt(d_m ** 2 + (ht_m + hr_m) ** 2)
    g = gamma_fn(np.arctan((ht_m + hr_m) / d_m))
    return lam / (4 * math.pi) * (np.exp(-1j * k * d1) / d1 + g * np.exp(-1j * k * d2) / d2)


# --------------------------------------------------------------------------- scenes
def _ground_scene(root: Path, material: str = "very_dry_ground", half_m: float = 2000.0,
                  thickness_m: float = 20.0) -> Path:
    from synthrm.scene.writer import write_scene

    v = np.array([[-half_m, -half_m, 0], [half_m, -half_m, 0], [half_m, half_m, 0], [-half_m, half_m, 0]], float)
    return write_scene(root / f"ground_{material}", {"ground": (v, np.array([[0, 1, 2], [0, 2, 3]]))},
                       shape_info={"ground": {"semantic": "ground", "radio_material": material,
                                              "thickness_m": thickness_m}}) / "scene.xml"


def _coherent_paths(scene_xml: Path | None, tx, rxs, frequency_hz: float, polarization: str = "V",
                    **mechanisms):
    """Per receiver: (coherent transfer sum a_i exp(-j 2 pi f tau_i), path amplitudes
    (R, P) complex, delays (R, P) [s]) from Sionna RT's PathSolver."""
    from synthrm._mitsuba import mi, sionna_rt

    rt = sionna_rt()
    scene = rt.load_scene(str(scene_xml)) if scene_xml else rt.load_scene()
    scene.frequency = frequency_hz
    scene.tx_array = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization=polarization)
    scene.rx_array = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization=polarization)
    scene.add(rt.Transmitter("tx", position=mi.Point3f(*map(float, tx))))
    for i, r in enumerate(rxs):
        scene.add(rt.Receiver(f"rx{i}", position=mi.Point3f(*map(float, r))))
    opts = dict(max_depth=1, los=True, specular_reflection=True, diffuse_reflection=False,
                refraction=False, diffraction=False)
    opts.update(mechanisms)
    p = rt.PathSolver()(scene, **opts)
    ar, ai = p.a
    a = (np.asarray(ar.numpy()) + 1j * np.asarray(ai.numpy())).reshape(len(rxs), -1)
    tau = np.asarray(p.tau.numpy()).reshape(len(rxs), -1)
    valid = np.asarray(p.valid.numpy()).reshape(len(rxs), -1) if hasattr(p, "valid") else np.abs(a) > 0
    a = np.where(valid, a, 0)
    h = (a * np.exp(-2j * math.pi * frequency_hz * np.where(valid, tau, 0))).sum(1)
    return h, a, np.where(valid, tau, np.nan)


def _minima(x, y_db):
    i = np.nonzero((y_db[1:-1] < y_db[:-2]) & (y_db[1:-1] < y_db[2:]))[0] + 1
    return x[i], y_db[i]


# --------------------------------------------------------------------------- checks
def check_friis_plane(samples_per_tx: int = 10 ** 7, frequency_hz: float = 3.5e9) -> Check:
    from synthrm.radio.config import RadioConfig
    from synthrm.radio.radio_map_solver import VASRadioSolver, friis_path_gain

    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=samples_per_tx, max_depth=0, frequency_hz=frequency_hz))
    tx = np.array([[3.0, 2.0, 2.2]])
    pg = solver.plane_path_gain(tx, (0.0, 0.0), (40, 60), 1.0, cell_m=0.1)[0]
    yy, xx = np.mgrid[0:40, 0:60]
    c = np.stack([(xx + 0.5) * 0.1, (yy + 0.5) * 0.1, np.full(xx.shape, 1.0)], -1)
    ok = pg > 0
    err = 10 * np.log10(pg[ok]) - 10 * np.log10(friis_path_gain(np.linalg.norm(c - tx[0], axis=-1)[ok], frequency_hz))
    return Check("friis-plane", "free space, planar map (6 x 4 m, 0.1 m cells), median error", float(np.median(err)),
                 0.0, 0.5, "dB", f"{ok.mean():.1%} of cells reached; |err| 90th pct {np.percentile(np.abs(err), 90):.2f} dB")


def check_friis_mesh(samples_per_tx: int = 10 ** 6, frequency_hz: float = 3.5e9) -> Check:
    from synthrm.camera.config import CameraConfig
    from synthrm.camera.pinhole import look_at
    from synthrm.radio.config import RadioConfig
    from synthrm.vas.config import VASConfig
    from synthrm.radio.radio_map_solver import VASRadioSolver, friis_path_gain
    from synthrm.vas import build_vas

    w, h = 64, 48
    cam = CameraConfig(resolution=(w, h), fov_x_deg=70.0).camera(look_at([0, -60, 40], [0, 20, 0]))
    rays = cam.world_rays()
    t = -cam.cam_to_world[2, 3] / rays[..., 2]
    vas = build_vas(np.where(t > 0, t, np.nan), cam, np.broadcast_to([0.0, 0, 1], (h, w, 3)),
                    VASConfig(cell="stride", stride=4, offset_m=0.0))
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=samples_per_tx, max_depth=1, frequency_hz=frequency_hz))
    tx = np.array([[0.0, 10.0, 10.0]])
    pg = solver.path_gain(vas, tx)[0]
    d = np.linalg.norm(vas.face_centers - tx[0], axis=-1)
    ok = pg > 0
    err = 10 * np.log10(pg[ok]) - 10 * np.log10(friis_path_gain(d[ok], frequency_hz))
    return Check("friis-mesh", f"free space, VAS mesh ({vas.num_faces} faces), median error", float(np.median(err)),
                 0.0, 0.5, "dB", f"{ok.mean():.1%} of faces reached")


def check_flux_sphere(samples_per_tx: int = 10 ** 6, frequency_hz: float = 3.5e9, radius_m: float = 20.0) -> Check:
    """Power of an isotropic Tx through a closed sphere (a VAS-like measurement mesh)."""
    from synthrm.radio.config import RadioConfig
    from synthrm.radio.radio_map_solver import VASRadioSolver
    from synthrm.scene.appearance import icosphere
    from synthrm.vas.mesh import VASMesh

    uv, uf = icosphere(3)
    v = (uv * radius_m).astype(np.float32)
    f = uf[:, ::-1].astype(np.int32).copy()  # normals inwards, towards the Tx
    tri = v.astype(np.float64)[f]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    vas = VASMesh(v, f, np.zeros((len(v), 2), np.int32), np.full((1, 1), -1, np.int32),
                  np.zeros(len(f), np.int16), 0.0)
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=samples_per_tx, max_depth=1, frequency_hz=frequency_hz))
    pg = solver.path_gain(vas, np.zeros((1, 3)))[0]
    lam = C_M_S / frequency_hz
    flux = float(np.sum(pg * area) * 4 * math.pi / lam ** 2)
    return Check("flux-sphere", f"power through a closed sphere (r {radius_m:g} m, {len(f)} faces) / Tx power",
                 flux, 1.0, 0.02, "", "energy conservation in free space")


def check_two_ray(polarization: str, root: Path, frequency_hz: float = 3.5e9, n: int = 300) -> list[Check]:
    ht, hr = 10.0, 1.5
    ds = np.linspace(5.0, 200.0, n)
    scene = _ground_scene(root)
    h, a, tau = _coherent_paths(scene, (0, 0, ht), [(x, 0.0, hr) for x in ds], frequency_hz, polarization)
    eps = complex_permittivity("very_dry_ground", frequency_hz)
    ref = two_ray(ds, ht, hr, frequency_hz, lambda psi: fresnel_oblique(eps, psi, polarization))
    got_db, ref_db = 20 * np.log10(np.abs(h)), 20 * np.log10(np.abs(ref))
    err = np.abs(got_db - ref_db)
    mg, vg = _minima(ds, got_db)
    mr, vr = _minima(ds, ref_db)
    k = min(len(mg), len(mr))
    pos = float(np.max(np.abs(mg[:k] - mr[:k]))) if k and len(mg) == len(mr) else float("inf")
    depth = float(np.max(np.abs(vg[:k] - vr[:k]))) if k and len(mg) == len(mr) else float("inf")
    step = float(ds[1] - ds[0])
    pol = "TM" if polarization == "V" else "TE"
    return [
        Check(f"two-ray-{polarization}", f"ground reflection over very_dry_ground ({pol}), Tx {ht:g} m, Rx {hr:g} m, "
              f"5-200 m: median abs. error", float(np.median(err)), 0.0, 0.1, "dB", f"max {err.max():.3f} dB"),
        Check(f"two-ray-{polarization}-minima", f"positions of the {len(mr)} interference minima (max shift)", pos,
              0.0, step, "m", f"{len(mg)} minima found vs {len(mr)} expected; depth error max {depth:.2f} dB"),
    ]


def check_fresnel(polarization: str, root: Path, frequency_hz: float = 3.5e9) -> Check:
    """Reflected-path amplitude over the direct one, scaled to the same distance, at
    grazing angles 5-60 deg, against |Gamma|."""
    ht, hr = 10.0, 10.0
    psi = np.radians(np.array([5.0, 10.0, 20.0, 30.0, 45.0, 60.0]))
    ds = (ht + hr) / np.tan(psi)
    scene = _ground_scene(root)
    _, a, tau = _coherent_paths(scene, (0, 0, ht), [(x, 0.0, hr) for x in ds], frequency_hz, polarization)
    d1 = np.sqrt(ds ** 2 + (ht - hr) ** 2)
    d2 = np.sqrt(ds ** 2 + (ht + hr) ** 2)
    order = np.argsort(np.nan_to_num(tau, nan=np.inf), axis=1)
    a = np.take_along_axis(a, order, 1)
    measured = np.abs(a[:, 1]) / np.abs(a[:, 0]) * d2 / d1
    eps = complex_permittivity("very_dry_ground", frequency_hz)
    expected = np.abs(fresnel_oblique(eps, psi, polarization))
    err_db = np.abs(20 * np.log10(measured) - 20 * np.log10(expected))
    pol = "TM" if polarization == "V" else "TE"
    return Check(f"fresnel-{pol}", f"magnitude of Gamma_{pol} of very_dry_ground at 5-60 deg grazing: max error",
                 float(err_db.max()), 0.0, 0.05, "dB",
                 "measured " + ", ".join(f"{m:.3f}" for m in measured) + " vs " + ", ".join(f"{e:.3f}" for e in expected))


def check_reciprocity(root: Path, frequency_hz: float = 3.5e9) -> Check:
    """A wall between two points: path gain A -> B equals B -> A (reflection, refraction,
    diffraction on)."""
    from synthrm.scene.mesh import box_mesh
    from synthrm.scene.writer import write_scene

    v, f = box_mesh(np.array([4.9, -3.0, 0.0]), np.array([5.1, 3.0, 3.0]))
    g = np.array([[-50, -50, 0], [50, -50, 0], [50, 50, 0], [-50, 50, 0]], float)
    scene = write_scene(root / "recip", {"w": (v, f), "ground": (g, np.array([[0, 1, 2], [0, 2, 3]]))},
                        shape_info={"w": {"semantic": "wall", "radio_material": "concrete", "thickness_m": 0.2},
                                    "ground": {"semantic": "ground"}}) / "scene.xml"
    a, b = np.array([1.0, 0.5, 1.5]), np.array([9.0, -1.0, 2.5])
    mech = dict(max_depth=3, refraction=True, diffraction=True)
    h_ab, *_ = _coherent_paths(scene, a, [b], frequency_hz, **mech)
    h_ba, *_ = _coherent_paths(scene, b, [a], frequency_hz, **mech)
    pab, pba = 20 * np.log10(abs(h_ab[0])), 20 * np.log10(abs(h_ba[0]))
    return Check("reciprocity", "path gain A->B vs B->A through a concrete wall (3 bounces, refraction, diffraction)",
                 float(pab), float(pba), 0.01, "dB")


def _screen_scene(root: Path, name: str, vertices, material: str, thickness_m: float) -> Path:
    from synthrm.scene.writer import write_scene

    return write_scene(root / name, {"s": (np.asarray(vertices, float), np.array([[0, 1, 2], [0, 2, 3]]))},
                       shape_info={"s": {"semantic": "wall", "radio_material": material,
                                         "thickness_m": thickness_m}}) / "scene.xml"


def slab_transmission(eps_complex: complex, incidence_rad, thickness_m: float, frequency_hz: float, mode: str):
    """ITU-R P.2040 transmission coefficient of a slab (multiple internal reflections):
    ``T = (1 - R'^2) e^{-jq} / (1 - R'^2 e^{-j2q})``, ``q = 2 pi d / lambda sqrt(eta - sin^2 theta)``
    with R' the single-interface Fresnel coefficient (``TE`` or ``TM``) at incidence theta
    (from the normal)."""
    lam = C_M_S / frequency_hz
    c, root = np.cos(incidence_rad), np.sqrt(eps_complex - np.sin(incidence_rad) ** 2)
    r = (c - root) / (c + root) if mode == "TE" else (eps_complex * c - root) / (eps_complex * c + root)
    q = 2 * math.pi * thickness_m / lam * root
    return (1 - r ** 2) * np.exp(-1j * q) / (1 - r ** 2 * np.exp(-2j * q))


def check_transmission(polarization: str, root: Path, material: str = "concrete", thickness_m: float = 0.2,
                       frequency_hz: float = 3.5e9) -> Check:
    """A single wall (a plane with a slab thickness) between Tx and Rx at incidence 0-60
    deg in the horizontal plane: the transmitted path over free space against |T| of the
    slab. The plane of incidence is horizontal, so vertical polarisation is TE."""
    scene = _screen_scene(root, f"wall_{material}", [[5, -30, -30], [5, 30, -30], [5, 30, 30], [5, -30, 30]],
                          material, thickness_m)
    ang = np.radians([0.0, 15.0, 30.0, 45.0, 60.0])
    rx = [(10.0, 10.0 * math.tan(a), 0.0) for a in ang]
    _, a, _ = _coherent_paths(scene, (0, 0, 0), rx, frequency_hz, polarization, refraction=True,
                              specular_reflection=False)
    lam = C_M_S / frequency_hz
    d = np.linalg.norm(np.asarray(rx), axis=1)
    measured = np.abs(a).max(1) / (lam / (4 * math.pi * d))
    mode = "TE" if polarization == "V" else "TM"
    expected = np.abs(slab_transmission(complex_permittivity(material, frequency_hz), ang, thickness_m,
                                        frequency_hz, mode))
    err = np.abs(20 * np.log10(measured) - 20 * np.log10(expected))
    return Check(f"wall-{mode}", f"transmission through {thickness_m:g} m {material} ({mode}) at 0-60 deg: max error",
                 float(err.max()), 0.0, 0.05, "dB",
                 "T measured " + ", ".join(f"{m:.4f}" for m in measured) + " vs " + ", ".join(f"{e:.4f}" for e in expected))


def check_knife_edge(root: Path, frequency_hz: float = 3.5e9) -> Check:
    """A metal half-plane screen midway between Tx and Rx, its edge 0.25-1 m above the line
    of sight (nu 0.8-3.1): the diffracted loss over free space against J(nu). The screen's
    edge is horizontal and the field parallel to it (horizontal polarisation), the case
    the scalar Fresnel-Kirchhoff model describes; vertical polarisation (the hard case of
    the UTD) loses 1-2 dB more at nu ~ 3 and is reported in the detail."""
    d1 = d2 = 5.0
    lam = C_M_S / frequency_hz
    out = {}
    for pol in ("H", "V"):
        rows = []
        for h in (0.25, 0.5, 1.0):
            scene = _screen_scene(root, f"screen_{h}", [[5, -60, -60], [5, 60, -60], [5, 60, h], [5, -60, h]], "metal", 0.01)
            hh, *_ = _coherent_paths(scene, (0, 0, 0), [(10.0, 0.0, 0.0)], frequency_hz, pol, refraction=False,
                                     specular_reflection=False, diffraction=True, edge_diffraction=True)
            loss = -20 * math.log10(abs(hh[0]) / (lam / (4 * math.pi * (d1 + d2))))
            nu = h * math.sqrt(2 * (d1 + d2) / (lam * d1 * d2))
            rows.append((nu, loss, float(knife_edge_loss_db(nu))))
        out[pol] = rows
    err = max(abs(l - j) for _, l, j in out["H"])
    det = "; ".join(f"nu {n:.2f}: {l:.2f} dB vs J {j:.2f} dB (V: {lv:.2f})"
                    for (n, l, j), (_, lv, _) in zip(out["H"], out["V"]))
    return Check("knife-edge", "diffraction loss behind a metal screen vs ITU-R P.526 J(nu), nu 0.8-3.1: max error",
                 float(err), 0.0, 1.0, "dB", det)


def grid_vas(corner, u, v, nu: int, nv: int):
    """A flat receiving surface for the label checks: the rectangle ``corner + [0, 1] u +
    [0, 1] v`` [m] as ``nu`` x ``nv`` quads (two faces each, normals along ``u x v``); one
    "pixel" per quad."""
    from synthrm.vas.mesh import VASMesh

    corner, u, v = (np.asarray(x, np.float64) for x in (corner, u, v))
    a, b = np.meshgrid(np.linspace(0, 1, nu + 1), np.linspace(0, 1, nv + 1))
    verts = corner + a.reshape(-1, 1) * u + b.reshape(-1, 1) * v
    faces, pix = [], np.zeros((nv, nu), np.int32)
    for j in range(nv):
        for i in range(nu):
            k = j * (nu + 1) + i
            pix[j, i] = len(faces)
            faces += [[k, k + 1, k + nu + 2], [k, k + nu + 2, k + nu + 1]]
    return VASMesh(verts.astype(np.float32), np.asarray(faces, np.int32), np.zeros((len(verts), 2), np.int32), pix,
                   np.ones(len(faces), np.int16), 0.0)


def _labels(scene_xml: Path | None, vas, tx_pos, **radio):
    """The whole label pipeline (``compute_frame_radio``) on ``vas`` for SISO transmitters."""
    from synthrm.radio.config import RadioConfig
    from synthrm.radio.frame import compute_frame_radio
    from synthrm.radio.radio_map_solver import VASRadioSolver
    from synthrm.radio.transmitters import TxSet

    cfg = RadioConfig(**radio)
    solver = VASRadioSolver(scene_xml, cfg)
    p = np.asarray(tx_pos, np.float64).reshape(-1, 3)
    tx = TxSet(p, np.zeros((len(p), 3)), np.tile([1.0, 0, 0], (len(p), 1)), np.ones((len(p), 1), complex),
               np.zeros((len(p), 1), np.float32), "siso")
    return solver, tx, compute_frame_radio(solver, None, vas, vas.face_centers, None, cfg, seed=1, tx=tx)


def check_knife_edge_labels(root: Path, frequency_hz: float = 3.5e9) -> Check:
    """The whole label pipeline behind a metal half-plane: a screen (x = 0, top edge at z =
    20 m, no ground), Tx 300 m before it at 1.6 m, a receiving wall 300 m behind it; every
    face with nu 1-15 (angles past the shadow boundary below 7 deg, where P.526's J(nu) is
    accurate) against free space plus J(nu). The labels there are the exact diffraction
    stage (``synthrm.radio.diffraction``) alone: nothing else reaches."""
    scene = _screen_scene(root, "half_plane", [[0, -2000, -3000], [0, 2000, -3000], [0, 2000, 20], [0, -2000, 20]],
                          "metal", 0.01)
    vas = grid_vas([300.0, -3.0, -40.0], [0, 6.0, 0], [0, 0, 76.0], 2, 38)
    _, tx, fr = _labels(scene, vas, [[-300.0, 0.0, 1.6]], samples_per_tx=10 ** 5, max_depth=1,
                        edge_diffraction=True, diffraction_patch_m=1.0, multi_edge=False,
                        frequency_hz=frequency_hz)
    lam = C_M_S / frequency_hz
    c = vas.face_centers
    t = 300.0 / (c[:, 0] + 300.0)
    h = 20.0 - (1.6 + t * (c[:, 2] - 1.6))
    d = np.linalg.norm(c - tx.positions[0], axis=1)
    nu = h * np.sqrt(2 * d / (lam * (t * d) * ((1 - t) * d)))
    expected = -(20 * np.log10(4 * math.pi * d / lam) + knife_edge_loss_db(nu))
    m = (nu >= 1) & (nu <= 15)
    got = 10 * np.log10(np.maximum(fr.face_path_gain[0], 1e-300))
    err = np.abs(got[m] - expected[m])
    return Check("knife-edge-labels", "labels behind a metal screen vs ITU-R P.526 J(nu), nu 1-15: max error",
                 float(err.max()), 0.0, 2.0, "dB",
                 f"{int(m.sum())} faces, nu {nu[m].min():.1f}-{nu[m].max():.1f}; mean error "
                 f"{np.mean(got[m] - expected[m]):+.2f} dB")


def check_thick_block(root: Path, frequency_hz: float = 3.5e9) -> Check:
    """The whole label pipeline behind a thick block: a metal block 20 m deep, 20 m tall and
    600 m wide (x 0-20 m), Tx at (-50, 0, 1.6) m, a receiving wall at x = 50 m below the roof
    (z 2-18 m), where no path with one diffraction exists. Every face carries the multi-edge
    estimate (provenance 6) and equals free space plus ITU-R P.526 Deygout over the two roof
    edges (:func:`synthrm.radio.multi_edge.deygout_loss_db`)."""
    from synthrm.radio.labels import SOURCE_MULTI_EDGE

    from synthrm.scene.writer import write_scene

    fp = {"extent_m": [-100.0, -400.0, 100.0, 400.0], "streets": [],
          "buildings": [{"footprint": [[0, -300], [20, -300], [20, 300], [0, 300]], "height_m": 20.0, "kind": "rect"}]}
    scene = write_scene(root / "thick_block", {"b": (box_vertices(0, -300, 20, 300, 20), BOX_FACES)}, footprints=fp,
                        shape_info={"b": {"semantic": "facade", "radio_material": "metal", "thickness_m": 0.1}}) / "scene.xml"
    vas = grid_vas([50.0, -2.0, 2.0], [0, 4.0, 0], [0, 0, 16.0], 2, 8)
    _, tx, fr = _labels(scene, vas, [[-50.0, 0.0, 1.6]], samples_per_tx=10 ** 5, max_depth=3,
                        refraction=False, diffraction_patch_m=1.0, frequency_hz=frequency_hz)
    lam = C_M_S / frequency_hz
    c = vas.face_centers
    expected = []
    for r in c:
        length = float(np.linalg.norm(r - tx.positions[0]))
        dd = np.array([0.0, 50.0, 70.0, 100.0]) * length / 100.0
        expected.append(-(20 * np.log10(4 * math.pi * length / lam) + deygout_loss_db(dd, [1.6, 20, 20, r[2]], lam)))
    got = 10 * np.log10(np.maximum(fr.face_path_gain[0], 1e-300))
    err = np.abs(got - np.asarray(expected))
    multi = float(np.mean(fr.face_source[0] == SOURCE_MULTI_EDGE))
    return Check("thick-block", "labels behind a thick block (no first-order path) vs P.526 Deygout: max error",
                 float(err.max()), 0.0, 0.5, "dB",
                 f"{len(c)} faces, expected {min(expected):.1f} .. {max(expected):.1f} dB; "
                 f"multi-edge provenance on {multi:.0%}")


#: Faces of a closed box, outward winding, for vertices ordered (x0 y0 z0, x1 y0 z0, x1 y1 z0,
#: x0 y1 z0, then the same at z1).
BOX_FACES = np.array([[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4], [1, 2, 6], [1, 6, 5],
                      [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])


def box_vertices(x0, y0, x1, y1, z1, z0=0.0) -> np.ndarray:
    """(8, 3) vertices of an axis-aligned box [m] in :data:`BOX_FACES` order."""
    return np.array([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0],
                     [x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]], float)


def corner_scene(root: Path) -> Path:
    """Ground (``very_dry_ground``, 400 m square) and one closed 20 x 60 x 20 m concrete block
    (x 0-20, y 0-60 m): the corner-shadow scene. Returns its ``scene.xml``."""
    from synthrm.scene.writer import write_scene

    g = np.array([[-200, -200, 0], [200, -200, 0], [200, 200, 0], [-200, 200, 0]], float)
    return write_scene(root / "corner", {"b": (box_vertices(0, 0, 20, 60, 20), BOX_FACES),
                                         "g": (g, np.array([[0, 1, 2], [0, 2, 3]]))},
                       shape_info={"b": {"semantic": "facade", "radio_material": "concrete", "thickness_m": 0.2},
                                   "g": {"semantic": "ground", "radio_material": "very_dry_ground",
                                         "thickness_m": 20.0}}) / "scene.xml"


def check_corner_shadow(root: Path, frequency_hz: float = 3.5e9) -> Check:
    """The whole label pipeline in a corner's lateral shadow: ground and a 20 x 60 x 20 m
    concrete block (x 0-20, y 0-60 m), Tx at (-50, -20, 1.6) m in the street beside it,
    receivers on the ground behind the block's corner (20, 0) (x 30-60 m, y 5-20 m, z 5 cm),
    where the Tx is hidden; labels against Sionna's exact ``PathSolver`` (diffraction on, the same
    depth) at the face centres: median error."""
    scene = corner_scene(root)
    vas = grid_vas([30.0, 5.0, 0.05], [30.0, 0, 0], [0, 15.0, 0], 10, 5)
    solver, tx, fr = _labels(scene, vas, [[-50.0, -20.0, 1.6]], samples_per_tx=10 ** 6, max_depth=3,
                             diffraction_patch_m=1.0, multi_edge=False, frequency_hz=frequency_hz)
    hidden = ~solver.line_of_sight(vas.face_centers, tx.positions)[0]
    exact = solver.exact_path_gain(vas.face_centers[hidden], tx, max_depth=3, samples_per_src=10 ** 6,
                                   diffraction=True)[0]
    got = fr.face_path_gain[0][hidden]
    err = 10 * np.log10(np.maximum(got, 1e-300)) - 10 * np.log10(np.maximum(exact, 1e-300))
    return Check("corner-shadow", "labels in a corner's lateral shadow vs Sionna's exact PathSolver: median |error|",
                 float(np.median(np.abs(err))), 0.0, 2.0, "dB",
                 f"{int(hidden.sum())} hidden faces; error {err.min():+.1f} .. {err.max():+.1f} dB, "
                 f"mean {err.mean():+.2f} dB")


def run_physics_checks(full: bool = False) -> list[Check]:
    """Every check; ``full`` uses 10x the rays of the test size."""
    m = 10 if full else 1
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        checks = [check_friis_plane(10 ** 7 * m), check_friis_mesh(10 ** 6 * m), check_flux_sphere(10 ** 6 * m)]
        for pol in ("V", "H"):
            checks += check_two_ray(pol, root)
        checks += [check_fresnel("V", root), check_fresnel("H", root), check_transmission("V", root),
                   check_transmission("H", root), check_knife_edge(root), check_reciprocity(root),
                   check_knife_edge_labels(root), check_thick_block(root), check_corner_shadow(root)]
    return checks


__all__ = ["Check", "physics_table", "run_physics_checks", "fresnel_oblique", "two_ray", "complex_permittivity",
           "check_friis_plane", "check_friis_mesh", "check_flux_sphere", "check_two_ray", "check_fresnel",
           "check_reciprocity", "check_transmission", "check_knife_edge", "slab_transmission",
           "knife_edge_loss_db", "check_knife_edge_labels", "check_thick_block", "check_corner_shadow", "grid_vas"]
