import json

import h5py
import numpy as np
import pytest

import synthrm
from synthrm.dataset.hdf5 import list_samples, read_index, read_sample, sha256
from synthrm.errors import DatasetError
from synthrm.generate import generate
from synthrm.scene.classes import MATERIAL_CLASSES, SEMANTIC_CLASSES

from conftest import tiny_config

SCHEMA = {  # name: (dtype, shape with H=48, W=64)
    "rgb": (np.uint8, (48, 64, 3)), "depth": (np.float32, (48, 64)),
    "normal": (np.float32, (48, 64, 3)), "semantic": (np.uint8, (48, 64)),
    "material": (np.uint8, (48, 64)), "roughness": (np.float32, (48, 64)),
    "albedo": (np.float32, (48, 64, 3)), "K": (np.float64, (3, 3)),
    "cam_to_world": (np.float64, (4, 4)),
}


def test_schema(tiny_dataset):
    root, cfg = tiny_dataset
    items = list_samples(root)
    assert [sid for _, sid in items] == ["000000", "000001", "000002"]
    idx = read_index(root)
    assert idx["synthrm_version"] == synthrm.__version__ and idx["seed"] == 7
    for sh in idx["shards"]:
        assert sha256(root / sh["file"]) == sh["sha256"]
    with h5py.File(root / items[0][0], "r") as f:
        assert json.loads(f.attrs["semantic_classes"]) == {str(k): v for k, v in SEMANTIC_CLASSES.items()}
        assert json.loads(f.attrs["material_classes"]) == {str(k): v for k, v in MATERIAL_CLASSES.items()}
        assert f.attrs["synthrm_version"] == synthrm.__version__
        g = f["samples/000000"]
        assert g["rgb"].compression == "gzip" and g["depth"].chunks is not None
    for _, sid in items:
        s = read_sample(root, sid)
        for k, (dt, shape) in SCHEMA.items():
            assert s[k].dtype == dt and s[k].shape == shape, k
        a = s["attrs"]
        assert (root / a["scene"]).is_file() and a["scene"].endswith("scene.xml")
        assert a["district"] == "mix" and a["synthrm_version"] == synthrm.__version__
        assert isinstance(a["seed"], int) and a["config"]["seed"] == 7
        assert a["config"]["camera"]["resolution"] == [64, 48]
    # the dataset ships its scenes
    assert len(list((root / "scenes").glob("*/scene.xml"))) == 2


def test_torch_dataset(tiny_dataset):
    import torch

    from synthrm.dataset.torch_dataset import SynthRMDataset

    root, _ = tiny_dataset
    ds = SynthRMDataset(root)
    assert len(ds) == 3
    b = next(iter(torch.utils.data.DataLoader(ds, batch_size=2)))
    assert b["rgb"].shape == (2, 3, 48, 64) and b["rgb"].dtype == torch.float32
    assert 0 <= float(b["rgb"].min()) and float(b["rgb"].max()) <= 1
    assert b["depth"].shape == (2, 1, 48, 64) and b["semantic"].dtype == torch.int64
    assert b["K"].shape == (2, 3, 3) and b["cam_to_world"].shape == (2, 4, 4)


def test_same_seed_same_bytes_other_seed_other_city(tiny_dataset, tmp_path):
    root, cfg = tiny_dataset
    # one shard spanning two scenes (regression: the radio stage lost the first scene)
    generate(tiny_config(seed=7, shard_size=3), tmp_path / "again", progress=False)
    other = tiny_config(seed=8)
    generate(other, tmp_path / "other", progress=False)
    for _, sid in list_samples(root):
        a, b = read_sample(root, sid), read_sample(tmp_path / "again", sid)
        for k in ("rgb", "depth", "semantic", "normal", "cam_to_world"):
            assert a[k].tobytes() == b[k].tobytes(), k
        np.testing.assert_allclose(a["path_gain_db"], b["path_gain_db"], rtol=0, atol=1e-4)
    fa = (root / "scenes/city-mix-0000/footprints.json").read_text()
    fb = (tmp_path / "other/scenes/city-mix-0000/footprints.json").read_text()
    assert fa != fb
    a, c = read_sample(root, "000000"), read_sample(tmp_path / "other", "000000")
    assert a["rgb"].tobytes() != c["rgb"].tobytes()


def test_corrupt_shard_and_missing_dataset_errors(tiny_dataset, tmp_path):
    import shutil

    root, _ = tiny_dataset
    with pytest.raises(DatasetError, match="not a synthrm dataset"):
        read_sample(tmp_path, "000000")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    shard = copy / list_samples(copy)[0][0]
    shard.write_bytes(shard.read_bytes()[:1000])
    with pytest.raises(DatasetError, match="not a readable HDF5 file"):
        read_sample(copy, "000000")
    with pytest.raises(DatasetError, match="not found"):
        read_sample(copy, "999999")


@pytest.mark.slow
def test_optional_hdr_and_log_depth(tmp_path):
    """render.hdr / render.log_depth add float16 linear radiance that tone-maps to the 8-bit
    image and a log depth that inverts to the z-depth; off by default."""
    from synthrm.color import linear_to_srgb8

    cfg = tiny_config(seed=11, frames=1, render={"hdr": True, "log_depth": True, "exposure": 1.5},
                      radio={"enabled": False})
    generate(cfg, tmp_path / "hdr", progress=False)
    s = read_sample(tmp_path / "hdr", "000000")
    assert s["rgb_linear"].dtype == np.float16 and s["rgb_linear"].shape == s["rgb"].shape
    assert s["rgb_linear"].max() > 0
    diff = np.abs(linear_to_srgb8(s["rgb_linear"].astype(np.float32), 1.5).astype(int) - s["rgb"].astype(int))
    assert diff.max() <= 2  # float16 rounding of the radiance
    d = s["depth"]
    np.testing.assert_allclose(np.expm1(s["depth_log"][np.isfinite(d)]), d[np.isfinite(d)], rtol=1e-5)
    assert np.array_equal(np.isnan(s["depth_log"]), np.isnan(d))
    with pytest.raises(ValueError, match="render.hdr: must be true or false"):
        tiny_config(render={"hdr": "yes"})
