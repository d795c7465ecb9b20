"""``synthrm view`` (synthrm.viewer): what it draws (layers found by shape and dtype, the
textured surface, colour ranges, tone-mapping compensation), the live server's controls,
bad input, the static export, and, in headless Chromium, the viewer and the report's 3D
sample page on a generated dataset."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from synthrm.camera.pinhole import PinholeCamera, pose_from_angles
from synthrm.cli import main
from synthrm.dataset.hdf5 import SCHEMA_VERSION, ShardWriter, sha256, write_index
from synthrm.viewer import glb, model, tone

W, H = 48, 36
MECHANISMS = {"0": "none", "1": "line of sight", "2": "reflection"}


def _ground_depth(cam: PinholeCamera) -> np.ndarray:
    """z-depth [m] of the plane z = 0 seen by ``cam``; NaN above the horizon (sky)."""
    r = cam.world_rays()
    with np.errstate(divide="ignore", invalid="ignore"):
        d = -cam.center[2] / r[..., 2]
    return np.where((r[..., 2] < -1e-6) & (d < 2000), d, np.nan).astype(np.float32)


def fake_city(root: Path, scenes: bool = True, vas: bool = True, frames: int = 2) -> Path:
    """A city dataset written directly (no renderer, no ray tracer): a ground plane and one
    box building as its scene, frames looking at the ground, path gain falling with the
    distance to 2 Tx (4x4 arrays), provenance, semantic class, and a categorical
    ``path_gain_mechanism`` layer named by a sample attribute (with one unnamed code, 7)."""
    from synthrm.scene.mesh import box_mesh
    from synthrm.scene.writer import write_scene
    from synthrm.vas.mesh import build_vas

    if scenes:
        g = (np.array([[-150, -150, 0], [150, -150, 0], [150, 150, 0], [-150, 150, 0]], np.float64),
             np.array([[0, 1, 2], [0, 2, 3]]))
        lane = (np.array([[-1, -100, 0.01], [1, -100, 0.01], [1, 100, 0.01], [-1, 100, 0.01]], np.float64),
                np.array([[0, 1, 2], [0, 2, 3]]))
        write_scene(root / "scenes" / "s0", {"ground": g, "facade": box_mesh((10, 10, 0), (30, 30, 20)),
                                             "lane_markings": lane},
                    shape_info={"lane_markings": {"semantic": "road", "radio": False}},
                    footprints={"extent_m": [-150, -150, 150, 150], "streets": [], "buildings": [
                        {"footprint": [[10, 10], [30, 10], [30, 30], [10, 30]], "height_m": 20.0, "kind": "rect"}]})
    tx = np.array([[0.0, 20.0, 10.0], [-40.0, 60.0, 25.0]])
    rng = np.random.default_rng(0)
    with ShardWriter(root / "shards" / "shard-00000.h5", {"seed": 0}) as w:
        for i in range(frames):
            cam = PinholeCamera.from_fov(W, H, 75.0, pose_from_angles((5.0 * i, -40.0, 30.0), 90.0, 35.0))
            depth = _ground_depth(cam)
            mesh = build_vas(depth, cam)
            d = np.linalg.norm(mesh.face_centers[None] - tx[:, None], axis=-1)
            face_pg = (-40.0 - 20 * np.log10(d)).astype(np.float32)
            face_pg[:, ::7] = np.nan  # faces without a label
            pg = mesh.face_to_pixel(face_pg)
            src = np.where(np.isfinite(pg), 1, 0).astype(np.uint8)
            src[:, :, : W // 3][np.isfinite(pg[:, :, : W // 3])] = 3
            mech = np.where(np.isfinite(pg), 1, 0).astype(np.uint8)
            mech[:, H // 2:][np.isfinite(pg[:, H // 2:])] = 2
            mech[:, -1, -1] = 7
            arrays = {"rgb": rng.integers(0, 256, (H, W, 3), dtype=np.uint8), "depth": depth, "K": cam.K,
                      "cam_to_world": cam.cam_to_world, "tx_position": tx, "path_gain_db": pg,
                      "sinr_db": pg + 100.0}
            if scenes:  # a dataset we made: the optical and provenance arrays too
                arrays.update(semantic=np.where(np.isfinite(depth), 3, 0).astype(np.uint8), path_gain_source=src,
                              path_gain_mechanism=mech, tx_orientation=np.zeros((2, 3)))
            if vas:
                arrays.update(vas_vertices=mesh.vertices, vas_faces=mesh.faces, vas_path_gain_db=face_pg)
            w.write(f"{i:06d}", arrays, {"scene_id": "s0" if scenes else "block_0", "district": "mix", "view": "uav",
                                          "antenna": "4x4", "path_gain_mechanism_names": MECHANISMS})
    idx = {"synthrm_version": "test", "schema_version": SCHEMA_VERSION, "seed": 0,
           "config": {"frames": frames, "camera": {"resolution": [W, H]}, "radio": {"tx_per_frame": 2}},
           "shards": [{"file": "shards/shard-00000.h5", "samples": w.sample_ids, "sha256": sha256(w.path)}]}
    if not scenes:
        idx.update(source={"format": "synthrm-platform"}, absent=["vas_vertices", "semantic"])
    write_index(root, idx)
    return root


@pytest.fixture
def city(tmp_path):
    return fake_city(tmp_path / "city")


def _sample(root, sid="000000"):
    from synthrm.dataset.hdf5 import read_sample

    return read_sample(root, sid)


# ----------------------------------------------------------------------------- model

def test_glb_round_trip_and_its_material():
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1]], np.float32)
    f = np.array([[0, 1, 3], [0, 3, 2]])
    uv = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], np.float32)
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    data = glb.textured_mesh_glb(v, f, uv, glb.png_bytes(img))
    back = glb.read_glb(data)
    np.testing.assert_array_equal(back["vertices"], v)
    np.testing.assert_array_equal(back["faces"], f)
    np.testing.assert_array_equal(back["uv"], uv)
    np.testing.assert_array_equal(back["image"], img)
    doc = back["json"]
    assert doc["materials"][0]["extensions"] == {"KHR_materials_unlit": {}}
    assert doc["samplers"][0]["magFilter"] == 9728  # nearest: one colour per pixel
    assert doc["accessors"][0]["max"] == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="uv has 3 rows"):
        glb.textured_mesh_glb(v, f, uv[:3], glb.png_bytes(img))
    with pytest.raises(ValueError, match="face indices"):
        glb.textured_mesh_glb(v, f + 2, uv, glb.png_bytes(img))


def test_tone_mapping_matches_the_browser_and_is_undone():
    """tonemap() reproduces pixels Chromium rendered through viser (unlit texture colour
    -> screen), and untonemap() undoes it for the colours the viewer uses."""
    from matplotlib import colormaps

    from synthrm.viz import SEMANTIC_COLORS, SOURCE_COLORS

    rendered = {(253, 231, 37): (229, 219, 100), (68, 1, 84): (47, 0, 73), (31, 161, 135): (40, 176, 150),
                (145, 145, 145): (161, 161, 161), (255, 255, 255): (226, 226, 226), (0, 0, 0): (0, 0, 0)}
    for c, seen in rendered.items():
        assert tuple(tone.tonemap(np.array(c, np.uint8)).tolist()) == seen
    lut = np.round(colormaps["viridis"](np.linspace(0, 0.84, 200))[:, :3] * 255).astype(np.uint8)
    assert np.abs(tone.displayed(lut).astype(int) - lut).max() <= 2
    for table in (SOURCE_COLORS[1:], SEMANTIC_COLORS[1:6]):  # the label codes (not "no value" white, not sky)
        assert np.abs(tone.displayed(table).astype(int) - table).max() <= 5


def test_layers_are_found_by_shape_and_dtype(city):
    s = _sample(city)
    layers = {ly.key: ly for ly in model.find_layers(s)}
    assert list(layers)[:3] == ["path_gain_db", "path_gain_source", "path_gain_mechanism"]
    assert layers["path_gain_db"].kind == layers["sinr_db"].kind == "continuous"
    assert "depth" not in layers and "rgb" not in layers and "K" not in layers
    mech = layers["path_gain_mechanism"]
    assert mech.kind == "categorical" and mech.per_tx
    assert mech.names == {0: "none", 1: "line of sight", 2: "reflection", 7: "code 7"}  # named by the attribute
    assert len(set(mech.colors.values())) == 4
    from synthrm.radio.labels import SOURCE_NAMES

    assert layers["path_gain_source"].names == SOURCE_NAMES
    assert layers["semantic"].names[3] == "ground" and not layers["semantic"].per_tx
    # colours: NaN grey, values through the colour map, codes in their colours
    pg = s["path_gain_db"][1]
    img = model.layer_image(s, layers["path_gain_db"], 1, -100.0, -60.0)
    assert (img[~np.isfinite(pg)] == model.NO_VALUE_RGB).all()
    fin = np.isfinite(pg)
    from synthrm.radio.export import colorize_db

    np.testing.assert_array_equal(img[fin], colorize_db(pg[fin], -100.0, -60.0)[0])
    cat = model.layer_image(s, mech, 0)
    np.testing.assert_array_equal(cat[s["path_gain_mechanism"][0] == 2], np.broadcast_to(mech.colors[2], cat[
        s["path_gain_mechanism"][0] == 2].shape))
    with pytest.raises(Exception, match="transmitters 0..1"):
        model.layer_image(s, mech, 5)


def test_colour_range_is_fixed_over_the_dataset(city):
    lo, hi = model.value_range(city, "path_gain_db")
    assert lo % 5 == 0 and hi % 5 == 0 and lo < hi
    vals = np.concatenate([_sample(city, sid)["path_gain_db"].ravel() for sid in ("000000", "000001")])
    vals = vals[np.isfinite(vals)]
    assert lo <= np.percentile(vals, 2) and np.percentile(vals, 98) <= hi and hi - lo < np.ptp(vals) + 10
    assert model.value_range(city, "no_such_array") == (0.0, 1.0)


def test_surface_texture_coordinates_are_the_pixels_the_vertices_came_from(city):
    from synthrm.vas.mesh import build_vas

    s = _sample(city)
    srf = model.sample_surface(s)
    assert srf.source == "vas" and len(srf.faces) == len(s["vas_faces"])
    m = build_vas(s["depth"], PinholeCamera.from_sample(s))
    np.testing.assert_allclose(srf.uv * [W, H] - 0.5, m.vertex_pixel[:, ::-1], atol=1e-4)
    small = model.sample_surface(s, max_faces=len(s["vas_faces"]) // 3)
    assert len(small.faces) <= len(s["vas_faces"]) // 3 and "stride" in small.source
    assert small.uv.min() > 0 and small.uv.max() < 1


def test_scene_meshes_by_class_and_decimation(city):
    from synthrm.viz import SEMANTIC_COLORS

    meshes, info = model.scene_meshes(city / "scenes" / "s0")
    assert {m.name for m in meshes} == {"ground", "facade"} and not info["decimated"]
    assert {m.name: m.rgb for m in meshes}["facade"] == tuple(SEMANTIC_COLORS[4])
    both, _ = model.scene_meshes(city / "scenes" / "s0", camera_only=True)
    assert {m.name for m in both if not m.radio} == {"lane_markings"}
    lod, info = model.scene_meshes(city / "scenes" / "s0", max_faces=12)  # walls from the footprints
    assert info["decimated"] == "footprints" and info["faces"] <= 12 < info["faces_stored"]
    walls = {m.name: m for m in lod}["facade_footprints"]
    assert len(walls.faces) == 8 and walls.vertices[:, 2].max() == 20.0 and "facade" not in {m.name for m in lod}
    few, info = model.scene_meshes(city / "scenes" / "s0", max_faces=9)  # 8 wall triangles + the ground's 2
    assert info["decimated"] == "footprints+clustering" and info["faces"] <= 9


def test_boresight_of_arrays_only(city):
    s = _sample(city)
    np.testing.assert_allclose(model.tx_boresights(s), [[1, 0, 0], [1, 0, 0]], atol=1e-12)
    s["attrs"]["antenna"] = "siso"
    assert model.tx_boresights(s) is None


# ----------------------------------------------------------------------------- bad input

def test_a_dataset_without_scenes_shows_what_it_has_and_says_what_is_missing(tmp_path, capsys):
    imp = fake_city(tmp_path / "imp", scenes=False, vas=False)
    info = model.describe(imp)
    assert info["imported"] == "synthrm-platform" and info["scenes_missing"] == ["block_0"]
    text = " ".join(info["missing"])
    assert "scenes/block_0" in text and "VAS mesh" in text and "label provenance" in text
    s = _sample(imp)
    srf = model.sample_surface(s)  # the surface from the depth map instead
    assert "no VAS stored" in srf.source and len(srf.faces) > 100
    out = tmp_path / "v.html"
    assert main(["view", str(imp), "--static", str(out)]) == 0
    page = out.read_text()
    assert "__VISER_EMBED_DATA__" in page and "missing: city meshes" in page and "/path_gain_db" in page


def _busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]


def test_busy_port_and_bad_paths_are_one_line_errors(city, tmp_path, capsys):
    s, port = _busy_port()
    try:
        assert main(["view", str(city), "--port", str(port)]) == 2
    finally:
        s.close()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"--port {port}" in err and "choose a free port" in err, err
    for argv, msg in ((["view", str(tmp_path / "nope")], "no such dataset folder"),
                      (["view", str(city), "--sample", "999999"], "--sample '999999': not in"),
                      (["view", str(city), "--port", "70000"], "must be in 1..65535"),
                      (["view", str(tmp_path / "p.json"), "--static", "x.html"], "a static page is made for")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and msg in err, (argv, err)


# ----------------------------------------------------------------------------- server

def test_live_controls_change_what_is_drawn(city):
    """In-process server: the Tx selector and the layer menu recolour the surface (the
    GLB's texture), the slider loads another sample, a layer switch takes its range."""
    from synthrm.viewer.server import stop_server, free_port, serve

    srv, view = serve(city, port=free_port(), block=False, log=lambda m: None)
    try:
        def texture():
            return glb.read_glb(srv.scene.get_handle_by_name("/vas").glb_data)["image"]

        assert view.last_load_s < 2.0
        t0 = texture()
        assert sorted(view.tx.options) == ["Tx 0", "Tx 1"]
        assert "dominant mechanism" in view.layer.options and "label provenance" in view.layer.options
        view.tx.value = "Tx 1"
        t1 = texture()
        assert (t0 != t1).any(axis=-1).mean() > 0.3
        assert (view.vmin.value, view.vmax.value) == model.value_range(city, "path_gain_db")
        view.layer.value = "dominant mechanism"
        assert "line of sight" in view.bar.content and view.vmin.disabled
        view.layer.value = "SINR [dB]"
        assert (view.vmin.value, view.vmax.value) == model.value_range(city, "sinr_db")
        view.slider.value = 1
        assert view.index == 1 and "000001" in view.sample_md.content
        assert srv.scene.get_handle_by_name("/frames/f000000") is not None  # the other frame's frustum
        view.show_tx.value = False
        assert not srv.scene.get_handle_by_name("/transmitters").visible
    finally:
        stop_server(srv)


# ----------------------------------------------------------------------------- browser
from browser import Browser, find_chromium  # noqa: E402

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="Chromium not installed (Debian `chromium`)")


