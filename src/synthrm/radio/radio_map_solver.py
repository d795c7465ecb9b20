"""Sionna RT's ``RadioMapSolver`` with a VAS mesh as the measurement surface.

Receivers sit at the face centres of the mesh (the seed's Section 3.4). One solver call
per frame covers all of its transmitters.
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synthrm._mitsuba import mesh_from_arrays, mi, sionna_rt
from synthrm.config import RadioConfig
from synthrm.errors import ConfigError
from synthrm.radio.antenna import ANTENNAS, SPEED_OF_LIGHT
from synthrm.vas.mesh import VASMesh

if TYPE_CHECKING:
    from synthrm.radio.transmitters import TxSet


def friis_path_gain(distance_m: np.ndarray, frequency_hz: float) -> np.ndarray:
    """Free-space path gain (lambda / (4 pi d))^2, linear, for isotropic antennas."""
    lam = SPEED_OF_LIGHT / frequency_hz
    return (lam / (4 * math.pi * np.asarray(distance_m, dtype=np.float64))) ** 2


def fspl_db(distance_m: np.ndarray, frequency_hz: float) -> np.ndarray:
    """Free-space path loss [dB] (positive)."""
    return -10 * np.log10(friis_path_gain(distance_m, frequency_hz))


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

    def _set_transmitters(self, tx: "TxSet | np.ndarray") -> tuple[int, tuple]:
        """Put the transmitters into the scene; returns (T, precoding_vec)."""
        if isinstance(tx, (np.ndarray, list, tuple)):
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
        prec = np.asarray(prec, np.complex128).reshape(len(pos), -1)
        return len(pos), (mi.TensorXf(np.ascontiguousarray(prec.real, np.float32)),
                          mi.TensorXf(np.ascontiguousarray(prec.imag, np.float32)))

    def _solve(self, precoding_vec, seed: int, **where):
        c = self.cfg
        t0 = time.perf_counter()
        rm = self._solver(self.scene, precoding_vec=precoding_vec,
                          samples_per_tx=int(c.samples_per_tx), max_depth=int(c.max_depth), los=c.los,
                          specular_reflection=c.specular_reflection,
                          diffuse_reflection=c.diffuse_reflection, refraction=c.refraction,
                          diffraction=c.diffraction, edge_diffraction=c.edge_diffraction,
                          diffraction_lit_region=c.diffraction_lit_region, seed=int(seed), **where)
        self.last_map = rm
        out = np.asarray(rm.path_gain.numpy(), dtype=np.float64)
        self.last_solve_s = time.perf_counter() - t0
        return out

    def path_gain(self, vas: VASMesh, tx: "TxSet | np.ndarray", seed: int = 1) -> np.ndarray:
        """Linear path gain (T, F) float64 from each Tx to each VAS face; 0 where no ray.

        ``tx`` is a :class:`~synthrm.radio.transmitters.TxSet` or plain (T, 3) positions
        [m] (isotropic SISO transmitters). One solver call covers all transmitters.
        """
        if vas.num_faces == 0:
            raise ConfigError("radio: the visible surface is empty; nothing to compute")
        t, prec = self._set_transmitters(tx)
        out = self._solve(prec, seed, measurement_surface=vas_to_mitsuba_mesh(vas))
        return out.reshape(t, vas.num_faces)

    def plane_path_gain(self, tx: "TxSet | np.ndarray", origin_xy: tuple[float, float], shape: tuple[int, int],
                        height_m: float, cell_m: float = 0.1, seed: int = 1) -> np.ndarray:
        """Linear path gain (T, NY, NX) on the horizontal plane z = ``height_m`` [m].

        Cell (iy, ix) is centred at ``origin_xy + (ix + 0.5, iy + 0.5) * cell_m``; 0 where no
        ray crossed it. One solver call covers all transmitters.
        """
        ny, nx = shape
        t, prec = self._set_transmitters(tx)
        cx, cy = origin_xy[0] + nx * cell_m / 2, origin_xy[1] + ny * cell_m / 2
        out = self._solve(prec, seed, center=mi.Point3f(float(cx), float(cy), float(height_m)),
                          orientation=mi.Point3f(0.0, 0.0, 0.0), size=mi.Point2f(nx * cell_m, ny * cell_m),
                          cell_size=mi.Point2f(cell_m, cell_m))
        return out.reshape(t, ny, nx)
