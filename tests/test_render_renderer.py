"""Geometry buffers are exact: back-projected depth lands on the shipped scene's triangles
of the pixel's own semantic class and material."""
from pathlib import Path

import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera, intrinsics, look_at, pose_from_angles, project
from synthrm.dataset.hdf5 import list_samples, read_sample
from synthrm.scene.writer import read_ply, read_scene_info
from synthrm.camera.pinhole import backproject

from conftest import min_distance


def _scene_triangles(root: Path, scene_xml: str):
    scene_dir = (root / scene_xml).parent
    info = read_scene_info(scene_dir)
    per = {}
    for s in info["shapes"]:  # several shapes may share a class (facade styles, markings)
        v, f = read_ply(scene_dir / s["file"])
        per.setdefault((s["semantic_id"], s["material_id"]), []).append(v.astype(np.float64)[f])
    return {k: np.concatenate(v) for k, v in per.items()}


def test_backprojected_pixels_lie_on_triangles_of_their_class(tiny_dataset):
    root, _ = tiny_dataset
    checked = 0
    for _, sid in list_samples(root):
        s = read_sample(root, sid)
        tris = _scene_triangles(root, s["attrs"]["scene"])
        pts = backproject(s["depth"], s["K"], s["cam_to_world"])
        hit = np.isfinite(s["depth"])
        assert hit.mean() > 0.3
        assert np.array_equal(hit, s["semantic"] > 0) and np.array_equal(hit, s["material"] > 0)
        allt = np.concatenate(list(tris.values()))
        p = pts[hit]
        assert min_distance(p, allt).max() <= 0.02
        sem, mat = s["semantic"][hit], s["material"][hit]
        for (sid_, mid), t in tris.items():
            m = (sem == sid_) & (mat == mid)
            if m.any():
                assert min_distance(p[m], t).max() <= 0.02, (sid_, mid)
                checked += int(m.sum())
    assert checked > 1000


def test_normals_are_unit_and_face_the_camera(tiny_dataset):
    root, _ = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    hit = np.isfinite(s["depth"])
    n = s["normal"][hit]
    assert np.allclose(np.linalg.norm(n, axis=1), 1, atol=1e-4)
    pts = backproject(s["depth"], s["K"], s["cam_to_world"])[hit]
    view = pts - s["cam_to_world"][:3, 3]
    assert np.all(np.sum(n * view, axis=1) < 0)
    assert np.all(np.isnan(s["normal"][~hit]) | (s["normal"][~hit] == 0))


def test_camera_convention_opencv():
    K = intrinsics(64, 48, 90)
    c2w = look_at([0, 0, 10], [10, 0, 10])  # looking along +x, world z up
    uv, z = project(np.array([[10.0, 0, 10], [10, -1, 10], [10, 0, 11]]), K, c2w)
    assert np.allclose(uv[0], [32, 24]) and z[0] == pytest.approx(10)
    assert uv[1, 0] > 32  # -y (to the right when looking along +x) -> larger u
    assert uv[2, 1] < 24  # up -> smaller v
    c2w2 = pose_from_angles([0, 0, 10], 0.0, 0.0)
    assert np.allclose(c2w, c2w2)


def test_projection_round_trip():
    rng = np.random.default_rng(3)
    K = intrinsics(64, 48, 70)
    c2w = pose_from_angles([3, -2, 40], 33.0, 41.0)
    depth = rng.uniform(5, 100, size=(48, 64))
    pts = backproject(depth, K, c2w)
    uv, z = project(pts, K, c2w)
    vv, uu = np.mgrid[0:48, 0:64] + 0.5
    assert np.allclose(uv[..., 0], uu) and np.allclose(uv[..., 1], vv) and np.allclose(z, depth)


def test_rgb_shows_sky_and_lit_ground(tiny_dataset):
    root, _ = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    rgb = s["rgb"].astype(float)
    assert rgb.shape == (48, 64, 3) and s["rgb"].dtype == np.uint8
    assert rgb[s["semantic"] > 0].mean() > 20  # lit surfaces are not black
    assert rgb.std() > 5