def _viridis_share(img: np.ndarray) -> float:
    """Share of pixels within 3 of a colour the path-gain colour bar shows."""
    from matplotlib import colormaps
    from scipy.spatial import cKDTree

    lut = tone.displayed(np.round(colormaps["viridis"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8))
    d, _ = cKDTree(lut.astype(float)).query(img.reshape(-1, 3).astype(float))
    return float((d <= 3).mean())


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.abs(a.astype(int) - b.astype(int)).sum(-1) > 30).mean())


def _settle(b: Browser, timeout_s: float = 30.0) -> np.ndarray:
    """Screenshots until two in a row agree (the scene finished loading and drawing)."""
    prev, t0 = b.screenshot(), time.time()
    while time.time() - t0 < timeout_s:
        time.sleep(1.0)
        cur = b.screenshot()
        if _changed(prev, cur) < 0.001:
            return cur
        prev = cur
    return prev


@needs_chromium
@pytest.mark.slow
def test_view_in_chromium(tiny_dataset, tmp_path):
    """`synthrm view` on a generated dataset, in headless Chromium: the scene renders (not
    blank, the path-gain colours on screen), no console error, and choosing another Tx in
    the GUI recolours the surface."""
    from synthrm.viewer.server import free_port

    root, _ = tiny_dataset
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "synthrm.cli", "view", str(root), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        while not any(f"http://127.0.0.1:{port}" in ln for ln in lines) and proc.poll() is None and len(lines) < 20:
            lines.append(proc.stdout.readline())
        assert f"http://127.0.0.1:{port}" in lines[-1], "".join(lines) + (proc.stdout.read() if proc.poll() else "")
        with Browser() as b:
            b.goto(f"http://127.0.0.1:{port}")
            assert b.wait_for("document.body.innerText.includes('sample loaded in')", 60)
            a = _settle(b)
            Image = pytest.importorskip("PIL.Image")
            Image.fromarray(a).save(tmp_path / "view_tx0.png")
            assert a.std() > 20, "blank page"
            assert _viridis_share(a) > 0.01, "no path-gain colours on screen"
            tx0 = "Array.from(document.querySelectorAll('input')).find(e => e.value === 'Tx 0')"
            assert b.click_selector(tx0)
            assert b.wait_for("document.querySelectorAll('[role=option]').length > 0", 10)
            assert b.click_selector("Array.from(document.querySelectorAll('[role=option]'))"
                                    ".find(e => e.textContent.trim() === 'Tx 1')")
            assert b.wait_for("Array.from(document.querySelectorAll('input')).some(e => e.value === 'Tx 1')", 10)
            c = _settle(b)
            Image.fromarray(c).save(tmp_path / "view_tx1.png")
            assert _changed(a, c) > 0.01, "the Tx selector did not change the surface colours"
            assert _viridis_share(c) > 0.01
            assert not b.errors(), b.errors()
    finally:
        proc.terminate()
        proc.wait(20)


