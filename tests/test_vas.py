import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera, intrinsics, look_at, project
from synthrm.vas.config import VASConfig
from synthrm.vas import build_vas
from synthrm.camera.pinhole import pixel_rays

W, H = 40, 30


def _plane_depth(K, c2w, n, d):
    """z-depth of the plane n.x = d seen by the camera (NaN where it is not in front)."""
    rays_c = pixel_rays(K, W, H)  # z = 1
    R, c = c2w[:3, :3], c2w[:3, 3]
    rays_w = rays_c @ R.T
    t = (d - n @ c) / (rays_w @ n)
    return np.where(t > 0, t, np.nan)  # z-depth equals t because rays have z = 1


def _setup():
    K = intrinsics(W, H, 60)
    c2w = look_at([0, -20, 15], [0, 10, 0])
    return K, c2w


def test_plane_gives_two_triangles_per_pixel_quad_on_the_offset_plane():
    K, c2w = _setup()
    n = np.array([0.0, 0.0, 1.0])
    depth = _plane_depth(K, c2w, n, 0.0)
    assert np.isfinite(depth).all()
    m = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), np.broadcast_to(n, (H, W, 3)), VASConfig(cell="pixel", offset_m=0.05))
    assert m.num_faces == 2 * (H - 1) * (W - 1)
    assert np.allclose(m.vertices[:, 2], 0.05, atol=1e-4)
    assert (m.pixel_face >= 0).all()
    # faces face the camera
    assert np.all(np.sum(m.face_normals * (c2w[:3, 3] - m.face_centers), axis=1) > 0)


def test_depth_step_is_not_bridged_and_sky_is_dropped():
    K, c2w = _setup()
    near = _plane_depth(K, c2w, np.array([0.0, 0.0, 1.0]), 0.0)
    far = _plane_depth(K, c2w, np.array([0.0, 0.0, 1.0]), -8.0)
    depth = near.copy()
    depth[:, W // 2:] = far[:, W // 2:]  # a drop of 8 m in the right half
    depth[:3] = np.nan  # sky on top
    m = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), np.broadcast_to([0.0, 0, 1], (H, W, 3)), VASConfig(cell="pixel", offset_m=0.0))
    z = m.vertices[m.faces][..., 2]
    assert np.all(np.ptp(z, axis=1) < 1e-3)  # every face lies on one of the two planes
    assert set(np.round(np.unique(z), 2)) == {0.0, -8.0}
    assert (m.pixel_face[:3] < 0).all()
    vr = m.vertex_pixel[:, 0]
    assert vr.min() >= 3


@pytest.mark.parametrize("cfg", [VASConfig(cell="pixel"), VASConfig(cell="stride", stride=4),
                                 VASConfig(cell="adaptive", target_cell_m=3.0, max_stride=8)])
def test_pixel_face_correspondence(cfg):
    """Each pixel's face, projected into the image, contains that pixel's centre."""
    K, c2w = _setup()
    depth = _plane_depth(K, c2w, np.array([0.0, 0.0, 1.0]), 0.0)
    depth[10:14, 5:9] = np.nan  # a hole
    m = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), np.broadcast_to([0.0, 0, 1], (H, W, 3)), cfg)
    full = 2 * (H - 1) * (W - 1)
    if cfg.cell == "stride":
        assert m.num_faces < full / 4
    elif cfg.cell == "adaptive":  # near cells coarsen, far (grazing) cells stay fine
        assert m.num_faces < 0.9 * full and (m.face_stride > 1).any() and (m.face_stride == 1).any()
    covered = m.pixel_face >= 0
    assert covered[np.isfinite(depth)].mean() > 0.9
    assert not covered[10:14, 5:9].any()
    # the pixel's face has the pixel centre inside its image-space triangle (barycentric)
    vv, uu = np.nonzero(covered)
    tri_px = m.vertex_pixel[m.faces[m.pixel_face[vv, uu]]][..., ::-1].astype(float)  # (N, 3, [col,row])
    p = np.stack([uu, vv], 1).astype(float)
    a, b, c = tri_px[:, 0], tri_px[:, 1], tri_px[:, 2]
    det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    l1 = ((b[:, 0] - p[:, 0]) * (c[:, 1] - p[:, 1]) - (c[:, 0] - p[:, 0]) * (b[:, 1] - p[:, 1])) / det
    l2 = ((c[:, 0] - p[:, 0]) * (a[:, 1] - p[:, 1]) - (a[:, 0] - p[:, 0]) * (c[:, 1] - p[:, 1])) / det
    l3 = 1 - l1 - l2
    assert np.all(np.stack([l1, l2, l3]) >= -1e-9)
    # and face_to_pixel carries values back along the same map
    vals = np.arange(m.num_faces, dtype=np.float32)
    img = m.face_to_pixel(vals[None])[0]
    assert np.array_equal(img[covered], m.pixel_face[covered].astype(np.float32))
    assert np.isnan(img[~covered]).all()


def test_vertices_back_project_to_the_depth_points():
    K, c2w = _setup()
    depth = _plane_depth(K, c2w, np.array([0.0, 0.0, 1.0]), 0.0)
    m = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), None, VASConfig(cell="pixel", offset_m=0.0))
    uv, z = project(m.vertices.astype(np.float64), K, c2w)
    r, c = m.vertex_pixel[:, 0], m.vertex_pixel[:, 1]
    assert np.allclose(uv[:, 0], c + 0.5, atol=1e-3) and np.allclose(uv[:, 1], r + 0.5, atol=1e-3)
    assert np.allclose(z, depth[r, c], rtol=1e-5)


def test_empty_view_gives_empty_mesh():
    K, c2w = _setup()
    m = build_vas(np.full((H, W), np.nan), PinholeCamera(K, c2w, W, H))
    assert m.num_faces == 0 and (m.pixel_face < 0).all()


@pytest.mark.parametrize("cell", ["pixel", "adaptive"])
def test_no_face_cuts_through_a_crease(cell):
    """A wall standing on the ground: with the crease split (the default) every face lies on
    one surface (its normal is its pixels' normal, so its centre never lies inside the
    building), while every pixel of either surface still has a face; with crease_deg 180
    faces straddle the wall's foot."""
    from test_radio_labels import _corner_view

    depth, K, c2w, normal = _corner_view(96, 72)
    cam = PinholeCamera.for_depth(K, c2w, depth)

    def straddling(vas):
        vn = normal[vas.vertex_pixel[:, 0], vas.vertex_pixel[:, 1]][vas.faces]  # (F, 3, 3) pixel normals
        return int((np.abs(np.einsum("fkj,fj->fk", vn, vas.face_normals)) < np.cos(np.radians(20))).any(axis=1).sum())

    split = build_vas(depth, cam, normal, VASConfig(cell=cell))
    assert straddling(split) == 0
    hit = np.isfinite(depth)
    assert (split.pixel_face[hit] >= 0).mean() > 0.99
    assert straddling(build_vas(depth, cam, normal, VASConfig(cell=cell, crease_deg=180.0))) > 0
