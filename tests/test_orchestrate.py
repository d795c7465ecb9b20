"""Graph-based view orchestration: SIFT and geometric overlap, Louvain communities, greedy
coverage selection, plan files and figure, on a tiny city with the real renderer."""
from __future__ import annotations

import json

import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera
from synthrm.errors import ConfigError, DatasetError
from synthrm.orchestrate import (
    Candidate,
    canyon_coverage,
    communities,
    compare_overlaps,
    facade_coverage,
    geometric_overlap,
    objective_value,
    orchestrate,
    plan_figure,
    plan_poses,
    random_subsets,
    read_plan,
    render_candidates,
    select_views,
    sensing_graph,
    sift_overlap,
    surface_cells,
    write_plan,
)
from synthrm.scene.layout import Layout

from conftest import tiny_config

N = 16
RES = [96, 72]


def _cfg(**over):
    return tiny_config(seed=5, camera={"resolution": RES, "view": "uav"}, render={"spp": 2}, **over)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """N rendered UAV candidates in a 2x2-block city, their cells and the layout."""
    root = tmp_path_factory.mktemp("orch")
    cfg = _cfg()
    cands = render_candidates(cfg, root, N, seed=1, progress=False)
    layout = Layout.load(root / "scenes" / "city-mix-0000")
    return root, cfg, cands, surface_cells(cands), layout


@pytest.fixture(scope="module")
def plan(scene):
    root, cfg, *_ = scene
    return orchestrate(cfg, root, candidates=8, k=3, seed=1, progress=False, random_trials=4, track_length=1)


def _texture(seed, shape=(140, 180)):
    import cv2

    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), 2.0)
    img = (img - img.min()) / np.ptp(img) * 255
    return np.repeat(img.astype(np.uint8)[..., None], 3, axis=2)


# --------------------------------------------------------------------------- candidates
def test_candidates_are_seeded_checked_and_complete(scene):
    root, cfg, cands, _, _ = scene
    assert [c.index for c in cands] == list(range(N))
    w, h = RES
    for c in cands:
        assert c.rgb.shape == (h, w, 3) and c.rgb.dtype == np.uint8
        assert c.position.shape == (h, w, 3) and c.semantic.shape == (h, w)
        assert (c.semantic > 0).mean() >= cfg.camera.min_coverage  # PoseStage's checks
    again = render_candidates(cfg, root, 2, seed=1, progress=False)
    for a, b in zip(again, cands):
        assert np.array_equal(a.cam_to_world, b.cam_to_world) and np.array_equal(a.rgb, b.rgb)
    other = render_candidates(cfg, root, 1, seed=2, progress=False)
    assert not np.allclose(other[0].cam_to_world, cands[0].cam_to_world)


# --------------------------------------------------------------------------- SIFT overlap
def _rgb_views(root, poses, res=(192, 144), spp=8):
    from synthrm._mitsuba import rgb_scope
    from synthrm.camera.pinhole import intrinsics
    from synthrm.color import linear_to_srgb8
    from synthrm.render.renderer import Renderer

    r = Renderer(root / "scenes" / "city-mix-0000")
    w, h = res
    with rgb_scope():
        return [linear_to_srgb8(r.rgb(PinholeCamera(intrinsics(w, h, 75.0), p, w, h), spp=spp, seed=1)) for p in poses]


def test_sift_overlap_self_high_unrelated_low(scene):
    from synthrm.camera.pinhole import look_at

    root, *_, layout = scene
    x0, y0, x1, y1 = layout.extent
    eye, centre = np.array([x0 + 30, y0 + 30, 70.0]), np.array([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])
    towards = look_at(eye, centre)
    away = look_at(eye, 2 * eye - centre)  # turned 180 degrees: open ground
    city, back = _rgb_views(root, [towards, away])
    tex = _texture(0)
    shifted = np.pad(tex[10:, 14:], ((0, 10), (0, 14), (0, 0)))  # the same texture, moved
    w = sift_overlap([city, city.copy(), back, tex, shifted, _texture(1)])
    assert w.shape == (6, 6) and np.allclose(w, w.T) and np.all(np.diag(w) == 1.0)
    assert np.all((w >= 0) & (w <= 1))
    assert w[0, 1] > 0.5  # a rendered view against itself
    assert w[0, 2] < 0.1 and w[0, 2] < w[0, 1]  # the camera turned around
    assert w[3, 4] > 0.3  # a moved texture: RANSAC-verified matches
    assert w[3, 5] < 0.05 and w[0, 3] < 0.05  # other textures, a city view against a texture