@needs_chromium
@pytest.mark.slow
def test_report_sample_page_embeds_the_static_view(tiny_dataset, tmp_path):
    """The report's sample page shows the static 3D view (viser's serialised scene, no
    server) in a frame; the view page itself renders with no console error, and showing
    Tx 1 instead of Tx 0 in its scene tree recolours the surface."""
    root, _ = tiny_dataset
    out = tmp_path / "report"
    assert main(["report", str(root), "--out", str(out)]) == 0
    index = (out / "index.html").read_text()
    pages = re.findall(r"<a href='(sample_[^']+\.html)'>", index)
    assert pages and all((out / p).is_file() for p in pages)
    page = (out / pages[0]).read_text()
    view = re.search(r"<iframe src='([^']+)'", page).group(1)
    assert (out / view).is_file() and "__VISER_EMBED_DATA__" in (out / view).read_text()
    with Browser() as b:
        b.goto((out / pages[0]).as_uri())
        shot = _settle(b)
        assert shot.std() > 20 and _viridis_share(shot) > 0.005, "the embedded view is blank"
        assert not b.errors(), b.errors()
    with Browser() as b:
        b.goto((out / view).as_uri())
        assert b.wait_for("document.querySelector('[aria-label=\"Show scene tree\"]') !== null", 60)
        a = _settle(b)
        assert a.std() > 20 and _viridis_share(a) > 0.01
        assert b.click_selector("document.querySelector('[aria-label=\"Show scene tree\"]')")
        assert b.wait_for("document.querySelector('[data-scene-node=\"/path_gain_db\"]') !== null", 10)
        assert b.click_selector("document.querySelector('[data-scene-node=\"/path_gain_db\"]').firstElementChild")
        assert b.wait_for("document.querySelector('[data-scene-node=\"/path_gain_db/tx1\"]') !== null", 10)
        a = _settle(b)

        def eye(node):
            return f"document.querySelector('[data-scene-node=\"{node}\"] svg[class*=tabler-icon-eye]')"

        assert b.click_selector(eye("/path_gain_db/tx0")) and b.click_selector(eye("/path_gain_db/tx1"))
        c = _settle(b)
        assert _changed(a, c) > 0.01, "showing Tx 1 did not change the surface colours"
        assert _viridis_share(c) > 0.01
        assert not b.errors(), b.errors()


