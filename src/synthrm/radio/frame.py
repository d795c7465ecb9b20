"""One frame's radio labels: transmitters -> solver -> denoised faces -> pixels.

The result (:class:`FrameRadio`) holds the per-face values; ``arrays`` turns them into the
per-pixel labels a sample stores (``docs/dataset.md``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.config import RadioConfig
from synthrm.errors import SynthrmError
from synthrm.radio.labels import noise_power_w, sinr_linear, smooth_path_gain, to_db
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
    """(T, F) float64 linear path gain straight from the solver (0: no ray)."""
    face_path_gain: np.ndarray
    """(T, F) float64 linear path gain after noise control (NaN: no value)."""
    face_rings: np.ndarray
    """(T, F) int16 averaging window used per face, in rings (-1: no value)."""
    cfg: RadioConfig

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
            "path_gain_rings": _face_to_pixel_int(vas, self.face_rings),
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
        reached = (self.face_path_gain_raw > 0).mean(axis=1)
        return {
            "frequency_hz": float(c.frequency_hz), "bandwidth_hz": float(c.bandwidth_hz),
            "tx_power_dbm": float(c.tx_power_dbm), "temperature_k": float(c.temperature_k),
            "noise_power_dbm": float(10 * np.log10(self.noise_w) + 30),
            "samples_per_tx": int(c.samples_per_tx), "max_depth": int(c.max_depth),
            "antenna": c.antenna, "num_tx": self.tx.num_tx, "tx_placement": c.tx_placement,
            "pattern_step_deg": float(c.pattern_step_deg),
            "min_hit_faces": int(c.min_hit_faces), "max_rings": int(c.max_rings),
            "faces_reached_fraction": [round(float(x), 4) for x in reached],
        }


def _face_to_pixel_int(vas: VASMesh, values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[:-1] + vas.pixel_face.shape, -1, np.int8)
    m = vas.pixel_face >= 0
    out[..., m] = np.clip(values[..., vas.pixel_face[m]], -1, 127)
    return out


def compute_frame_radio(solver: VASRadioSolver, layout: Layout, vas: VASMesh, visible_points: np.ndarray,
                        cam_to_world: np.ndarray, cfg: RadioConfig, seed: int, log=None) -> FrameRadio:
    """Place transmitters, ray-trace them onto ``vas`` in one solver call, denoise.

    Args:
        solver: the scene's solver (radio variant).
        layout: the scene's footprints (placement rules).
        vas: the frame's visible surface.
        visible_points: (N, 3) world points the camera sees [m] (their median is the
            view centre transmitters are drawn around).
        cam_to_world: (4, 4) camera pose.
        cfg: radio settings. seed: the frame's radio seed.
        log: callable for warnings.

    Raises:
        FrameSkipped: the view is empty or no transmitter reaches any visible face.
    """
    log = log or (lambda m: None)
    if vas.num_faces == 0 or len(visible_points) == 0:
        raise FrameSkipped("the camera sees no surface to put radio labels on")
    rng = np.random.default_rng(seed)
    center = np.median(np.asarray(visible_points, np.float64).reshape(-1, 3), axis=0)
    tx = place_transmitters(layout, cfg, rng, center, cam_to_world)
    raw = solver.path_gain(vas, tx, seed=int(seed % (2 ** 31 - 1)) or 1)
    reached = (raw > 0).any(axis=1)
    if not reached.any():
        raise FrameSkipped(f"none of the {tx.num_tx} transmitters reached a visible face at "
                           f"{cfg.samples_per_tx:g} rays each; raise radio.samples_per_tx or lower radio.tx_radius_m")
    for i in np.nonzero(~reached)[0]:
        p = tx.positions[i]
        log(f"warning: transmitter {i} at ({p[0]:.1f}, {p[1]:.1f}, {p[2]:.1f}) m reached no visible face; "
            "its path_gain_db and sinr_db are all NaN")
    smooth, rings = smooth_path_gain(vas, raw, cfg.min_hit_faces, cfg.max_rings)
    return FrameRadio(tx=tx, face_path_gain_raw=raw, face_path_gain=smooth, face_rings=rings, cfg=cfg)
