"""Free space: Sionna RT on a VAS mesh reproduces Friis."""
import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera, intrinsics, look_at
from synthrm.radio.config import RadioConfig
from synthrm.vas.config import VASConfig
from synthrm.errors import ConfigError
from synthrm.radio import friis_path_gain
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.vas import build_vas
from synthrm.camera.pinhole import pixel_rays


def _ground_vas(w=64, h=48, stride=4):
    K = intrinsics(w, h, 70)
    c2w = look_at([0, -60, 40], [0, 20, 0])
    rays = pixel_rays(K, w, h) @ c2w[:3, :3].T
    t = -c2w[2, 3] / rays[..., 2]  # the plane z = 0; rays have camera z = 1 -> t is z-depth
    depth = np.where(t > 0, t, np.nan)
    return build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), np.broadcast_to([0.0, 0, 1], (h, w, 3)),
                     VASConfig(cell="stride", stride=stride, offset_m=0.0))


def test_free_space_path_gain_matches_friis():
    vas = _ground_vas()
    cfg = RadioConfig(samples_per_tx=10 ** 6, max_depth=1)
    solver = VASRadioSolver(None, cfg)  # empty scene: only the measurement surface
    tx = np.array([[0.0, 10.0, 10.0], [-20.0, 30.0, 5.0]])
    pg = solver.path_gain(vas, tx)
    assert pg.shape == (2, vas.num_faces)
    d = np.linalg.norm(vas.face_centers[None] - tx[:, None], axis=-1)
    ok = pg > 0
    assert ok.mean() > 0.95
    err_db = 10 * np.log10(pg[ok]) - 10 * np.log10(friis_path_gain(d[ok], cfg.frequency_hz))
    assert abs(np.median(err_db)) <= 0.5


def test_radio_config_rejects_frequency_outside_itu_range():
    with pytest.raises(ConfigError, match="frequency_hz"):
        RadioConfig(frequency_hz=300e9)
