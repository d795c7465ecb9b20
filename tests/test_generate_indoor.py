"""Indoor pipeline end to end on tiny apartments: scans, voxels, ground truth,
HDF5 entries, splits, resume, CLI, errors."""
import sys
from pathlib import Path

import numpy as np
import pytest

from synthrm.cli import main
from synthrm.config import make_indoor_config
from synthrm.dataset.hdf5 import list_samples, read_index, read_sample
from synthrm.errors import ConfigError
from synthrm.generate.indoor import build_scene, check_tx, generate_indoor, grid_frame, scan_scene
from synthrm.voxel import fuse_scans, voxelize

from conftest import TINY_INDOOR as TINY



@pytest.fixture(scope="module")
def indoor_ds(tmp_path_factory):
    root = tmp_path_factory.mktemp("indoor")
    cfg = make_indoor_config(overrides={**TINY, "test_fraction": 0.5, "val_tx_fraction": 0.5})
    generate_indoor(cfg, root, progress=False)
    return root, cfg


def test_entries_follow_the_seed_list(indoor_ds):
    root, cfg = indoor_ds
    ids = [s for _, s in list_samples(root)]
    assert len(ids) == 4
    idx = read_index(root)
    assert idx["kind"] == "indoor" and sorted(idx["splits"]) == sorted(ids)
    # split by scene: one apartment is test, the other has train and val Tx
    by_scene = {}
    for eid, split in idx["splits"].items():
        by_scene.setdefault(eid.rsplit("-tx", 1)[0], set()).add(split)
    assert sorted(map(sorted, by_scene.values())) == [["test"], ["train", "val"]]
    e = read_sample(root, ids[0])
    a = e["attrs"]
    X, Y, Z = a["grid_shape"]
    for k in ("occupancy", "reflection_db", "transmission_db", "tx_distance_m", "fspl_db"):
        assert e[k].shape == (X, Y, Z) and e[k].dtype == np.float32, k
    assert e["path_loss_db"].shape == (2, X, Y) and e["path_loss_db"].dtype == np.float32
    assert e["fill_mask"].shape == (2, X, Y) and e["fill_mask"].dtype == bool
    assert np.isfinite(e["path_loss_db"]).all() and e["fill_mask"].mean() < 0.5
    assert e["tx_position"].shape == (3,)
    assert a["voxel_size_m"] == 0.1 and a["heights_m"] == [0.6, 1.6] and len(a["grid_origin_m"]) == 3
    # physics: path loss is at least free space minus a few dB of multipath gain, near the Tx
    o, v = np.asarray(a["grid_origin_m"]), a["voxel_size_m"]
    xx, yy = np.meshgrid(np.arange(X), np.arange(Y), indexing="ij")
    h = int(np.argmin(np.abs(np.asarray(a["heights_m"]) - e["tx_position"][2])))
    c = np.stack([o[0] + (xx + 0.5) * v, o[1] + (yy + 0.5) * v, np.full(xx.shape, a["heights_m"][h])], -1)
    from synthrm.radio import fspl_db

    d = np.linalg.norm(c - e["tx_position"], axis=-1)
    near = (d < 2.0) & ~e["fill_mask"][h]
    assert near.sum() > 10
    assert np.median(e["path_loss_db"][h][near] - fspl_db(d[near], 3.5e9)) > -3


def test_resume_and_determinism(indoor_ds, tmp_path, capsys):
    root, cfg = indoor_ds
    assert generate_indoor(cfg, root, progress=False)["scenes"] == 0  # complete: nothing to do
    other = tmp_path / "again"
    one = make_indoor_config(overrides={**TINY, "scenes": 1, "test_fraction": 0.5, "val_tx_fraction": 0.5})
    generate_indoor(one, other, progress=False)
    a, b = read_sample(root, "indoor-apartment-0000-tx00"), read_sample(other, "indoor-apartment-0000-tx00")
    for k in ("occupancy", "reflection_db", "tx_position", "fspl_db"):
        assert np.array_equal(a[k], b[k]), k
    assert np.allclose(a["path_loss_db"], b["path_loss_db"], atol=0.01)