# --------------------------------------------------------------------------- geometry
def _views(renderer, poses, res=(64, 48)):
    from synthrm._mitsuba import rgb_scope
    from synthrm.camera.pinhole import intrinsics

    w, h = res
    K = intrinsics(w, h, 75.0)
    out = []
    with rgb_scope():
        for i, c2w in enumerate(poses):
            g = renderer.gbuffers(PinholeCamera(K, c2w, w, h))
            out.append(Candidate(i, 0, PinholeCamera(K, c2w, w, h), np.zeros((h, w, 3), np.uint8), g.position,
                                 g.normal, g.semantic))
    return out


def test_geometric_overlap_identical_one_opposite_zero(scene):
    from synthrm.camera.pinhole import pose_from_angles
    from synthrm.render.renderer import Renderer

    root, *_, layout = scene
    x0, y0, x1, y1 = layout.extent
    cy = (y0 + y1) / 2
    r = Renderer(root / "scenes" / "city-mix-0000")
    a = pose_from_angles([x0 + 5, cy, 40.0], 180.0, 35.0)  # west edge looking west
    b = pose_from_angles([x1 - 5, cy, 40.0], 0.0, 35.0)  # east edge looking east
    c = pose_from_angles([(x0 + x1) / 2, cy, 60.0], 90.0, 45.0)
    views = _views(r, [a, a.copy(), b, c])
    g = geometric_overlap(views)
    assert np.allclose(g, g.T) and np.allclose(np.diag(g), 1.0)
    assert g[0, 1] == pytest.approx(1.0)
    assert g[0, 2] == 0.0
    assert 0 <= g[0, 3] <= 1 and 0 <= g[2, 3] <= 1
    assert np.array_equal(geometric_overlap(surface_cells(views, 2.0)), geometric_overlap(views, 2.0))
    with pytest.raises(ConfigError, match="cell_m"):
        geometric_overlap(views, 0.0)


def test_geometric_cells_measure_facade_area(scene):
    _, _, cands, cells, layout = scene
    from synthrm.orchestrate import facade_area

    seen = facade_coverage(cells, range(N))
    assert 0 < seen <= 1.15 * facade_area(layout)  # the cells count each m^2 about once
    assert facade_coverage(cands, [0]) == facade_coverage(cells, [0])
    g = geometric_overlap(cells)
    assert g.shape == (N, N) and np.allclose(g, g.T) and (g >= 0).all() and (g <= 1).all()


def test_compare_overlaps():
    rng = np.random.default_rng(0)
    geo = rng.uniform(0, 1, (8, 8))
    geo = (geo + geo.T) / 2
    geo[geo < 0.3] = 0
    r = compare_overlaps(geo * 0.5, geo)
    assert r["pairs"] == 28 and r["pearson_r"] == pytest.approx(1.0) and r["spearman_r"] == pytest.approx(1.0)
    assert r["sift_edges_with_geo_overlap"] == 1.0 and r["geo_pairs_found_by_sift"] == 1.0
    flat = compare_overlaps(np.zeros((8, 8)), geo)
    assert flat["pearson_r"] is None and flat["sift_edges"] == 0 and flat["sift_edges_with_geo_overlap"] is None
    with pytest.raises(ConfigError):
        compare_overlaps(np.zeros((3, 3)), np.zeros((4, 4)))


# --------------------------------------------------------------------------- graph
def test_louvain_partitions_every_node_deterministically():
    rng = np.random.default_rng(3)
    w = np.zeros((14, 14))
    for blk in (range(0, 5), range(5, 11)):
        for i in blk:
            for j in blk:
                w[i, j] = rng.uniform(0.3, 0.9)
    w[4, 5] = 0.05  # a weak bridge; nodes 11-13 are isolated
    w = np.triu(w, 1) + np.triu(w, 1).T
    G = sensing_graph(w)
    assert G.number_of_nodes() == 14 and not any(u == v for u, v in G.edges)
    comms = communities(G, seed=7)
    flat = sorted(i for c in comms for i in c)
    assert flat == list(range(14))  # a partition
    assert {0, 1, 2, 3, 4} in comms and set(range(5, 11)) in comms
    assert all({i} in comms for i in (11, 12, 13))
    assert communities(G, seed=7) == comms and communities(sensing_graph(w), seed=7) == comms
    assert communities(sensing_graph(np.zeros((3, 3))), 0) == [{0}, {1}, {2}]
    assert sensing_graph(w, min_weight=0.1).number_of_edges() == G.number_of_edges() - 1