def test_nested_rgb_scopes_switch_the_variant_once():
    """Stages that open their own RGB scope inside the shard's scope must not switch the
    variant again (each round trip re-imports Mitsuba's integrators: ~0.1 s a frame)."""
    from synthrm._mitsuba import mi, radio_variant, rgb_scope, rgb_variant, sionna_rt

    sionna_rt()
    changes = []

    def cb(*args):
        changes.append(mi.variant())

    mi.detail.add_variant_callback(cb)
    try:
        with rgb_scope():
            for _ in range(3):
                with rgb_scope():
                    assert mi.variant() == rgb_variant()
                assert mi.variant() == rgb_variant()
        assert mi.variant() == radio_variant()
    finally:
        mi.detail.remove_variant_callback(cb)
    assert changes == [rgb_variant(), radio_variant()]


def test_far_ground_fills_the_band_below_the_horizon(tiny_dataset):
    """Past the city's ground the images show a far ground, not black; the G-buffers
    still count those pixels as background (sky)."""
    from synthrm.render.renderer import Renderer

    root, _ = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    scene_dir = (root / s["attrs"]["scene"]).parent
    r = Renderer(scene_dir)
    w, h = 64, 48
    K = intrinsics(w, h, 70.0)
    b = r._shape_objs["ground"].bbox()
    c2w = pose_from_angles([(b.min.x + b.max.x) / 2, (b.min.y + b.max.y) / 2, 100.0], 30.0, 5.0)
    cam = PinholeCamera(K, c2w, w, h)
    g = r.gbuffers(cam)
    rgb = r.rgb(cam, spp=8)
    jj, ii = np.mgrid[0:h, 0:w]
    rays = np.stack([ii + 0.5, jj + 0.5, np.ones_like(ii, float)], -1) @ np.linalg.inv(K).T @ c2w[:3, :3].T
    dz = rays[..., 2] / np.linalg.norm(rays, axis=-1)
    below, above = ~g.hit & (dz < -0.02), dz > 0.02
    assert below.sum() > 20 and not g.hit[above].any()
    assert np.isnan(g.depth[below]).all() and (g.semantic[below] == 0).all()
    lum = rgb.mean(-1)
    assert lum[below].mean() > 0.25 * lum[g.hit].mean()  # was black (0) before the far ground
    # fog takes the far ground's range there: the ray's distance down to z = -0.05 m
    t = r.far_ground_range(cam)
    np.testing.assert_allclose(t[below], (100.0 + 0.05) / -dz[below], rtol=1e-5)
    assert np.isnan(t[above]).all()


def test_uav_looking_out_over_the_outskirts_is_resampled(tiny_dataset):
    """A pose that sees only open ground (a UAV at the city's edge looking outwards) is
    rejected with its reason; a view over the city passes; 0 turns the check off."""
    import dataclasses

    from synthrm.render.frames import pose_problem
    from synthrm.render.renderer import Renderer
    from synthrm.scene.layout import Layout

    root, cfg = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    scene_dir = (root / s["attrs"]["scene"]).parent
    r, lay = Renderer(scene_dir), Layout.load(scene_dir)
    x0, y0, x1, y1 = lay.extent
    K = intrinsics(64, 48, cfg.camera.fov_x_deg)
    out = pose_from_angles([x0 - 10.0, (y0 + y1) / 2, 40.0], 180.0, 30.0)
    over = pose_from_angles([(x0 + x1) / 2, (y0 + y1) / 2, 60.0], 0.0, 60.0)
    why, g = pose_problem(r, PinholeCamera(K, out, 64, 48), cfg.camera)
    assert why is not None and "open ground" in why and g.hit.mean() > 0.5
    assert pose_problem(r, PinholeCamera(K, over, 64, 48), cfg.camera)[0] is None
    off = dataclasses.replace(cfg, camera=dataclasses.replace(cfg.camera, min_built_fraction=0.0))
    assert pose_problem(r, PinholeCamera(K, out, 64, 48), off.camera)[0] is None
