"""Sionna RT's ``RadioMapSolver`` with a VAS mesh as the measurement surface.

Receivers sit at the face centres of the mesh (the seed's Section 3.4). One solver call
per frame covers all of its transmitters.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from synthrm._mitsuba import mi, sionna_rt
from synthrm.config import RadioConfig
from synthrm.errors import ConfigError
from synthrm.vas.mesh import VASMesh

SPEED_OF_LIGHT = 299_792_458.0


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
    m = mi.Mesh(name, vertex_count=len(vas.vertices), face_count=vas.num_faces,
                has_vertex_normals=False, has_vertex_texcoords=False)
    p = mi.traverse(m)
    p["vertex_positions"] = mi.Float(np.ascontiguousarray(vas.vertices, np.float32).ravel())
    p["faces"] = mi.UInt32(np.ascontiguousarray(vas.faces, np.uint32).ravel())
    p.update()
    return m


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
        self.scene = rt.load_scene(str(scene_xml)) if scene_xml else rt.load_scene()
        self.scene.frequency = self.cfg.frequency_hz
        self.scene.bandwidth = self.cfg.bandwidth_hz
        self.scene.temperature = self.cfg.temperature_k
        iso = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization="V")
        self.scene.tx_array = iso
        self.scene.rx_array = iso
        self._solver = rt.RadioMapSolver()

    def path_gain(self, vas: VASMesh, tx_positions: np.ndarray, seed: int = 1) -> np.ndarray:
        """Linear path gain (T, F) float64 from each Tx to each VAS face; 0 where no ray."""
        if vas.num_faces == 0:
            raise ConfigError("radio: the visible surface is empty; nothing to compute")
        tx = np.asarray(tx_positions, dtype=np.float64).reshape(-1, 3)
        if not np.isfinite(tx).all():
            raise ConfigError(f"radio: transmitter positions must be finite, got {tx.tolist()}")
        for name in list(self.scene.transmitters):
            self.scene.remove(name)
        for i, p in enumerate(tx):
            self.scene.add(self.rt.Transmitter(name=f"tx{i}", position=mi.Point3f(*[float(v) for v in p]),
                                               power_dbm=float(self.cfg.tx_power_dbm)))
        c = self.cfg
        rm = self._solver(self.scene, measurement_surface=vas_to_mitsuba_mesh(vas),
                          samples_per_tx=int(c.samples_per_tx), max_depth=int(c.max_depth), los=c.los,
                          specular_reflection=c.specular_reflection,
                          diffuse_reflection=c.diffuse_reflection, refraction=c.refraction,
                          diffraction=c.diffraction, edge_diffraction=c.edge_diffraction,
                          diffraction_lit_region=c.diffraction_lit_region, seed=int(seed))
        return np.asarray(rm.path_gain.numpy(), dtype=np.float64).reshape(len(tx), vas.num_faces)