# --------------------------------------------------------------------------- selection
def test_select_views_serves_communities_and_beats_random(scene):
    _, _, _, cells, layout = scene
    comms = [set(range(0, 6)), set(range(6, 11)), set(range(11, 14)), {14}, {15}]
    k = 7
    sel = select_views(cells, comms, k, min_per_community=2, seed=0, layout=layout)
    assert len(sel) == k and len(set(sel)) == k and all(0 <= v < N for v in sel)
    for c in comms:  # sum of quotas 2+2+2+1+1 = 8 > k: the first k come one per round
        assert sum(v in c for v in sel) >= 1
    sel9 = select_views(cells, comms, 9, min_per_community=2, seed=0, layout=layout)
    for c in comms:  # k allows every quota
        assert sum(v in c for v in sel9) >= min(2, len(c))
    assert select_views(cells, comms, k, 2, seed=0, layout=layout) == sel  # deterministic

    rand = random_subsets(N, k, 15, seed=4)
    fac = [facade_coverage(cells, r) for r in rand]
    obj = [objective_value(cells, r, layout=layout) for r in rand]
    assert objective_value(cells, sel, layout=layout) >= np.median(obj)
    assert facade_coverage(cells, sel) >= np.median(fac)
    one = [[i] for i in range(N)]  # singleton communities: plain greedy coverage
    greedy = select_views(cells, one, k, min_per_community=0, layout=layout)
    assert facade_coverage(cells, greedy) >= np.median(fac)
    cs, cr = canyon_coverage(cells, greedy, layout), [canyon_coverage(cells, r, layout) for r in rand]
    if cs["sides"]:
        assert cs["fraction"] >= np.median([r["fraction"] for r in cr])

    with pytest.raises(ConfigError, match="k: must be an integer in"):
        select_views(cells, comms, N + 1)
    with pytest.raises(ConfigError, match="partition"):
        select_views(cells, comms[:-1], 3)


def test_canyon_sides_of_the_grid(scene):
    from synthrm.orchestrate import canyon_sides

    *_, cells, layout = scene
    sides = canyon_sides(layout)
    # 2x2 blocks: 3 + 3 streets, each cut by the 3 it crosses into 2 segments, 2 sides each
    assert len(layout.streets) == 6 and len(sides) == 6 * 2 * 2
    assert {(s.street, s.segment, s.side) for s in sides} == {(i, j, k) for i in range(6) for j in (0, 1) for k in (1, -1)}
    assert any(s.has_facade for s in sides)
    r = canyon_coverage(cells, range(N), layout)
    assert 0 < r["seen"] <= r["sides"] == sum(s.has_facade for s in sides)
    assert canyon_coverage(cells, [], layout)["seen"] == 0


# --------------------------------------------------------------------------- plan
def test_orchestrate_argument_checks(tmp_path):
    cfg = _cfg()
    for kw, msg in (({"candidates": 1}, "candidates: need at least 2"), ({"k": 0}, "k: must be"),
                    ({"candidates": 4, "k": 5}, "raise candidates to at least 5"),
                    ({"graph": "orb"}, "graph: must be one of")):
        with pytest.raises(ConfigError, match=msg):
            orchestrate(cfg, tmp_path, **{"candidates": 4, "k": 2, **kw})
    assert not (tmp_path / "scenes").exists()  # nothing rendered before the checks


def test_plan_round_trip_and_poses(scene, plan, tmp_path):
    root, cfg, cands, *_ = scene
    assert plan["scene_id"] == "city-mix-0000" and plan["scene_dir"] == "scenes/city-mix-0000"
    assert len(plan["candidates"]) == 8 and len(plan["selected"]) == 3 and plan["resolution"] == RES
    for c in plan["candidates"]:  # candidate i is the same pose for any count
        assert np.allclose(c["cam_to_world"], cands[c["index"]].cam_to_world, atol=1e-8)
    m = plan["metrics"]
    assert m["facade_coverage_m2"]["selected"] >= m["facade_coverage_m2"]["random"]["median"] * 0.999
    assert set(m["sift_vs_geometry"]) >= {"pearson_r", "spearman_r", "sift_edges_with_geo_overlap"}
    assert sorted(i for c in plan["communities"] for i in c) == list(range(8))
    path = write_plan(tmp_path / "plan.json", plan)
    back = read_plan(path)
    assert back == json.loads(json.dumps(plan))
    poses = plan_poses(back)
    assert len(poses) == 3
    for (c2w, comm), v in zip(poses, plan["selected"]):
        assert c2w.shape == (4, 4) and np.allclose(c2w, cands[v].cam_to_world, atol=1e-8)
        assert v in plan["communities"][comm]
    from synthrm.orchestrate import load_plan_views  # the generator accepts the plan for its city

    views = load_plan_views(_cfg(plan=str(path), frames=3, frames_per_scene=3))
    assert all(np.array_equal(a, b) and c == d for (a, c), (b, d) in zip(views, poses))

    bad = tmp_path / "cut.json"
    bad.write_text(path.read_text()[:200])
    with pytest.raises(DatasetError, match="cut.json.*(corrupt|truncated)"):
        read_plan(bad)
    d = json.loads(path.read_text())
    del d["selected"]
    bad.write_text(json.dumps(d))
    with pytest.raises(DatasetError, match=r"cut.json.*misses keys \['selected'\]"):
        read_plan(bad)
    with pytest.raises(DatasetError, match="no such plan file"):
        read_plan(tmp_path / "nothing.json")