# ----------------------------------------------------------------------------- indoor, plan

def fake_indoor(root: Path) -> Path:
    """An indoor dataset written directly: one apartment (walls of plasterboard, a concrete
    floor, a ceiling) and 2 Tx entries with 3 receiver planes."""
    from synthrm.scene.classes import MATERIAL_IDS, SEMANTIC_IDS

    shape = (20, 16, 10)
    occ = np.zeros(shape, np.float32)
    sem = np.full(shape, -1, np.int16)
    occ[:, :, 0], sem[:, :, 0] = 1, SEMANTIC_IDS["floor"]
    occ[:, :, -1], sem[:, :, -1] = 1, SEMANTIC_IDS["ceiling"]
    for sl in (np.s_[0, :, 1:-1], np.s_[-1, :, 1:-1], np.s_[:, 0, 1:-1], np.s_[:, -1, 1:-1]):
        occ[sl], sem[sl] = 1, SEMANTIC_IDS["wall"]
    sdir = root / "scenes" / "apt-0000"
    sdir.mkdir(parents=True)
    (sdir / "scene.json").write_text(json.dumps({"shapes": [
        {"id": n, "semantic_id": SEMANTIC_IDS[n], "radio_material": m, "material_id": MATERIAL_IDS[m]}
        for n, m in (("wall", "plasterboard"), ("floor", "concrete"), ("ceiling", "ceiling_board"))]}))
    heights = [0.6, 1.1, 1.6]
    with ShardWriter(root / "shards" / "shard-00000.h5", {"seed": 0}) as w:
        for t in range(2):
            tx = np.array([0.5 + t, 0.8, 1.2], np.float32)
            x = (np.arange(shape[0]) + 0.5) * 0.1
            y = (np.arange(shape[1]) + 0.5) * 0.1
            d = np.hypot(x[:, None] - tx[0], y[None] - tx[1])
            pl = np.stack([40 + 20 * np.log10(np.hypot(d, h - tx[2]) + 0.1) for h in heights]).astype(np.float32)
            w.write(f"apt-0000-tx{t:02d}", {"occupancy": occ, "semantic": sem, "tx_position": tx, "path_loss_db": pl,
                                            "fill_mask": np.zeros(pl.shape, bool)},
                    {"scene_id": "apt-0000", "split": "train", "voxel_size_m": 0.1, "grid_origin_m": [0.0, 0.0, 0.0],
                     "heights_m": heights, "filled_fraction": 0.0})
    write_index(root, {"kind": "indoor", "synthrm_version": "test", "seed": 0, "config": {},
                       "shards": [{"file": "shards/shard-00000.h5", "samples": w.sample_ids, "sha256": sha256(w.path)}]})
    return root


