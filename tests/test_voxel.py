"""Voxel grid of fused scans and its material channels (seed 004 eqs. 8, 10-16)."""
import numpy as np
import pytest

from synthrm.camera.pinhole import intrinsics, look_at
from synthrm.errors import ConfigError
from synthrm.radio.p2040 import reflection_transmission_db
from synthrm.radio.radio_map_solver import fspl_db
from synthrm.camera.pinhole import pixel_rays
from synthrm.voxel import fuse_scans, voxel_features, voxelize


def _wall_scan(eye, x_wall=5.0, sem=7, w=64, h=48):
    """A camera at ``eye`` looking at the plane x = x_wall (exact z-depth)."""
    K = intrinsics(w, h, 70)
    c2w = look_at(eye, [x_wall, eye[1], eye[2]])
    rays = pixel_rays(K, w, h) @ c2w[:3, :3].T  # world direction per unit z-depth
    depth = (x_wall - c2w[0, 3]) / rays[..., 0]
    return {"depth": depth, "K": K, "cam_to_world": c2w, "semantic": np.full((h, w), sem, np.uint8)}


def test_fused_scans_voxelize_onto_the_wall():
    scans = [_wall_scan([0.0, y, 1.5], w=160, h=120) for y in (-1.0, 0.0, 1.0)]  # < 0.05 m per pixel
    pts, lab = fuse_scans(scans)
    assert np.allclose(pts[:, 0], 5.0, atol=1e-6) and (lab == 7).all()
    g = voxelize(pts, lab, 0.1)
    occ = np.argwhere(g.occupancy > 0)
    c = g.origin + (occ + 0.5) * 0.1
    assert np.all(np.abs(c[:, 0] - 5.0) <= 0.05 + 1e-9)  # every occupied voxel holds the plane
    assert (g.label[g.occupancy > 0] == 7).all() and (g.label[g.occupancy == 0] == -1).all()
    # the wall's footprint on the grid is covered without holes between the scans
    ys = np.unique(occ[:, 1])
    assert len(ys) == ys.max() - ys.min() + 1


def test_majority_label_and_fixed_grid():
    pts = np.array([[0.05, 0.05, 0.05]] * 3 + [[0.06, 0.05, 0.05]] * 2 + [[5.0, 5.0, 5.0]])
    lab = np.array([2, 2, 2, 3, 3, 1])
    g = voxelize(pts, lab, 0.1, origin=np.zeros(3), shape=(2, 2, 2))
    assert g.label[0, 0, 0] == 2 and g.occupancy.sum() == 1  # the far point is outside the grid


def test_features_follow_p2040_and_distance():
    pts, lab = fuse_scans([_wall_scan([0.0, 0.0, 1.5], sem=7)])
    g = voxelize(pts, lab, 0.1)
    tx = np.array([1.0, 0.0, 1.5])
    f = voxel_features(g, {7: "concrete"}, tx, 3.5e9)
    r, t = reflection_transmission_db("concrete", 3.5e9)
    occ = g.occupancy > 0
    assert np.allclose(f["reflection_db"][occ], r) and np.allclose(f["transmission_db"][occ], t)
    assert (f["reflection_db"][~occ] == 0).all()
    d = np.linalg.norm(g.centers() - tx, axis=-1)
    assert np.allclose(f["tx_distance_m"], d, atol=1e-4)
    assert np.allclose(f["fspl_db"], fspl_db(d, 3.5e9), atol=1e-3)
    for v in f.values():
        assert v.dtype == np.float32 and v.shape == g.shape
    with pytest.raises(ConfigError, match="label id 7 has no material"):
        voxel_features(g, {1: "wood"}, tx)


def test_bad_voxel_inputs_are_clear_errors():
    with pytest.raises(ConfigError, match="scan set is empty"):
        fuse_scans([])
    nothing = _wall_scan([0.0, 0.0, 1.5])
    nothing["depth"] = np.full_like(nothing["depth"], np.nan)
    with pytest.raises(ConfigError, match="scan set is empty"):
        fuse_scans([nothing])
    for bad in (0, -0.1):
        with pytest.raises(ConfigError, match="voxel_size_m: must be > 0"):
            voxelize(np.zeros((1, 3)), np.zeros(1), bad)