def test_plan_figure_writes_png(scene, plan, tmp_path):
    root, *_ = scene
    png = plan_figure(plan, Layout.load(root / plan["scene_dir"]), tmp_path / "fig" / "plan.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_candidate_tracks_step_along_the_heading(scene):
    """Tracks: a track's first view is the independent candidate of that index; each next
    view is one step ahead (or starts a new track when the step is rejected), and
    consecutive views of a track overlap more than views in general."""
    from synthrm.orchestrate.candidates import TRACK_STEP_M

    root, cfg, cands, _, _ = scene
    tracks = render_candidates(cfg, root, 8, seed=1, progress=False, track_length=4)
    assert np.array_equal(tracks[0].cam_to_world, cands[0].cam_to_world)
    assert np.array_equal(tracks[4].cam_to_world, cands[4].cam_to_world)
    steps = 0
    for i in range(1, 8):
        if i % 4 == 0:
            continue
        d = np.linalg.norm(tracks[i].center[:2] - tracks[i - 1].center[:2])
        if abs(d - TRACK_STEP_M["uav"]) < 1e-6:
            steps += 1
            assert np.dot(tracks[i].cam_to_world[:3, 2], tracks[i - 1].cam_to_world[:3, 2]) > 0.95
        else:  # the step was rejected: a fresh candidate, as without tracks
            assert np.array_equal(tracks[i].cam_to_world, cands[i].cam_to_world)
    assert steps >= 3
    geo = geometric_overlap(tracks)
    consecutive = [geo[i, i + 1] for i in range(7) if (i + 1) % 4]
    iu = np.triu_indices(8, 1)
    assert np.mean(consecutive) > np.mean(geo[iu])
    with pytest.raises(ConfigError, match="track_length"):
        render_candidates(cfg, root, 2, track_length=0, progress=False)


@pytest.mark.slow
def test_cli_orchestrate_generate_plan_show(tmp_path):
    """`synthrm orchestrate` -> `generate --plan` -> `show plan.json`: the samples are the
    planned views, in order, with their community ids."""
    import yaml

    from synthrm.cli import main
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from conftest import TINY_CITY

    conf = tmp_path / "tiny.yaml"
    conf.write_text(yaml.safe_dump({"city": TINY_CITY, "render": {"spp": 2},
                                    "radio": {"samples_per_tx": 100000, "tx_per_frame": 1}}))
    plan_path = tmp_path / "plan" / "plan.json"
    assert main(["orchestrate", "--scene", "city-mix", "--config", str(conf), "--candidates", "8", "--views", "3",
                 "--resolution", "96x72", "--seed", "5", "--out", str(plan_path), "--quiet"]) == 0
    plan = read_plan(plan_path)
    assert len(plan["selected"]) == 3 and plan["settings"]["track_length"] == 4
    out = tmp_path / "ds"
    assert main(["generate", "--plan", str(plan_path), "--resolution", "64x48", "--no-radio",
                 "--out", str(out), "--quiet"]) == 0
    ids = [sid for _, sid in list_samples(out)]
    assert len(ids) == 3
    for sid, (c2w, comm) in zip(ids, plan_poses(plan)):
        s = read_sample(out, sid, ["cam_to_world", "rgb"])
        assert np.allclose(s["cam_to_world"], c2w) and s["attrs"]["community"] == comm
        assert s["rgb"].shape == (48, 64, 3)
    assert main(["show", str(plan_path), "--out", str(tmp_path / "graph.png")]) == 0
    assert (tmp_path / "graph.png").stat().st_size > 10_000
    # a plan for another city is refused with the reason
    assert main(["generate", "--plan", str(plan_path), "--seed", "6", "--no-radio",
                 "--out", str(tmp_path / "other"), "--quiet"]) == 2