def test_indoor_view_voxels_by_material_and_planes(tmp_path):
    from synthrm.viewer.server import stop_server, free_port, serve

    root = fake_indoor(tmp_path / "indoor")
    srv, view = serve(root, port=free_port(), block=False, log=lambda m: None)
    try:
        occ = view.entry["occupancy"] > 0
        no_ceiling = int(occ.sum() - occ[:, :, -1].sum())
        assert len(view.vox.batched_positions) == no_ceiling  # ceiling voxels off by default
        assert "plasterboard" in view.legend.content and "concrete" in view.legend.content
        assert "ceiling_board" not in view.legend.content
        view.show_ceiling.value = True
        assert len(view.vox.batched_positions) == int(occ.sum()) and "ceiling_board" in view.legend.content
        cols = {tuple(c) for c in np.asarray(view.vox.batched_colors).tolist()}
        assert len(cols) == 3  # one colour per material
        planes = lambda: [n for n in ("/planes/h0", "/planes/h1", "/planes/h2") if srv.scene.get_handle_by_name(n)]
        assert planes() == ["/planes/h0"]
        img0 = glb.read_glb(srv.scene.get_handle_by_name("/planes/h0").glb_data)["image"]
        assert img0.shape[:2] == (16, 20)  # rows y, columns x
        view.all_planes.value = True
        assert len(planes()) == 3
        view.slider.value = 1
        img1 = glb.read_glb(srv.scene.get_handle_by_name("/planes/h0").glb_data)["image"]
        assert (img0 != img1).any()  # the other Tx's path loss
        np.testing.assert_allclose(srv.scene.get_handle_by_name("/transmitters/tx0").position, [1.5, 0.8, 1.2],
                                   atol=1e-6)
    finally:
        stop_server(srv)