@pytest.mark.slow
def test_scans_recover_the_walls():
    """Without furniture, >= 95 % of the wall voxels of the true geometry are occupied,
    and no occupied voxel lies away from every true surface."""
    from scipy.ndimage import binary_dilation

    cfg = make_indoor_config(overrides={"apartment": {"area_m2": [30, 40], "furniture_per_room": [0, 0]},
                                        "scan": {"resolution": [96, 72], "spp": 1}})
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        sid, sd, apt = build_scene(cfg, Path(d), 0)
        pts, lab = fuse_scans(scan_scene(cfg, sd, apt, 1))
    o, sh = grid_frame(apt, cfg)
    occ = voxelize(pts, lab, 0.1, o, sh).occupancy > 0
    wall = apt.surface_points(0.03, ("wall",), clear_m=0.1)
    true_wall = voxelize(wall, np.zeros(len(wall)), 0.1, o, sh).occupancy > 0
    allp = apt.surface_points(0.03)
    near = binary_dilation(voxelize(allp, np.zeros(len(allp)), 0.1, o, sh).occupancy > 0)
    recall = (occ & true_wall).sum() / true_wall.sum()
    print(f"wall recall {recall:.3f}, occupied off-surface {(occ & ~near).sum()} of {occ.sum()}")
    assert recall >= 0.95
    assert (occ & ~near).sum() <= 0.01 * occ.sum()


def test_bad_indoor_input_is_a_clear_error(tmp_path, capsys):
    cfg = make_indoor_config(overrides=TINY)
    _, _, apt = build_scene(cfg, tmp_path, 0)
    wall = next(b for b in apt.boxes if b[0] == "wall_interior" or b[0] == "wall_exterior")
    with pytest.raises(ConfigError, match="inside 'wall_"):
        check_tx(apt, (wall[3] + wall[4]) / 2, "transmitter 0")
    with pytest.raises(ConfigError, match="outside the apartment"):
        check_tx(apt, np.array([-5.0, 1.0, 1.0]), "transmitter 0")
    for bad in ("0", "-0.1"):
        rc = main(["generate", "--preset", "indoor-apartment", "--voxel-size", bad, "--out", str(tmp_path / "x"), "--quiet"])
        assert rc == 2 and "voxel_size_m" in capsys.readouterr().err
    rc = main(["generate", "--preset", "city-mix", "--scenes", "2", "--out", str(tmp_path / "y"), "--quiet"])
    assert rc == 2 and "only for indoor presets" in capsys.readouterr().err
    rc = main(["generate", "--preset", "city-mix", "--labels-from", str(tmp_path), "--out", str(tmp_path / "z"),
               "--quiet"])
    assert rc == 2 and "--labels-from: only for indoor presets" in capsys.readouterr().err
    rc = main(["generate", "--preset", "indoor-apartment", "--labels-from", str(tmp_path / "none"),
               "--out", str(tmp_path / "w"), "--quiet"])
    assert rc == 2 and "--labels-from" in capsys.readouterr().err and not (tmp_path / "w").exists()


