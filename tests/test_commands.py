"""Every command that takes a dataset, on a city, an indoor and an imported dataset: it
succeeds, or it refuses in one line with exit code 2; never a traceback, and a refusal
leaves no new file or folder (nor changes the datasets).

The datasets are real and tiny: ``ds10`` (the suite's city with 10 Tx per frame), one
small apartment on a coarse grid and the import of ``ds10``'s SynthRM-Platform blocks;
the runs are one-step trainings of an outdoor model and of SenseRay-3D, also exported to
ONNX (``predict --onnx``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from synthrm.cli import main

from conftest import TINY_INDOOR

KINDS = ("city", "indoor", "imported")


def _formats() -> list[str]:
    from synthrm.export.registry import FORMATS

    return sorted(FORMATS)


#: command name -> argv template ({d}: dataset, {o}: a fresh output path, {run_city} /
#: {run_indoor}: the runs, {onnx_city} / {onnx_indoor}: their models exported to ONNX).
COMMANDS = {
    "show": ["show", "{d}", "--out", "{o}/fig.png"],
    "show --tx 1": ["show", "{d}", "--tx", "1", "--out", "{o}/fig.png"],
    "export-ply": ["export-ply", "{d}", "--out", "{o}/m.ply"],
    **{f"export {f}": ["export", "{d}", "--format", f, "--out", "{o}/x"] for f in _formats()},
    "validate": ["validate", "{d}"],
    "relabel": ["relabel", "{d}", "--out", "{o}/r", "--samples-per-tx", "100000", "--quiet"],
    "report": ["report", "{d}", "--out", "{o}/rep", "--quiet"],
    "view --static": ["view", "{d}", "--static", "{o}/view.html"],
    "train radiounet-s": ["train", "--model", "radiounet-s", "--data", "{d}", "--out", "{o}/run", "--epochs", "1",
                          "--max-steps-per-epoch", "1", "--width", "8", "--batch-size", "2", "--quiet"],
    "train senseray3d": ["train", "--model", "senseray3d", "--data", "{d}", "--out", "{o}/run", "--epochs", "1",
                         "--max-steps-per-epoch", "1", "--width", "12", "--batch-size", "1", "--quiet"],
    "evaluate city run": ["evaluate", "--run", "{run_city}", "--data", "{d}", "--quiet"],
    "evaluate indoor run": ["evaluate", "--run", "{run_indoor}", "--data", "{d}", "--quiet"],
    "predict city run": ["predict", "--run", "{run_city}", "--data", "{d}", "--out", "{o}/p.png"],
    "predict indoor run": ["predict", "--run", "{run_indoor}", "--data", "{d}", "--out", "{o}/p.png"],
    "predict city onnx": ["predict", "--onnx", "{onnx_city}", "--data", "{d}", "--out", "{o}/p.png"],
    "predict indoor onnx": ["predict", "--onnx", "{onnx_indoor}", "--data", "{d}", "--out", "{o}/p.png"],
    "generate into it": ["generate", "--preset", "city-mix", "--frames", "1", "--out", "{d}", "--quiet"],
}

#: (kind, command) -> a phrase of the one-line refusal; every other pair succeeds.
REFUSED = {
    ("indoor", "show --tx 1"): "an indoor entry holds one transmitter",
    ("indoor", "export synthrm-platform"): "holds city camera frames",
    ("indoor", "relabel"): "an indoor dataset; relabel recomputes city camera samples",
    ("indoor", "report"): "the report covers city datasets",
    ("indoor", "view --static"): "a static view is made for city datasets",
    ("indoor", "train radiounet-s"): "outdoor camera model",
    ("indoor", "evaluate city run"): "evaluate it on a city dataset",
    ("indoor", "predict city run"): "predict on a city dataset",
    ("city", "train senseray3d"): "senseray3d needs an indoor voxel dataset",
    ("city", "evaluate indoor run"): "evaluate it on an indoor dataset",
    ("city", "predict indoor run"): "predict on an indoor dataset",
    ("indoor", "predict city onnx"): "predict on a city dataset",
    ("city", "predict indoor onnx"): "predict on an indoor dataset",
    ("imported", "predict indoor onnx"): "predict on an indoor dataset",
    ("imported", "export-ply"): "an imported dataset has no VAS meshes",
    ("imported", "export ply"): "an imported dataset has no VAS meshes",
    ("imported", "relabel"): "an imported dataset (SynthRM-Platform blocks) has no scene folders",
    ("imported", "train senseray3d"): "senseray3d needs an indoor voxel dataset",
    ("imported", "evaluate indoor run"): "evaluate it on an indoor dataset",
    ("imported", "predict indoor run"): "predict on an indoor dataset",
    **{(k, "generate into it"): "made with a different config" for k in KINDS},
}


#: One tiny apartment on a 0.2 m grid (SenseRay-3D's volume, and so its time, 8x smaller).
COARSE_INDOOR = {**TINY_INDOOR, "scenes": 1, "voxel_size_m": 0.2}


@pytest.fixture(scope="module")
def world(ds10, tmp_path_factory):
    """The three datasets and the two runs."""
    from synthrm.config import make_indoor_config
    from synthrm.export import export_dataset
    from synthrm.export.synthrm_platform import import_synthrm_platform
    from synthrm.generate.indoor import generate_indoor
    from synthrm.models.config import TrainConfig
    from synthrm.models.deploy import export_onnx
    from synthrm.models.train import train

    root = tmp_path_factory.mktemp("kinds")
    generate_indoor(make_indoor_config(overrides=COARSE_INDOOR), root / "indoor", progress=False)
    export_dataset(ds10, "synthrm-platform", root / "blocks")
    import_synthrm_platform(root / "blocks", root / "imported")
    train(TrainConfig(model="radiounet-s", epochs=1, max_steps_per_epoch=1, width=8, batch_size=2), ds10,
          root / "run_city", progress=False)
    train(TrainConfig(model="senseray3d", epochs=1, max_steps_per_epoch=1, width=12, batch_size=1), root / "indoor",
          root / "run_indoor", progress=False)
    for k in ("city", "indoor"):
        export_onnx(root / f"run_{k}", root / f"{k}.onnx")
    return {"city": Path(ds10), "indoor": root / "indoor", "imported": root / "imported",
            "run_city": root / "run_city", "run_indoor": root / "run_indoor", "root": root,
            "onnx_city": root / "city.onnx", "onnx_indoor": root / "indoor.onnx"}


def tree(*roots: Path) -> dict[str, int]:
    """Every file and folder under ``roots`` -> its size (files) or -1 (folders)."""
    return {str(p): (p.stat().st_size if p.is_file() else -1) for r in roots if r.exists()
            for p in [r, *r.rglob("*")]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_dataset_command_on_every_kind(name, kind, world, tmp_path, capsys):
    out = tmp_path / "out" / name.replace(" ", "_")  # its folders do not exist yet
    subs = {"d": str(world[kind]), "o": str(out),
            **{k: str(world[k]) for k in ("run_city", "run_indoor", "onnx_city", "onnx_indoor")}}
    argv = [a.format(**subs) for a in COMMANDS[name]]
    datasets = [world[k] for k in KINDS]
    before, data_before = tree(tmp_path), tree(*datasets)
    capsys.readouterr()
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse
        rc = e.code
    except Exception as e:  # noqa: BLE001 - a traceback is exactly what must not happen
        pytest.fail(f"`synthrm {' '.join(argv)}` raised {type(e).__name__}: {e}")
    err = capsys.readouterr().err
    refusal = REFUSED.get((kind, name))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if refusal is None:
        assert rc == 0, f"`synthrm {' '.join(argv)}` on {kind} data: exit {rc}: {err[-2000:]}"
        assert "Traceback" not in err
    else:
        assert rc == 2, f"`synthrm {' '.join(argv)}` on {kind} data: exit {rc}, expected the refusal {refusal!r}"
        assert len(lines) == 1 and lines[0].startswith(f"synthrm {argv[0]}: error: "), err
        assert refusal in lines[0], lines[0]
        assert tree(tmp_path) == before, f"the refusal left {set(tree(tmp_path)) - set(before)}"
    # no command changes a dataset it reads (a refused generate included)
    assert tree(*datasets) == data_before


def test_every_command_taking_a_dataset_is_in_the_matrix():
    """A new command or export format that takes a dataset joins the matrix above."""
    from synthrm.cli import build_parser

    takes = set()
    for action in build_parser()._subparsers._group_actions:
        for cmd, sp in action.choices.items():
            dests = {a.dest for a in sp._actions}
            if {"dir", "data", "dirs"} & dests:
                takes.add(cmd)
    covered = {c.split()[0] for c in COMMANDS}
    assert takes <= covered | {"import-synthrm-platform"}, takes - covered  # import reads blocks, not a dataset
    assert {f"export {f}" for f in _formats()} <= set(COMMANDS)


def test_indoor_exports_are_the_scans_and_the_planes(world, tmp_path):
    """What the indoor exports hold: the scans of every apartment with their poses (COLMAP,
    nerfstudio), the receiver planes of an entry with its path loss (PLY)."""
    import numpy as np

    from synthrm.dataset.hdf5 import list_samples, read_group, read_index, read_sample
    from synthrm.export import read_colmap_poses, read_nerfstudio_poses
    from synthrm.radio.export import read_radio_ply

    root = world["indoor"]
    shards = read_index(root)["shards"]
    assert main(["export", str(root), "--format", "colmap", "--out", str(tmp_path / "c")]) == 0
    assert main(["export", str(root), "--format", "nerfstudio", "--out", str(tmp_path / "n")]) == 0
    for s in shards:
        scans = read_group(root, s["file"], "scans")
        sid = scans["attrs"]["scene_id"]
        n = len(scans["rgb"])
        assert n >= 4 and scans["depth"].shape == scans["rgb"].shape[:3]
        for poses in (read_colmap_poses(tmp_path / "c" / sid / "images.txt"),
                      read_nerfstudio_poses(tmp_path / "n" / sid / "transforms.json")):
            assert sorted(poses) == [f"scan-{i:04d}" for i in range(n)]
            for i in (0, n - 1):
                assert np.allclose(poses[f"scan-{i:04d}"], scans["cam_to_world"][i], atol=1e-6)
        assert len(list((tmp_path / "n" / sid / "images").glob("*.png"))) == n
    eid = [e for _, e in list_samples(root)][1]
    assert main(["export-ply", str(root), "--sample", eid, "--out", str(tmp_path / "p.ply")]) == 0
    m, e = read_radio_ply(tmp_path / "p.ply"), read_sample(root, eid)
    hn, nx, ny = e["path_loss_db"].shape
    assert len(m["faces"]) == 2 * hn * nx * ny
    # a face's path gain is minus the path loss of its cell, at the plane's height
    a = e["attrs"]
    tri = m["vertices"][m["faces"]]  # (F, 3, 3)
    centre = tri.mean(axis=1)
    z = np.asarray(a["heights_m"]) + a["grid_origin_m"][2]
    h = np.argmin(np.abs(centre[:, 2][:, None] - z[None]), axis=1)
    i = np.floor((centre[:, 0] - a["grid_origin_m"][0]) / a["voxel_size_m"]).astype(int)
    j = np.floor((centre[:, 1] - a["grid_origin_m"][1]) / a["voxel_size_m"]).astype(int)
    assert np.allclose(centre[:, 2], z[h], atol=1e-4) and set(h.tolist()) == set(range(hn))
    assert np.allclose(m["path_gain_db"], -e["path_loss_db"][h, i, j], atol=1e-4)


def test_torch_dataset_on_every_kind(world):
    """``SynthRMDataset`` gives the arrays each kind has: images for city and imported
    data (an imported dataset has no normals), the voxel tensors for indoor entries; a
    key the samples lack is a one-line DatasetError naming what they have."""
    import torch

    from synthrm.dataset.torch_dataset import SynthRMDataset
    from synthrm.errors import DatasetError

    city, imp, indoor = (SynthRMDataset(world[k]) for k in ("city", "imported", "indoor"))
    x = city[0]
    assert x["rgb"].shape == (3, 48, 64) and x["depth"].shape == (1, 48, 64) and x["semantic"].dtype == torch.int64
    y = imp[0]
    assert "normal" not in y and y["rgb"].shape == (3, 48, 64) and torch.equal(y["rgb"], x["rgb"])
    e = indoor[0]
    grid = e["occupancy"].shape
    assert len(grid) == 3 and e["reflection_db"].shape == grid and e["semantic"].dtype == torch.int64
    assert e["path_loss_db"].shape == (2, grid[0], grid[1]) and e["fill_mask"].dtype == torch.bool
    assert e["split"] in ("train", "val", "test") and e["tx_position"].shape == (3,)
    assert torch.isfinite(e["path_loss_db"]).all()
    with pytest.raises(DatasetError, match=r"have no 'normal'.*imported"):
        SynthRMDataset(world["imported"], keys=("rgb", "normal"))
    one = SynthRMDataset(world["indoor"], keys=("path_loss_db",))[1]
    assert set(one) == {"sample_id", "split", "path_loss_db"}


def test_nerfstudio_depth_beyond_the_png_range_is_no_depth_with_a_warning(world, tmp_path, capsys):
    """Depth past 655.35 m does not fit nerfstudio's uint16 PNG at 0.01 m: such pixels are
    written as 0 (no depth, like sky), not clipped to a false 655 m, and the export warns
    with their number; the COLMAP export keeps them (it back-projects the float depth)."""
    import shutil

    import h5py
    import numpy as np
    from PIL import Image

    from synthrm.export.formats import MAX_PNG_DEPTH_M, depth_png

    png, far = depth_png(np.array([[np.nan, 1.234, 655.34, 655.36, 9000.0]]))
    assert far == 2 and png.tolist() == [[0, 123, 65534, 0, 0]] and png.dtype == np.uint16
    src = tmp_path / "far"
    shutil.copytree(world["city"], src)
    shard = sorted((src / "shards").glob("*.h5"))[0]
    with h5py.File(shard, "r+") as f:
        sid = sorted(f["samples"])[0]
        d = f["samples"][sid]["depth"]
        a = d[()]
        a[:3, :4] = 700.0  # 12 pixels past the range
        d[...] = a
    capsys.readouterr()
    assert main(["export", str(src), "--format", "nerfstudio", "--out", str(tmp_path / "ns")]) == 0
    err = capsys.readouterr().err
    assert f"warning: 12 depth pixels in 1 images lie beyond {MAX_PNG_DEPTH_M:.2f} m" in err, err
    got = np.asarray(Image.open(tmp_path / "ns" / "depth" / f"{sid}.png"))
    assert (got[:3, :4] == 0).all() and (got[3:][np.isfinite(a[3:])] > 0).all()
