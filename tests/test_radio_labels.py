"""Radio labels v2: deterministic sums, the ray budget, exact line of sight, windows, fill,
provenance and standard error. Sionna RT runs for real on tiny inputs."""
import dataclasses

import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera
from synthrm.radio.config import RadioConfig
from synthrm.vas.config import VASConfig
from synthrm.radio import radio_map_solver as rms
from synthrm.radio.budget import CPU_FIRST_PASS, CUDA_FIRST_PASS, resolve_budget
from synthrm.radio.fill import fill_path_gain, surface_components
from synthrm.radio.frame import compute_frame_radio
from synthrm.radio.labels import (
    MECH_LOS,
    MECH_REFLECTION,
    SOURCE_EXACT,
    SOURCE_FILLED,
    SOURCE_NONE,
    label_std_db,
    planar_adjacency,
)
from synthrm.radio.physics import friis_path_gain, to_db
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.radio.transmitters import TxSet
from synthrm.vas.mesh import build_vas

from conftest import tiny_config
from test_radio import _cylinder_vas


def _siso(positions) -> TxSet:
    p = np.asarray(positions, np.float64).reshape(-1, 3)
    t = len(p)
    return TxSet(p, np.zeros((t, 3)), np.tile([1.0, 0, 0], (t, 1)), np.ones((t, 1), complex),
                 np.zeros((t, 312), np.float32), "siso")


def _corner_view(w=64, h=48):
    """A camera looking at a wall (y = 25 m) standing on the ground (z = 0): two surfaces
    meeting at a crease, and sky above the wall. Returns (depth, K, c2w, normal)."""
    from synthrm.camera.pinhole import intrinsics, look_at
    from synthrm.camera.pinhole import pixel_rays

    K = intrinsics(w, h, 70)
    c2w = look_at([0, 0, 6.0], [0, 25, 4.0], up=[0, 0, 1])
    rays = pixel_rays(K, w, h) @ c2w[:3, :3].T  # world direction per unit z-depth
    o = c2w[:3, 3]
    t_ground = np.where(rays[..., 2] < -1e-9, -o[2] / np.minimum(rays[..., 2], -1e-9), np.inf)
    t_wall = np.where(rays[..., 1] > 1e-9, (25.0 - o[1]) / np.maximum(rays[..., 1], 1e-9), np.inf)
    wall_z = o[2] + t_wall * rays[..., 2]
    t_wall = np.where((wall_z >= 0) & (wall_z <= 12.0), t_wall, np.inf)  # a 12 m tall wall
    depth = np.minimum(t_ground, t_wall)
    normal = np.where((t_wall <= t_ground)[..., None], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0])
    depth = np.where(np.isfinite(depth), depth, np.nan)
    return depth, K, c2w, normal


def test_fixed_point_sums_are_deterministic_and_equal_sionnas_float_map():
    vas = _cylinder_vas(n_az=36, n_z=2)
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=10 ** 5, max_depth=0))
    a = solver.monte_carlo(vas, np.zeros((2, 3)) + [[0, 0, 0], [3, 1, 0]], seed=3)
    theirs = np.asarray(solver.last_map.path_gain.numpy(), np.float64).reshape(a.path_gain.shape)
    b = solver.monte_carlo(vas, np.zeros((2, 3)) + [[0, 0, 0], [3, 1, 0]], seed=3)
    assert np.array_equal(a.path_gain, b.path_gain) and np.array_equal(a.hits, b.hits)  # same bits
    hit = theirs > 0
    assert hit.mean() > 0.9 and np.array_equal(hit, a.hits > 0) and np.array_equal(hit, a.path_gain > 0)
    assert np.allclose(a.path_gain[hit], theirs[hit], rtol=1e-4)
    # ray counts: every face of the 30 m cylinder sees the Tx at its axis; about N A cos / (4 pi d^2)
    c = vas.face_centers
    expect = 10 ** 5 * vas.face_areas / (4 * np.pi * np.sum(c ** 2, axis=1))  # faces face the axis
    assert 0.8 < a.hits[0].sum() / expect.sum() < 1.2


def test_transmitters_are_traced_in_groups_when_rays_pass_the_array_limit(monkeypatch):
    vas = _cylinder_vas(n_az=24, n_z=2)
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=20000, max_depth=0))
    tx = _siso([[0, 0, 0], [2, 0, 0], [0, 2, 0]])
    monkeypatch.setattr(rms, "MAX_RAYS_PER_CALL", 2 * 20000 + 1)  # two Tx per call
    grouped = solver.monte_carlo(vas, tx, seed=5)
    assert grouped.path_gain.shape == (3, vas.num_faces)
    first_two = solver.monte_carlo(vas, tx.subset([0, 1]), seed=5)
    last = solver.monte_carlo(vas, tx.subset([2]), seed=5)
    assert np.array_equal(grouped.path_gain, np.concatenate([first_two.path_gain, last.path_gain]))