def test_cli_show_draws_an_indoor_entry(indoor_ds, tmp_path):
    root, _ = indoor_ds
    png = tmp_path / "e.png"
    assert main(["show", str(root), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_frequency_outside_an_apartment_material_range_is_refused_up_front(tmp_path):
    cfg = make_indoor_config(overrides={**TINY, "radio": {"frequency_hz": 50e9}})
    with pytest.raises(ConfigError, match="range of 'brick'.*exterior walls"):
        generate_indoor(cfg, tmp_path / "x", progress=False)
    assert not (tmp_path / "x").exists()


def test_shards_keep_the_scans_and_validate(indoor_ds, tmp_path):
    """Each apartment's shard keeps the RGB-D scans its voxels were fused from; `validate`
    checks the entries against their grid and the scans, and names what is wrong."""
    import shutil

    import h5py

    from synthrm.dataset.hdf5 import read_group, sha256, write_index
    from synthrm.dataset.validate import validate_dataset

    root, cfg = indoor_ds
    assert validate_dataset(root).ok
    for s in read_index(root)["shards"]:
        scans = read_group(root, s["file"], "scans")
        e = read_sample(root, s["samples"][0], ["tx_position"])
        n = e["attrs"]["num_scans"]
        assert scans["rgb"].shape == (n, 36, 48, 3) and scans["depth"].shape == (n, 36, 48)
        assert scans["cam_to_world"].shape == (n, 4, 4) and scans["attrs"]["scene_id"] == e["attrs"]["scene_id"]
        assert np.isfinite(scans["depth"]).mean() > 0.9  # indoors every ray hits a surface
    bad = tmp_path / "bad"
    shutil.copytree(root, bad)
    shard = sorted((bad / "shards").glob("*.h5"))[0]
    with h5py.File(shard, "r+") as f:
        del f["scans"]
        eid = sorted(f["samples"])[0]
        del f["samples"][eid]["fill_mask"]
    idx = read_index(bad)  # a shard written wrong, not one altered afterwards: its checksum is right
    idx["shards"][0]["sha256"] = sha256(shard)
    write_index(bad, idx)
    text = validate_dataset(bad).text()
    assert "no /scans group" in text and f"entry {eid} misses the array 'fill_mask'" in text


def test_sensed_voxel_materials_and_labels_from(indoor_ds, tmp_path):
    """``voxel_materials: sensed`` gives wall and floor voxels the apartment's true materials
    (the semantic lookup says plasterboard / concrete for every apartment); the same labels
    copied with ``labels_from`` equal a full ray-traced run's; a source made with other
    settings is refused."""
    import json

    from synthrm.radio.p2040 import reflection_transmission_db
    from synthrm.scene.classes import SEMANTIC_IDS

    root, cfg = indoor_ds
    one = {**TINY, "scenes": 1, "test_fraction": 0.5, "val_tx_fraction": 0.5, "voxel_materials": "sensed"}
    sensed = make_indoor_config(overrides=one)
    full, copied = tmp_path / "full", tmp_path / "copied"
    generate_indoor(sensed, full, progress=False)
    generate_indoor(sensed, copied, progress=False, labels_from=root)
    assert read_index(copied)["labels_from"]["path"] == str(root.resolve())
    eid = "indoor-apartment-0000-tx01"
    sem, a, b = (read_sample(r, eid) for r in (root, full, copied))
    for k in ("occupancy", "reflection_db", "transmission_db", "tx_position", "semantic", "fspl_db"):
        assert np.array_equal(a[k], b[k]), k
    assert np.allclose(a["path_loss_db"], b["path_loss_db"], atol=0.01)
    assert np.array_equal(b["path_loss_db"], sem["path_loss_db"]) and np.array_equal(b["fill_mask"], sem["fill_mask"])
    assert np.array_equal(a["occupancy"], sem["occupancy"]) and np.array_equal(a["semantic"], sem["semantic"])
    # the scene's own materials, per class
    shapes = json.loads((root / "scenes" / "indoor-apartment-0000" / "scene.json").read_text())["shapes"]
    f = cfg.radio.frequency_hz
    for cls in ("wall", "floor"):
        true = {s["radio_material"] for s in shapes if s["semantic"] == cls}
        vox = (a["semantic"] == SEMANTIC_IDS[cls]) & (a["occupancy"] > 0)
        r_true = [reflection_transmission_db(m, f)[0] for m in true]
        assert vox.sum() > 50 and np.mean(np.isin(a["reflection_db"][vox], np.float32(r_true))) > 0.9, cls
        # the semantic dataset's lookup gives every voxel of the class one value
        assert len(np.unique(sem["reflection_db"][vox])) == 1
    # learning_table keeps the two apart (the multi-wall baseline reads the voxels' materials)
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import learning_table as lt
    finally:
        sys.path.remove(bench)
    assert lt.voxel_tag({"path": str(copied)}, "indoor") == " (voxel materials sensed)"
    assert lt.voxel_tag({"path": str(root)}, "indoor") == "" == lt.voxel_tag({"path": str(tmp_path / "gone")}, "indoor")
    # refused: another radio setting, the output itself
    other = make_indoor_config(overrides={**one, "radio": {**TINY["radio"], "max_depth": 2}})
    with pytest.raises(ConfigError, match="other settings than the voxel ones.*max_depth"):
        generate_indoor(other, tmp_path / "x", progress=False, labels_from=root)
    with pytest.raises(ConfigError, match="must differ from --out"):
        generate_indoor(sensed, root, progress=False, labels_from=root)
    with pytest.raises(ConfigError, match="voxel_materials: must be one of semantic, sensed"):
        make_indoor_config(overrides={**one, "voxel_materials": "lidar"})
