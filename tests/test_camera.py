"""``PinholeCamera``: back-projection and projection are inverse (property test), the
Mitsuba sensor has the camera's field of view, and bad intrinsics are clear errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthrm.camera.config import parse_resolution
from synthrm.camera.pinhole import PinholeCamera, look_at
from synthrm.errors import ConfigError


@settings(max_examples=40, deadline=None)
@given(w=st.integers(2, 40), h=st.integers(2, 40), fov=st.floats(20.0, 150.0),
       eye=st.tuples(*[st.floats(-50, 50)] * 3), seed=st.integers(0, 2 ** 31))
def test_backproject_then_project_gives_the_pixel_centres_and_depth(w, h, fov, eye, seed):
    rng = np.random.default_rng(seed)
    target = np.asarray(eye) + rng.normal(size=3) * 10 + 1e-3
    cam = PinholeCamera.from_fov(w, h, fov, look_at(eye, target))
    depth = rng.uniform(0.5, 200.0, (h, w))
    depth[rng.random((h, w)) < 0.2] = np.nan  # sky
    pts = cam.backproject(depth)
    assert np.array_equal(np.isnan(pts[..., 0]), np.isnan(depth))
    uv, z = cam.project(pts)
    ok = np.isfinite(depth)
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    assert np.allclose(z[ok], depth[ok], rtol=1e-9, atol=1e-9)
    assert np.allclose(uv[..., 0][ok], u[ok], atol=1e-6) and np.allclose(uv[..., 1][ok], v[ok], atol=1e-6)
    # world rays: one unit along a ray is one metre of z-depth
    along = cam.center + depth[..., None] * cam.world_rays()
    assert np.allclose(along[ok], pts[ok], atol=1e-6)


def test_camera_of_a_sample_and_its_field_of_view():
    cam = PinholeCamera.from_fov(64, 48, 75.0, np.eye(4))
    again = PinholeCamera.from_sample({"K": cam.K, "cam_to_world": cam.cam_to_world, "depth": np.zeros((48, 64))})
    assert (again.width, again.height) == (64, 48) and np.array_equal(again.K, cam.K)
    assert again.fov_x_deg == pytest.approx(75.0)
    moved = cam.with_pose(look_at([1, 2, 3], [4, 5, 3]))
    assert np.array_equal(moved.K, cam.K) and np.allclose(moved.center, [1, 2, 3])


def test_mitsuba_sensor_needs_a_centred_principal_point():
    K = np.array([[50.0, 0, 30.0], [0, 50.0, 24.0], [0, 0, 1]])
    with pytest.raises(ConfigError, match="principal point at the image centre"):
        PinholeCamera(K, np.eye(4), 64, 48).mitsuba_sensor({"type": "independent"}, 0.1, 100.0)


@pytest.mark.parametrize("text, msg", [("0x48", "must be > 0"), ("64 by 48", "expected WIDTHxHEIGHT")])
def test_resolution_text_errors(text, msg):
    assert parse_resolution(" 64X48 ") == (64, 48)
    with pytest.raises(ConfigError, match=msg):
        parse_resolution(text)