def test_plan_view_frusta_by_community(tmp_path):
    from synthrm.orchestrate import write_plan
    from synthrm.viewer.server import stop_server, free_port, serve

    cams = [pose_from_angles((10.0 * i, 0.0, 30.0), 30.0 * i, 30.0) for i in range(6)]
    plan = {"synthrm_version": "test", "config": {"camera": {"fov_x_deg": 75.0}}, "seed": 0, "preset": "city-mix",
            "scene_id": "s0", "scene_dir": "scenes/s0", "resolution": [64, 48],
            "candidates": [{"index": i, "cam_to_world": c.tolist(), "community": i % 2} for i, c in enumerate(cams)],
            "selected": [4, 1], "communities": [[0, 2, 4], [1, 3, 5]], "metrics": {},
            "edges": [{"i": 0, "j": 2, "sift": 0.5, "geo": 0.3}, {"i": 1, "j": 3, "sift": 0.0, "geo": 0.2}]}
    path = write_plan(tmp_path / "plan" / "plan.json", plan)
    srv, view = serve(path, port=free_port(), block=False, log=lambda m: None)
    try:
        assert len(view.cands) == 4 and len(view.sel_handles) == 2
        assert srv.scene.get_handle_by_name("/selected/v004") is not None
        assert srv.scene.get_handle_by_name("/selected/v004/pick").text == "1"  # pick order
        assert len(view.edges.points) == 1  # SIFT edges only
        colors = {tuple(np.asarray(h.color).tolist()) for h, k in view.cands if k == 0}
        assert len(colors) == 1
        view.community.value = "1"
        assert all(h.visible == (k == 1) for h, k in view.cands + view.sel_handles)
    finally:
        stop_server(srv)
    assert main(["view", str(path), "--sample", "000000"]) == 2