def test_ray_budget_resolves_by_backend():
    cpu = resolve_budget("auto", "auto", "auto", "llvm")
    gpu = resolve_budget("auto", "auto", "auto", "cuda")
    assert cpu.first_pass == CPU_FIRST_PASS and cpu.max_per_tx > cpu.first_pass
    assert gpu.first_pass == CUDA_FIRST_PASS == 10 ** 8 and gpu.max_per_tx == 2 ** 31
    fixed = resolve_budget(123456, "auto", "auto", "llvm")
    assert fixed.first_pass == fixed.max_per_tx == 123456  # an explicit count is exactly that many rays
    assert resolve_budget(1000, 4000, 9000, "llvm").max_per_frame == 9000


def test_exact_line_of_sight_equals_sionnas_path_solver():
    """Our Friis x numpy pattern equals Sionna's exact LoS path (PathSolver, depth 0)."""
    from synthrm.radio.antenna import ANTENNAS, look_orientation, pattern_features, steering_vector

    vas = _cylinder_vas(radius=25.0, n_az=36, n_z=2)
    pts = vas.face_centers
    solver = VASRadioSolver(None, RadioConfig())
    for name in ("siso", "8x4"):
        spec = ANTENNAS[name]
        o = look_orientation(np.array([1.0, 0.3, -0.1]))
        p = steering_vector(spec, 3.5e9, np.array([1.0, 0.0, 0.0]))
        tx = TxSet(np.array([[1.0, -2.0, 0.5]]), o[None], np.array([[1.0, 0, 0]]), p[None],
                   pattern_features(spec, 3.5e9, o, p)[None].astype(np.float32), name)
        ours = solver.los_path_gain(pts, tx)
        theirs = solver.exact_path_gain(pts, tx, max_depth=0, diffraction=False)
        strong = theirs > theirs.max() * 1e-3
        assert strong.sum() > 20
        assert np.allclose(ours[strong], theirs[strong], rtol=1e-3), name


def test_monte_carlo_only_labels_code_line_of_sight_where_the_direct_path_dominates():
    """With ``exact_los`` off (the seed's pipeline) the rays carry the direct path with the
    reflections; the mechanism code still says line of sight where the exact direct path
    holds most of the label, as the labels with the exact line of sight do (solver against
    solver), and reflection where it does not."""
    depth, K, c2w, normal = _corner_view()
    cam = PinholeCamera.for_depth(K, c2w, depth)
    vas = build_vas(depth, cam, normal, VASConfig(cell="stride", stride=2))
    tx = _siso([[6.0, 10.0, 1.6]])
    runs = {}
    for exact in (True, False):
        cfg = RadioConfig(samples_per_tx=4000, max_depth=1, exact_los=exact, fill=exact)
        solver = VASRadioSolver(None, cfg)
        runs[exact] = compute_frame_radio(solver, None, vas, vas.face_centers, cam, cfg, seed=1, tx=tx)
    mc, ex = runs[False], runs[True]
    direct = VASRadioSolver(None, RadioConfig()).los_path_gain(vas.face_centers, tx)[0]
    lab = np.isfinite(mc.face_path_gain[0])
    share = np.where(lab, direct / np.where(lab, mc.face_path_gain[0], 1.0), 0.0)
    assert lab.sum() > 200 and (share[lab] > 0.5).mean() > 0.5
    assert (mc.face_mechanism[0][lab & (share >= 0.5)] == MECH_LOS).all()
    assert (mc.face_mechanism[0][lab & (share < 0.5)] == MECH_REFLECTION).all()
    both = lab & np.isfinite(ex.face_path_gain[0])
    assert (mc.face_mechanism[0][both] == ex.face_mechanism[0][both]).mean() > 0.9


