"""SynthRM-Platform blocks: export -> import round trip, the layout as the
loader reads it (checked by an independent reader: numpy, PIL, OpenEXR), bad inputs, and
the consumers (validate, show, train, evaluate, report) on an imported dataset."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from PIL import Image

from synthrm.cli import main
from synthrm.dataset.hdf5 import SCHEMA_VERSION, ShardWriter, list_samples, read_index, read_sample, sha256, write_index
from synthrm.export.synthrm_platform import (
    GL_TO_CV,
    NEIGHBOUR_XY_M,
    ABSENT_ON_IMPORT,
    neighbours,
    read_depth_exr,
    write_depth_exr,
)


W, H = 64, 48


def fake_dataset(root: Path, positions, tx: int = 10, scene_of=None, seed: int = 0) -> Path:
    """A dataset written directly (no renderer): frames at ``positions`` [m] with random
    images, depth with a sky band (NaN), ``tx`` transmitters and path gain NaN on sky and
    on some other pixels."""
    from synthrm.camera.pinhole import intrinsics, pose_from_angles

    rng = np.random.default_rng(seed)
    K = intrinsics(W, H, 75.0)
    scene_of = scene_of or (lambda i: "city-mix-0000")
    with ShardWriter(root / "shards" / "shard-00000.h5", {"seed": seed}) as w:
        for i, p in enumerate(positions):
            depth = rng.uniform(1.0, 900.0, (H, W)).astype(np.float32)
            depth[:5] = np.nan
            depth[10, 10] = 685.53  # the value a half-float EXR turns into 685.5
            pg = rng.normal(-100.0, 15.0, (tx, H, W)).astype(np.float32)
            pg[:, :5] = np.nan
            pg[rng.random(pg.shape) < 0.1] = np.nan
            arrays = {"rgb": rng.integers(0, 256, (H, W, 3), dtype=np.uint8), "depth": depth, "K": K,
                      "cam_to_world": pose_from_angles(p, rng.uniform(0, 360), rng.uniform(10, 60)),
                      "tx_position": rng.uniform(-100, 100, (tx, 3)), "path_gain_db": pg}
            w.write(f"{i:06d}", arrays, {"scene_id": scene_of(i), "district": "mix", "view": "uav",
                                          "frequency_hz": 3.5e9, "antenna": "siso"})
    write_index(root, {"synthrm_version": "test", "schema_version": SCHEMA_VERSION, "seed": seed,
                       "config": {"frames": len(positions), "camera": {"resolution": [W, H]},
                                  "radio": {"enabled": True, "tx_per_frame": tx}},
                       "shards": [{"file": "shards/shard-00000.h5", "samples": w.sample_ids,
                                   "sha256": sha256(w.path)}]})
    return root


#: Cameras spaced so that the 20 m rule gives overlapping, non-trivial neighbour sets
#: (frames 0 and 4 are exactly 20 m apart in x and y: neighbours; 2 and 3 are 20.5 m: not).
POSITIONS = [(0, 0, 50), (15, 5, 60), (30, -10, 40), (50.5, 0, 45), (20, 20, 70), (70, 40, 55)]


def read_block_like_the_loader(block: Path) -> dict:
    """An independent reader of one block, with plain numpy, PIL and OpenEXR: resolves
    every file the loader needs for every entry idx (frame idx // 10, Tx idx % 10 by list
    position) against the block folder, checks shapes and dtypes, and returns the frames'
    arrays and the neighbour lists."""
    prof = json.loads((block / "profile.json").read_text(encoding="ascii"))
    d = {k: os.path.join(block, prof[k]) for k in ("frame_dir", "camera_dir", "depth_dir", "tx_dir", "rm_dir")}
    rmfiles = prof["radiomap"]["rmfiles"]
    n = len(prof["frame"])
    assert sorted(prof["frame"]) == [f"{i:04d}.png" for i in range(n)]
    assert sum(len(v) for v in rmfiles.values()) == 10 * n  # the loader's length
    frames = []
    for i in range(n):
        assert rmfiles[f"{i:04d}"] == sorted(rmfiles[f"{i:04d}"]) and len(rmfiles[f"{i:04d}"]) == 10
        rgb = np.asarray(Image.open(os.path.join(d["frame_dir"], f"{i:04d}.png")))
        cam = np.load(os.path.join(d["camera_dir"], f"extrinsic_{i:04d}.npy"))
        with OpenEXR.File(os.path.join(d["depth_dir"], f"{i:04d}.exr")) as f:
            ch = f.channels()
            assert list(ch) == ["Y"] and ch["Y"].type() == OpenEXR.FLOAT
            depth = ch["Y"].pixels
        tx = np.load(os.path.join(d["tx_dir"], f"tx_pos_{i:04d}.npy"))
        rm = np.stack([np.load(os.path.join(d["rm_dir"], f)) for f in rmfiles[f"{i:04d}"]])
        assert rgb.dtype == np.uint8 and rgb.shape[2] == 3 and cam.shape == (4, 4) and tx.shape == (10, 3)
        assert depth.dtype == np.float32 and depth.shape == rgb.shape[:2] and rm.shape == (10, *rgb.shape[:2])
        frames.append({"rgb": rgb, "camera": cam, "depth": depth, "tx_pos": tx, "radiomap": rm})
    lists = {}
    for idx in range(10 * n):
        f, t = idx // 10, idx % 10
        names = prof["frame"][f"{f:04d}.png"]
        ids = [int(s.split(".")[0]) for s in names]
        assert prof["camera"][f"extrinsic_{f:04d}.npy"] == [f"extrinsic_{j:04d}.npy" for j in ids]
        assert prof["depth"][f"{f:04d}.exr"] == [f"{j:04d}.exr" for j in ids]
        assert prof["tx_pos"][f"tx_pos_{f:04d}.npy"] == [f"tx_pos_{j:04d}.npy" for j in ids]
        for j in ids:  # every neighbour's files of this transmitter exist
            assert os.path.isfile(os.path.join(d["rm_dir"], rmfiles[f"{j:04d}"][t]))
        lists[f] = ids
    pos = np.array([fr["camera"][:3, 3] for fr in frames])
    brute = {i: [j for j in range(n) if abs(pos[i, 0] - pos[j, 0]) <= 20 and abs(pos[i, 1] - pos[j, 1]) <= 20]
             for i in range(n)}
    assert lists == brute
    assert prof["meta"] == {"xmax": 20.0, "ymax": 20.0}
    return {"profile": prof, "frames": frames, "neighbours": lists}


# ----------------------------------------------------------------------------- units

def test_exr_depth_decodes_to_the_same_float32(tmp_path):
    rng = np.random.default_rng(0)
    d = rng.uniform(0.01, 5000.0, (H, W)).astype(np.float32)
    d[0, :3] = [685.53, np.nan, 1e-3]
    p = tmp_path / "d.exr"
    write_depth_exr(p, d)
    with OpenEXR.File(str(p)) as f:  # 32-bit float, one channel Y: what FreeImage reads as FIT_FLOAT
        assert list(f.channels()) == ["Y"] and f.channels()["Y"].type() == OpenEXR.FLOAT
    back = read_depth_exr(p)
    assert back.dtype == np.float32 and np.array_equal(back, d, equal_nan=True)
    assert back[0, 0] == np.float32(685.53)
    # a half-float EXR (what imageio's FreeImage plugin writes by default) reads widened
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                      {"Y": d.astype(np.float16)}) as f:
        f.write(str(tmp_path / "h.exr"))
    h = read_depth_exr(tmp_path / "h.exr")
    assert h.dtype == np.float32 and h[0, 0] == 685.5


def test_neighbours_equal_a_brute_force_search():
    rng = np.random.default_rng(3)
    p = np.round(rng.uniform(0, 100, (40, 3)))  # integer metres: ties at exactly 20 m occur
    got = neighbours(p)
    for i in range(len(p)):
        assert got[i] == [j for j in range(len(p)) if abs(p[i, 0] - p[j, 0]) <= NEIGHBOUR_XY_M
                          and abs(p[i, 1] - p[j, 1]) <= NEIGHBOUR_XY_M]
        assert i in got[i]


# ----------------------------------------------------------------------------- export

def test_export_layout_is_what_the_loader_reads(tmp_path, capsys):
    src = fake_dataset(tmp_path / "src", POSITIONS, scene_of=lambda i: "A" if i < 5 else "B")
    out = tmp_path / "pf"
    assert main(["export", str(src), "--format", "synthrm-platform", "--out", str(out), "--block", "4"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["block_4", "block_5"]  # one block per scene, no leftovers
    blk = read_block_like_the_loader(out / "block_4")
    assert blk["neighbours"] == {0: [0, 1, 4], 1: [0, 1, 2, 4], 2: [1, 2], 3: [3], 4: [0, 1, 4]}
    prof = blk["profile"]
    assert [prof[k] for k in ("frame_dir", "camera_dir", "depth_dir", "tx_dir", "rm_dir")] == \
        ["rgb", "camera", "depth", "config1/txpos", "config1/radiomap/rendered"]
    assert prof["radiomap"]["rmfiles"]["0003"][9] == "radio_map_rendered_0003_tx_10.npy"
    ext = prof["synthrm"]
    assert ext["units"] == {"camera": "m", "depth": "m", "tx_pos": "m", "radiomap": "dB"}
    assert ext["nodata"] == {"depth": "NaN", "radiomap": "NaN"} and ext["camera_axes"] == "opencv"
    assert ext["samples"] == ["000000", "000001", "000002", "000003", "000004"] and ext["scene_id"] == "A"
    for i, fr in enumerate(blk["frames"]):
        s = read_sample(src, f"{i:06d}")
        assert np.array_equal(fr["rgb"], s["rgb"]) and np.array_equal(fr["camera"], s["cam_to_world"])
        assert np.array_equal(fr["depth"], s["depth"], equal_nan=True)
        assert np.array_equal(fr["tx_pos"], s["tx_position"])
        assert fr["radiomap"].dtype == np.float32 and np.array_equal(fr["radiomap"], s["path_gain_db"], equal_nan=True)
    b5 = read_block_like_the_loader(out / "block_5")
    assert b5["profile"]["synthrm"]["samples"] == ["000005"] and b5["neighbours"] == {0: [0]}
    # a block that exists is never overwritten
    rc = main(["export", str(src), "--format", "synthrm-platform", "--out", str(out), "--block", "5"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "block_5: exists" in err
    assert sorted(p.name for p in out.iterdir()) == ["block_4", "block_5"]
    rc = main(["export", str(src), "--format", "colmap", "--out", str(tmp_path / "c"), "--block", "1"])
    assert rc == 2 and "--block: only for --format synthrm-platform" in capsys.readouterr().err


@pytest.mark.parametrize("tx", [9, 2])
def test_export_needs_exactly_ten_tx(tx, tmp_path, capsys):
    src = fake_dataset(tmp_path / "src", POSITIONS[:2], tx=tx)
    out = tmp_path / "pf"
    rc = main(["export", str(src), "--format", "synthrm-platform", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1, err
    assert f"has {tx} transmitters" in err and "exactly 10" in err
    assert "synthrm generate --tx-per-frame 10" in err and "synthrm relabel --tx-per-frame 10" in err
    assert not out.exists()


# ----------------------------------------------------------------------------- round trip

def test_round_trip_equals_the_source(ds10, tmp_path, capsys):
    pf, imp = tmp_path / "pf", tmp_path / "imp"
    assert main(["export", str(ds10), "--format", "synthrm-platform", "--out", str(pf)]) == 0
    assert sorted(p.name for p in pf.iterdir()) == ["block_0", "block_1"]
    for b in ("block_0", "block_1"):
        read_block_like_the_loader(pf / b)
    assert main(["import-synthrm-platform", str(pf), "--out", str(imp), "--fov-x-deg", "75"]) == 0
    assert "wrote 3 samples from blocks 0, 1" in capsys.readouterr().out
    src_ids = [s for _, s in list_samples(ds10)]
    assert [s for _, s in list_samples(imp)] == [f"{i:06d}" for i in range(len(src_ids))]
    for i, sid in enumerate(src_ids):
        a, b = read_sample(ds10, sid), read_sample(imp, f"{i:06d}")
        assert np.array_equal(a["rgb"], b["rgb"])
        assert b["depth"].dtype == np.float32 and np.array_equal(a["depth"], b["depth"], equal_nan=True)
        assert b["path_gain_db"].dtype == np.float32
        assert np.array_equal(a["path_gain_db"], b["path_gain_db"], equal_nan=True)  # bit-exact, NaN where NaN
        assert np.abs(a["cam_to_world"] - b["cam_to_world"]).max() <= 1e-9
        assert np.array_equal(a["tx_position"], b["tx_position"])
        assert np.allclose(a["K"], b["K"], rtol=0, atol=1e-9)  # --fov-x-deg 75 = the source's camera
        assert not set(ABSENT_ON_IMPORT) & set(b)
        at = b["attrs"]
        assert at["source_sample"] == sid and at["scene_id"] == f"block_{0 if i < 2 else 1}"
        assert at["intrinsics"] == {"from": "--fov-x-deg", "fov_x_deg": 75.0} and at["synthrm_version"]
        assert at["frequency_hz"] == a["attrs"]["frequency_hz"] and b["file_attrs"]["synthrm_version"]
    idx = read_index(imp)
    assert idx["source"]["format"] == "synthrm-platform" and idx["source"]["root"] == str(pf.resolve())
    assert idx["source"]["blocks"][0]["intrinsics"]["fov_x_deg"] == 75.0 and idx["synthrm_version"]
    assert idx["absent"] == list(ABSENT_ON_IMPORT)
    assert main(["validate", str(imp)]) == 0
    # without a flag the block's own K (written by our export) is used, exactly
    imp2 = tmp_path / "imp2"
    assert main(["import-synthrm-platform", str(pf), "--out", str(imp2), "--block", "1"]) == 0
    b = read_sample(imp2, "000000")
    assert np.array_equal(b["K"], read_sample(ds10, src_ids[2])["K"])
    assert b["attrs"]["intrinsics"]["from"].endswith("synthrm.K_px") and b["attrs"]["block"] == 1


def test_import_a_foreign_block_with_its_conventions(tmp_path):
    """A block without our `synthrm` key, written elsewhere: absolute directories of
    another machine, OpenGL camera axes, linear path gain with -1 for no value."""
    src = fake_dataset(tmp_path / "src", POSITIONS[:3])
    pf = tmp_path / "pf"
    assert main(["export", str(src), "--format", "synthrm-platform", "--out", str(pf)]) == 0
    blk = pf / "block_0"
    prof = json.loads((blk / "profile.json").read_text())
    del prof["synthrm"]
    for k in ("frame_dir", "camera_dir", "depth_dir", "tx_dir", "rm_dir"):
        prof[k] = f"/data/elsewhere/block_0/{prof[k]}"
    (blk / "profile.json").write_text(json.dumps(prof))
    for i in range(3):
        p = blk / "camera" / f"extrinsic_{i:04d}.npy"
        np.save(p, np.load(p) @ GL_TO_CV)  # OpenGL camera axes
        for f in prof["radiomap"]["rmfiles"][f"{i:04d}"]:
            p = blk / "config1/radiomap/rendered" / f
            m = np.load(p)
            np.save(p, np.where(np.isnan(m), -1.0, 10.0 ** (m.astype(np.float64) / 10.0)))
    imp = tmp_path / "imp"
    assert main(["import-synthrm-platform", str(pf), "--out", str(imp), "--K", "40", "41", "32", "24",
                 "--camera-axes", "opengl", "--radiomap-unit", "linear", "--nodata", "-1"]) == 0
    for i in range(3):
        a, b = read_sample(src, f"{i:06d}"), read_sample(imp, f"{i:06d}")
        assert np.abs(a["cam_to_world"] - b["cam_to_world"]).max() <= 1e-9
        assert np.array_equal(np.isnan(a["path_gain_db"]), np.isnan(b["path_gain_db"]))
        assert np.nanmax(np.abs(a["path_gain_db"] - b["path_gain_db"])) < 1e-4
        assert np.array_equal(b["K"], [[40, 0, 32], [0, 41, 24], [0, 0, 1]])
    src_b = read_index(imp)["source"]["blocks"][0]
    assert (src_b["camera_axes"], src_b["radiomap_unit"], src_b["nodata"]) == ("opengl", "linear", -1.0)
    assert src_b["intrinsics"] == {"from": "--K", "K_px": [40.0, 41.0, 32.0, 24.0]}


# ----------------------------------------------------------------------------- bad blocks

def _rm(blk, i=1, t=3):
    return blk / "config1/radiomap/rendered" / f"radio_map_rendered_{i:04d}_tx_{t:02d}.npy"


def _smaller_frame(blk, i=2):
    """Frame i consistent in itself (RGB, depth, maps) but 32x24 px: ragged across the block."""
    Image.new("RGB", (32, 24)).save(blk / "rgb" / f"{i:04d}.png")
    write_depth_exr(blk / "depth" / f"{i:04d}.exr", np.ones((24, 32), np.float32))
    for t in range(1, 11):
        np.save(_rm(blk, i, t), np.zeros((24, 32), np.float32))


def _edit_profile(blk, fn):
    p = blk / "profile.json"
    prof = json.loads(p.read_text())
    fn(prof)
    p.write_text(json.dumps(prof))


BAD = {
    "missing depth": (lambda b: (b / "depth" / "0001.exr").unlink(), "0001.exr: missing (depth EXR)"),
    "missing profile": (lambda b: (b / "profile.json").unlink(), "profile.json: missing"),
    "profile lacks a key": (lambda b: _edit_profile(b, lambda p: p.pop("rm_dir")), "lacks the key 'rm_dir'"),
    "ragged frame sizes": (_smaller_frame, "32x24 px, the first frame is 64x48"),
    "ragged RGB": (lambda b: Image.new("RGB", (32, 24)).save(b / "rgb" / "0002.png"), "its RGB frame (24, 32)"),
    "ragged map": (lambda b: np.save(_rm(b), np.zeros((24, 32), np.float32)), "radio map is (24, 32)"),
    "ragged depth": (lambda b: write_depth_exr(b / "depth" / "0001.exr", np.ones((24, 32), np.float32)),
                     "depth is (24, 32)"),
    "9 Tx maps": (lambda b: _edit_profile(b, lambda p: p["radiomap"]["rmfiles"]["0001"].pop()),
                  "lists 9 radio maps; the loader takes exactly 10"),
    "9 Tx positions": (lambda b: np.save(b / "config1/txpos/tx_pos_0000.npy", np.zeros((9, 3))),
                       "expected finite (10, 3) Tx positions"),
    "missing map": (lambda b: _rm(b).unlink(), "radio_map_rendered_0001_tx_03.npy: missing (radio map)"),
    "no intrinsics": (lambda b: _edit_profile(b, lambda p: p.pop("synthrm")), "give them with --fov-x-deg DEG"),
    "corrupt EXR": (lambda b: (b / "depth" / "0000.exr").write_bytes(b"not an exr"), "not a readable EXR file"),
}


@pytest.fixture(scope="module")
def good_blocks(tmp_path_factory):
    root = tmp_path_factory.mktemp("good")
    src = fake_dataset(root / "src", POSITIONS[:3])
    export = root / "pf"
    assert main(["export", str(src), "--format", "synthrm-platform", "--out", str(export)]) == 0
    return export


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_block_is_a_named_one_line_error_and_writes_nothing(case, good_blocks, tmp_path, capsys):
    pf = tmp_path / "pf"
    shutil.copytree(good_blocks, pf)
    breaker, msg = BAD[case]
    breaker(pf / "block_0")
    out = tmp_path / "imp"
    rc = main(["import-synthrm-platform", str(pf), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and msg in err, err
    assert err.startswith("synthrm import-synthrm-platform: error:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pf"]  # no dataset, no leftover


def test_import_refuses_other_bad_requests(good_blocks, tmp_path, capsys):
    cases = [(["--out", str(tmp_path / "x"), "--fov-x-deg", "70", "--K", "1", "1", "1", "1"], "give one of them"),
             (["--out", str(tmp_path / "x"), "--block", "7"], "no block_7 folder (blocks here: [0])"),
             (["--out", str(good_blocks)], "exists and is not empty")]
    for args, msg in cases:
        rc = main(["import-synthrm-platform", str(good_blocks), *args])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1 and msg in err, err
    rc = main(["import-synthrm-platform", str(tmp_path), "--out", str(tmp_path / "x")])
    assert rc == 2 and "no block_<N> folders" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# ----------------------------------------------------------------------------- consumers

def test_imported_dataset_runs_show_train_evaluate_report(ds10, tmp_path, capsys):
    pf, imp = tmp_path / "pf", tmp_path / "imp"
    assert main(["export", str(ds10), "--format", "synthrm-platform", "--out", str(pf)]) == 0
    assert main(["import-synthrm-platform", str(pf), "--out", str(imp)]) == 0
    png = tmp_path / "show.png"
    assert main(["show", str(imp), "--tx", "9", "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run = tmp_path / "run"
    assert main(["train", "--model", "radiounet-s", "--data", str(imp), "--out", str(run), "--epochs", "1",
                 "--max-steps-per-epoch", "1", "--width", "8", "--device", "cpu", "--quiet"]) == 0
    meta = json.loads((run / "run.json").read_text())
    assert meta["tx_dim"] == 3 + 312  # the isotropic pattern on the default grid: SISO models' size
    assert main(["evaluate", "--run", str(run), "--data", str(imp), "--quiet"]) == 0
    assert "free-space (Friis)" in capsys.readouterr().out
    rep = tmp_path / "report"
    assert main(["report", str(imp), "--out", str(rep), "--runs", str(run)]) == 0
    page = (rep / "index.html").read_text()
    assert "imported (synthrm-platform)" in page and "no scene folders" in page
    analysis = json.loads((rep / "analysis.json").read_text())
    assert len(analysis["rows"]) == 30 and all(r["tx_context"] is None for r in analysis["rows"])
