"""Analysis: point-biserial correlation against scipy, undefined
cases, signal statistics and the tests of bimodality (Sarle's coefficient, Hartigan's dip,
one Gaussian against two by BIC)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import pointbiserialr

from synthrm.analysis import (
    bimodality_coefficient,
    concept_correlations,
    dip_test,
    gaussian_mixture_bic,
    point_biserial,
    semantic_masks,
    signal_stats,
)
from synthrm.dataset.hdf5 import list_samples, read_sample


def test_point_biserial_equals_scipy_on_random_data():
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.normal(-100, 15, size=(24, 32))
        m = rng.random((24, 32)) < rng.uniform(0.1, 0.9)
        v[m] += rng.uniform(-10, 10)  # a real effect of the mask
        v[rng.random(v.shape) < 0.2] = np.nan  # unlabelled pixels are left out
        ok = np.isfinite(v)
        expect = pointbiserialr(m[ok].astype(float), v[ok]).statistic
        got = point_biserial(v, m)
        assert got.r == pytest.approx(expect, abs=1e-12)
        assert got.n1 + got.n0 == ok.sum()


def test_constant_mask_or_values_is_undefined_not_nan():
    v = np.linspace(-120, -60, 50)
    for m in (np.zeros(50, bool), np.ones(50, bool)):
        r = point_biserial(v, m)
        assert r.r is None and r.reason.startswith("undefined: the mask is constant")
    r = point_biserial(np.full(50, -90.0), np.arange(50) % 2 == 0)
    assert r.r is None and "path gain is constant" in r.reason
    # a mask that covers only unlabelled pixels is constant over the valid ones
    v2 = v.copy()
    v2[:10] = np.nan
    assert point_biserial(v2, np.arange(50) < 10).r is None
    with pytest.raises(ValueError, match="differ in shape"):
        point_biserial(v, np.ones(49, bool))


def test_concepts_on_a_generated_sample_match_scipy(tiny_dataset):
    root, _ = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    masks = semantic_masks(s["semantic"], s["material"])
    assert {"road", "building", "roof", "ground", "sidewalk"} <= set(masks)
    assert any(k.startswith("material:") for k in masks)
    pg = s["path_gain_db"][0]
    res = concept_correlations(pg, masks)
    ok = np.isfinite(pg)
    for name, r in res.items():
        m = masks[name][ok]
        if 0 < m.sum() < m.size:
            assert r.r == pytest.approx(pointbiserialr(m.astype(float), pg[ok]).statistic, abs=1e-9), name
            assert -1 <= r.r <= 1
        else:
            assert r.r is None


def test_signal_stats_and_bimodality():
    st = signal_stats(np.array([[-100.0, np.nan], [-80.0, -90.0]]))
    assert st == pytest.approx({"mean_db": -90.0, "max_db": -80.0, "std_db": np.std([-100, -80, -90]),
                                "labelled_fraction": 0.75})
    with pytest.raises(ValueError, match="no finite value"):
        signal_stats(np.full((2, 2), np.nan))
    rng = np.random.default_rng(1)
    two = np.concatenate([rng.normal(-110, 3, 400), rng.normal(-70, 3, 400)])
    one = rng.normal(-90, 5, 800)
    assert bimodality_coefficient(two) > 5 / 9 > bimodality_coefficient(one)



def test_dip_and_mixture_on_one_and_two_modes():
    rng = np.random.default_rng(2)
    one = rng.normal(-90, 5, 400)
    d1, m1 = dip_test(one, n_sim=300), gaussian_mixture_bic(one)
    assert d1["p"] > 0.2 and d1["n"] == 400
    assert m1["prefers"] == 1 and m1["delta_bic"] < 0
    two = np.concatenate([rng.normal(-110, 3, 300), rng.normal(-70, 4, 100), [np.nan, np.inf]])
    d2, m2 = dip_test(two, n_sim=300), gaussian_mixture_bic(two)
    assert d2["p"] < 0.01 and d2["n"] == 400
    assert m2["prefers"] == 2 and m2["delta_bic"] > 10
    assert m2["means"] == pytest.approx([-110, -70], abs=1.0)
    assert m2["stds"] == pytest.approx([3, 4], abs=0.6)
    assert m2["weights"] == pytest.approx([0.75, 0.25], abs=0.03)
    # seeded: the same numbers twice
    assert dip_test(two, n_sim=300) == d2 and gaussian_mixture_bic(two) == m2


def test_dip_known_values():
    rng = np.random.default_rng(3)
    # an equally spaced sample is its own unimodal fit: the minimum, 1/(2n)
    assert dip_test(np.arange(10.0), n_sim=10)["dip"] == pytest.approx(1 / 20)
    # two far clusters of weights w, 1 - w: min(w, 1 - w) / 2 (1/4 for equal weights)
    far = np.concatenate([rng.normal(0, 1, 200), rng.normal(1e5, 1, 200)])
    assert dip_test(far, n_sim=10)["dip"] == pytest.approx(0.25, abs=1e-3)
    far = np.concatenate([rng.normal(0, 1, 300), rng.normal(1e5, 1, 100)])
    assert dip_test(far, n_sim=10)["dip"] == pytest.approx(0.125, abs=1e-3)
    # uniform samples: sqrt(n) dip tends to a fixed distribution (Hartigan and Hartigan 1985),
    # median about 0.37, 95 % quantile about 0.53
    dips = [np.sqrt(500) * dip_test(rng.random(500), n_sim=1)["dip"] for _ in range(100)]
    assert 0.3 < np.median(dips) < 0.45 and 0.42 < np.percentile(dips, 95) < 0.65
    assert 1 / 1000 <= min(dips) / np.sqrt(500) and max(dips) / np.sqrt(500) <= 0.25


@settings(max_examples=25, deadline=None)
@given(shift=st.floats(-1e4, 1e4), scale=st.floats(1e-3, 1e3), seed=st.integers(0, 2 ** 16))
def test_dip_is_invariant_under_shift_and_scale(shift, scale, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(0, 1, 30), rng.normal(3, 0.5, 20)])
    a, b = dip_test(x, n_sim=20), dip_test(shift + scale * x, n_sim=20)
    assert b["dip"] == pytest.approx(a["dip"], rel=1e-6, abs=1e-9)
    assert b["p"] == a["p"]


@pytest.mark.parametrize("call, msg", [
    (lambda: dip_test([1.0, 2.0, np.nan]), "x: needs at least 4 finite values, got 2"),
    (lambda: dip_test(np.ones((3, 3))), r"x: must be a 1-D array of values, got shape \(3, 3\)"),
    (lambda: dip_test(np.arange(5.0), n_sim=0), "n_sim: must be an integer >= 1"),
    (lambda: gaussian_mixture_bic([1.0, 2.0, 3.0, 4.0]), "x: needs at least 5 finite values, got 4"),
    (lambda: gaussian_mixture_bic(np.full(6, 2.0)), "x: all finite values are equal"),
    (lambda: gaussian_mixture_bic(np.arange(6.0), n_starts=0), "n_starts: must be an integer >= 1"),
    (lambda: gaussian_mixture_bic(np.arange(6.0), tol=0), "tol: must be > 0"),
])
def test_bimodality_tests_name_the_bad_argument(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()

def test_dataset_analysis_rows_and_table(tiny_dataset):
    from synthrm.analysis.dataset import analyse_dataset, correlation_table

    root, cfg = tiny_dataset
    res = analyse_dataset([root])
    n_maps = sum(int(np.isfinite(read_sample(root, sid, ["path_gain_db"])["path_gain_db"][t]).any())
                 for _, sid in list_samples(root) for t in range(cfg.radio.tx_per_frame))
    assert len(res["rows"]) == n_maps
    summ = res["districts"]["mix"]
    assert summ["maps"] == n_maps
    b = summ["concepts"]["building"]
    assert b["defined"] + b["undefined"] == n_maps
    tab = correlation_table(res)
    assert tab.splitlines()[0] == "| concept | mix |" and "| building |" in tab


@pytest.mark.parametrize("fmt", ["nerfstudio", "colmap"])
def test_pose_export_round_trip(fmt, tiny_dataset, tmp_path):
    """Poses written in the tool's convention and read back give the same camera centres
    and viewing directions; the nerfstudio camera looks along its -z axis."""
    from synthrm.export import export_dataset, read_colmap_poses, read_nerfstudio_poses

    root, _ = tiny_dataset
    p = export_dataset(root, fmt, tmp_path / fmt)
    back = read_nerfstudio_poses(p) if fmt == "nerfstudio" else read_colmap_poses(p)
    ids = [sid for _, sid in list_samples(root)]
    assert sorted(back) == ids
    for sid in ids:
        c2w = read_sample(root, sid, ["cam_to_world"])["cam_to_world"]
        np.testing.assert_allclose(back[sid][:3, 3], c2w[:3, 3], atol=1e-6)
        np.testing.assert_allclose(back[sid][:3, 2], c2w[:3, 2], atol=1e-9)  # forward
        np.testing.assert_allclose(back[sid][:3, 1], c2w[:3, 1], atol=1e-9)  # image down
    if fmt == "nerfstudio":
        import json as _json

        doc = _json.loads(p.read_text())
        f = doc["frames"][0]
        gl = np.asarray(f["transform_matrix"])
        c2w = read_sample(root, ids[0], ["cam_to_world"])["cam_to_world"]
        np.testing.assert_allclose(-gl[:3, 2], c2w[:3, 2], atol=1e-9)
        assert (tmp_path / fmt / f["depth_file_path"]).is_file()
    else:
        pts = (tmp_path / fmt / "points3D.txt").read_text().splitlines()
        assert len(pts) > 10 and (tmp_path / fmt / "cameras.txt").read_text().count("PINHOLE") == len(ids)


def test_quaternion_round_trip_all_branches():
    from scipy.spatial.transform import Rotation

    from synthrm.export.formats import quaternion_to_rotation, rotation_to_quaternion

    for R in Rotation.random(200, random_state=3).as_matrix().tolist() + [np.diag([1, -1, -1]).tolist(),
                                                                           np.diag([-1, 1, -1]).tolist(),
                                                                           np.diag([-1, -1, 1]).tolist()]:
        R = np.asarray(R, np.float64)
        q = rotation_to_quaternion(R)
        np.testing.assert_allclose(quaternion_to_rotation(q), R, atol=1e-9)
        xyzw = Rotation.from_matrix(R).as_quat()
        ref = np.r_[xyzw[3], xyzw[:3]]
        ref = ref if ref[0] >= 0 else -ref
        assert np.allclose(q, ref, atol=1e-9) or np.isclose(q[0], 0)


def test_ply_export_writes_meshes(tiny_dataset, tmp_path):
    from synthrm.cli import main

    root, cfg = tiny_dataset
    assert main(["export", str(root), "--format", "ply", "--out", str(tmp_path / "ply")]) == 0
    out = tmp_path / "ply"
    assert len(list(out.glob("*_tx*.ply"))) == len(list_samples(root)) * cfg.radio.tx_per_frame
    assert list((out / "scenes").rglob("*.ply"))


def test_report_page(tiny_dataset, tmp_path):
    """The report holds the card, the figures and the sample panels; in headless Chromium
    (when installed) it loads with no console error and its screenshot is not blank."""
    import shutil as _shutil
    import subprocess

    from synthrm.cli import main

    root, _ = tiny_dataset
    out = tmp_path / "report"
    assert main(["report", str(root), "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    for needle in ("Dataset card", "statistics.png", "correlation_cdf.png", f"tx_map_{root.name}.png",
                   "Semantic-radio correlation", "sample_"):
        assert needle in page, needle
    for img in ("statistics.png", "correlation_cdf.png"):
        assert (out / img).stat().st_size > 5000
    import re

    for src in re.findall(r"<img src='([^']+)'", page):
        assert (out / src).is_file(), src  # every figure the page shows exists
    chrome = _shutil.which("chromium") or _shutil.which("chromium-browser")
    if chrome is None:
        pytest.skip("Chromium not installed (Debian package `chromium`): page checked as text only")
    shot = tmp_path / "shot.png"
    r = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                        f"--screenshot={shot}", "--window-size=1400,2400", (out / "index.html").as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert shot.is_file(), r.stderr[-2000:]
    errors = [ln for ln in r.stderr.splitlines() if ":CONSOLE" in ln]  # the page has no script: any is an error
    assert not errors, errors
    from PIL import Image

    a = np.asarray(Image.open(shot).convert("L"), np.float64)
    assert a.std() > 10  # figures drawn, not a blank page


def test_line_of_sight_and_tx_context_on_a_known_layout():
    from shapely.geometry import Polygon

    from synthrm.analysis.geometry import height_map, line_of_sight, line_of_sight_sweep, tx_context
    from synthrm.scene.city import Building, Street
    from synthrm.scene.layout import Layout

    # a 20 m box at x 40..60, y 60..80; streets along y = 50 and x = 20
    lay = Layout((0, 0, 100, 100), [Building(Polygon([(40, 60), (60, 60), (60, 80), (40, 80)]), 20.0, "rect")],
                 [Street((0, 50), (100, 50), 10.0), Street((20, 0), (20, 100), 10.0)], 3.0)
    hm = height_map(lay)
    tx = np.array([50.0, 55.0, 1.6])
    pts = np.array([[50, 90, 1.0],    # behind the box: blocked
                    [50, 90, 200.0],  # high above it: clear
                    [90, 55, 1.0],    # along the street: clear
                    [50, 60, 5.0],    # on the facade facing the Tx: clear (its own surface)
                    [np.nan] * 3])
    assert line_of_sight(pts, tx, hm).tolist() == [False, True, True, True, False]
    assert line_of_sight_sweep(pts, tx, hm).tolist() == [False, True, True, True, False]
    assert tx_context(lay, (20, 50)) == "crossing"
    assert tx_context(lay, (80, 5)) == "open"
    assert tx_context(lay, (62, 70)) == "near building"


@pytest.mark.parametrize("seed", range(4))
def test_line_of_sight_sweep_matches_a_fine_march(seed):
    """The viewshed form against the segment march at 0.1 m steps, on random boxes of
    random heights, a random Tx (street level to above the roofs) and points on the
    ground and in the air: the same verdict on at least 98.5 % of the points,
    and both verdicts occur (the test would catch an always-True or always-False form)."""
    from shapely.geometry import box

    from synthrm.analysis.geometry import height_map, line_of_sight, line_of_sight_sweep
    from synthrm.scene.city import Building
    from synthrm.scene.layout import Layout

    rng = np.random.default_rng(seed)
    blds = []
    for _ in range(12):
        x, y = rng.uniform(10, 170, 2)
        w, d = rng.uniform(8, 25, 2)
        blds.append(Building(box(x, y, x + w, y + d), float(rng.uniform(5, 60)), "rect"))
    hm = height_map(Layout((0, 0, 200, 200), blds, [], 3.0))
    tx = np.array([*rng.uniform(20, 180, 2), rng.uniform(1.5, 70)])
    pts = np.column_stack([rng.uniform(0, 200, 3000), rng.uniform(0, 200, 3000), rng.uniform(0, 80, 3000)])
    pts[:1000, 2] = 0.0  # on the ground
    pts[-5:] = np.nan
    fine = line_of_sight(pts, tx, hm, step_m=0.1)
    sweep = line_of_sight_sweep(pts, tx, hm, step_m=1.0)
    assert not sweep[-5:].any()
    assert 0.05 < fine.mean() < 0.95
    assert (sweep == fine).mean() >= 0.985  # 0.992-0.998 on seeds 0-7; 99.8 % on the test views


def test_line_of_sight_sweep_refuses_bad_steps():
    from synthrm.analysis.geometry import line_of_sight_sweep

    hm = (np.zeros((4, 4), np.float32), (0.0, 0.0), 1.0)
    with pytest.raises(ValueError, match="step_m and lateral_m must be > 0"):
        line_of_sight_sweep(np.zeros((1, 3)), np.ones(3), hm, step_m=0.0)


def test_height_map_equals_testing_every_cell():
    """The height map tests only each footprint's bounding-box cells: the same map as
    testing every cell of the grid, with footprints that overlap and overhang the extent."""
    import shapely
    from shapely.geometry import Polygon, box

    from synthrm.analysis.geometry import height_map
    from synthrm.scene.city import Building
    from synthrm.scene.layout import Layout

    rng = np.random.default_rng(3)
    blds = [Building(box(*(xy := rng.uniform(-10, 90, 2)), *(xy + rng.uniform(5, 30, 2))), float(rng.uniform(5, 50)),
                     "rect") for _ in range(10)]
    blds.append(Building(Polygon([(20, 20), (60, 25), (40, 70)]), 12.0, "poly"))
    hm, (x0, y0), cell = height_map(Layout((0, 0, 100, 80), blds, [], 3.0), cell_m=1.0)
    gx, gy = np.meshgrid(x0 + (np.arange(hm.shape[1]) + 0.5) * cell, y0 + (np.arange(hm.shape[0]) + 0.5) * cell)
    brute = np.zeros_like(hm)
    for b in blds:
        inside = shapely.contains_xy(b.footprint, gx, gy)
        brute[inside] = np.maximum(brute[inside], b.height_m)
    np.testing.assert_array_equal(hm, brute)
    assert (hm > 0).mean() > 0.1