def test_free_space_is_friis_whatever_provenance():
    """In empty space every labelled pixel equals Friis to 0.5 dB: exact line of sight, and
    the fill's stages (wider windows, interpolation, exact paths) with the distance term
    taken out."""
    depth, K, c2w, normal = _corner_view()
    vas = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), normal, VASConfig(cell="stride", stride=2))
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=2000, max_depth=1))
    tx = _siso([[6.0, 10.0, 1.6]])
    fr = compute_frame_radio(solver, None, vas, vas.face_centers, PinholeCamera.for_depth(K, c2w, depth), solver.cfg,
                             seed=1, tx=tx)
    friis = friis_path_gain(np.linalg.norm(vas.face_centers - tx.positions[0], axis=1), 3.5e9)
    lab = np.isfinite(fr.face_path_gain[0])
    assert lab.mean() > 0.99
    assert np.abs(to_db(fr.face_path_gain[0][lab]) - to_db(friis[lab])).max() < 0.5
    # the fill alone, from Friis labels on every 37th ground face: the wider windows (rays on
    # every ground face, each carrying its expectation), the interpolation (no rays) and the
    # exact paths (the wall: no label at all) all keep Friis
    adj = planar_adjacency(vas)
    wall = np.abs(vas.face_normals[:, 1]) > 0.9
    keep = (np.arange(vas.num_faces) % 37 == 0) & ~wall
    g = np.where(keep, friis, np.nan)[None]
    src = np.where(keep, 1, 0).astype(np.uint8)[None]
    exact = lambda p: solver.exact_path_gain(p, tx, 1)  # noqa: E731
    seen = set()
    for raw in (np.where(wall, 0.0, friis)[None], None):
        out, s, stats = fill_path_gain(vas, adj, g, src, np.ones((1, vas.num_faces), bool), tx.positions, 3.5e9,
                                       exact=exact, max_exact=64, raw=raw, rays=(~wall)[None].astype(int),
                                       min_rays=1, rings=(3, 8))
        assert stats["exact"] > 0 and (stats["wider_window"] > 0 if raw is not None else stats["same_visibility"] > 0)
        assert (s[0] != SOURCE_NONE).all()
        for code in (SOURCE_FILLED, SOURCE_EXACT):
            m = s[0] == code
            assert m.any() and np.abs(to_db(out[0][m]) - to_db(friis[m])).max() < 0.5, code
        seen |= {k for k, v in stats.items() if v}
    assert {"wider_window", "same_visibility", "exact"} <= seen


def test_fill_never_crosses_a_depth_edge_or_a_crease_and_never_lands_on_sky():
    depth, K, c2w, normal = _corner_view()
    vas = build_vas(depth, PinholeCamera.for_depth(K, c2w, depth), normal, VASConfig(cell="stride", stride=2))
    adj = planar_adjacency(vas)
    wall = np.abs(vas.face_normals[:, 1]) > 0.9
    assert wall.any() and (~wall).any()
    comp = surface_components(adj)
    assert set(comp[wall]).isdisjoint(comp[~wall])  # the crease separates the surfaces
    ground_val = np.where(~wall, 1e-9, np.nan)  # labels on the ground only
    g = np.tile(ground_val, (1, 1))
    src = np.where(np.isfinite(g), 1, 0).astype(np.uint8)
    # knock out a patch of the ground: it is filled, the wall is not (no exact paths)
    hole = (~wall) & (vas.face_centers[:, 0] > 2) & (vas.face_centers[:, 0] < 6)
    g[0, hole], src[0, hole] = np.nan, 0
    out, s, _ = fill_path_gain(vas, adj, g, src, np.ones((1, vas.num_faces), bool), np.array([[0.0, 5.0, 1.6]]),
                               3.5e9, exact=None)
    assert np.isfinite(out[0, hole]).all() and (s[0, hole] == SOURCE_FILLED).all()
    assert np.isnan(out[0, wall]).all() and (s[0, wall] == SOURCE_NONE).all()
    px = vas.face_to_pixel(out)[0]
    assert np.isnan(px[~np.isfinite(depth)]).all()  # sky keeps no value
    # a depth discontinuity: two planes at 10 m and 20 m; labels on the near one stay there
    from test_radio import _step_scene

    step = _step_scene()
    near = step.face_centers[:, 1] < 15
    gs = np.where(near, 1e-8, np.nan)[None]
    out, s, _ = fill_path_gain(step, planar_adjacency(step), gs, np.where(near, 1, 0).astype(np.uint8)[None],
                               np.ones((1, step.num_faces), bool), np.array([[0.0, 0.0, 0.0]]), 3.5e9)
    assert np.isnan(out[0, ~near]).all()


def test_standard_error_follows_ray_count_and_provenance():
    src = np.array([[1, 2, 2, 3, 4, 0]], np.uint8)
    rays = np.array([[100, 4, 4, 0, 0, 0]])
    rings = np.array([[1, 1, 2, -1, -1, -1]])
    std = label_std_db(src, rays, rings)
    assert std[0, 0] < std[0, 1] < std[0, 2] < std[0, 3]
    assert std[0, 0] == pytest.approx(10 / np.log(10) / 10, rel=1e-6)  # 4.34 dB / sqrt(100)
    assert np.isnan(std[0, 5])
    # a line-of-sight face: only the rays' share of the power is uncertain
    los = label_std_db(np.array([[1, 1]], np.uint8), np.array([[4, 0]]), np.array([[1, 1]]),
                       rest_share=np.array([[0.1, 0.0]]), known=np.array([[True, True]]))
    assert los[0, 0] == pytest.approx(0.1 * 10 / np.log(10) / 2, rel=1e-5)
    assert los[0, 1] > 0


@pytest.fixture(scope="module")
def city_frame_v2(tmp_path_factory):
    """A 64x48 frame with the progressive budget scaled down (1e5 rays, up to 4e5)."""
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.generate import generate

    root = tmp_path_factory.mktemp("labels")
    cfg = tiny_config(seed=3, frames=1, radio={"samples_per_tx": 10 ** 5, "max_samples_per_tx": 4 * 10 ** 5,
                                                "target_ray_share": 0.999, "tx_per_frame": 3})
    generate(cfg, root, progress=False)
    return root, cfg, read_sample(root, list_samples(root)[0][1])


def test_sample_stores_provenance_std_and_resolved_budget(city_frame_v2):
    _, cfg, s = city_frame_v2
    t, (h, w) = 3, s["depth"].shape
    src, std, pg = s["path_gain_source"], s["path_gain_std_db"], s["path_gain_db"]
    assert src.shape == std.shape == (t, h, w) and src.dtype == np.uint8 and std.dtype == np.float32
    assert np.array_equal(np.isfinite(pg), src > 0)  # a label has a provenance, no label none
    assert (std[src > 0] > 0).all() and np.isnan(std[src == 0]).all()
    sky = ~np.isfinite(s["depth"])
    assert (src[:, sky] == 0).all()
    a = s["attrs"]
    assert a["samples_per_tx"] == 10 ** 5 and a["radio_backend"] in ("llvm", "cuda")
    assert len(a["rays_per_tx"]) == t and all(r in (10 ** 5, 4 * 10 ** 5) for r in a["rays_per_tx"])
    assert max(a["rays_per_tx"]) == 4 * 10 ** 5  # a transmitter below the target got the progressive pass
    assert np.isfinite(pg[:, ~sky]).mean() > 0.9


def test_labels_are_bit_identical_across_runs(city_frame_v2, tmp_path):
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.generate import generate

    root, cfg, s = city_frame_v2
    generate(cfg, tmp_path / "again", progress=False)
    t = read_sample(tmp_path / "again", list_samples(tmp_path / "again")[0][1])
    for k in ("path_gain_db", "sinr_db", "path_gain_source", "path_gain_std_db", "vas_path_gain_db"):
        assert s[k].tobytes() == t[k].tobytes(), k


def test_torch_dataset_and_training_use_provenance_and_std(tiny_dataset, tmp_path):
    from synthrm.dataset.torch_dataset import SynthRMDataset
    from synthrm.models.data import OutdoorExamples

    root, _ = tiny_dataset
    x = SynthRMDataset(root, keys=("path_gain_db", "path_gain_source", "path_gain_std_db"))[0]
    assert x["path_gain_source"].shape == x["path_gain_db"].shape == x["path_gain_std_db"].shape
    every = OutdoorExamples(root)
    rays = OutdoorExamples(root, sources=(1, 2), weighting="std")
    it_all, it_rays = every[0], rays[0]
    assert it_rays["valid"].sum() <= it_all["valid"].sum()
    assert torch_isin(it_rays["source"][it_rays["valid"][0]], (1, 2))
    wv = it_rays["weight"][it_rays["valid"]]
    assert np.isclose(float(wv.mean()), 1.0, atol=1e-4) and float(wv.std()) > 0  # weighted by the stated error
    with pytest.raises(ValueError, match="sources"):
        OutdoorExamples(root, sources=(9,))
    from synthrm.cli import main

    assert main(["train", "--model", "radiounet-s", "--data", str(root), "--out", str(tmp_path / "run"),
                 "--epochs", "1", "--max-steps-per-epoch", "1", "--width", "8", "--label-sources", "1,2",
                 "--label-weighting", "std", "--quiet"]) == 0
    assert main(["train", "--model", "radiounet-s", "--data", str(root), "--out", str(tmp_path / "bad"),
                 "--label-sources", "1,7", "--quiet"]) == 2


def torch_isin(t, codes) -> bool:
    return bool(np.isin(t.numpy(), codes).all())


def test_bad_radio_v2_settings_are_clear_errors():
    from synthrm.errors import ConfigError

    for over, msg in (({"samples_per_tx": "lots"}, "samples_per_tx: must be auto or an integer"),
                      ({"max_samples_per_tx": 0}, "max_samples_per_tx"),
                      ({"max_rays_per_frame": -1}, "max_rays_per_frame"),
                      ({"target_ray_share": 1.5}, "target_ray_share"),
                      ({"min_rays": 0}, "min_rays"), ({"fill": "yes"}, "radio.fill"),
                      ({"fill_max_rings": -1}, "fill_max_rings"), ({"exact_los": 1}, "exact_los")):
        with pytest.raises(ConfigError, match=msg):
            dataclasses.replace(RadioConfig(), **over)
