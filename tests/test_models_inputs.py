"""What the outdoor models may see beyond RGB (depth, normals, the free-space residual, the
geometric line of sight, the incidence cosine), the seed's rotation augmentation, learning
curves on a share of the data, and the scores split by mechanism, provenance, class and LoS."""
import json

import numpy as np
import pytest
import torch

from synthrm.errors import ConfigError
from synthrm.models.config import TrainConfig, base_channel, input_channels, input_groups
from synthrm.models.data import OutdoorExamples
from synthrm.models.evaluate import UMI, evaluate
from synthrm.models.train import rotate_batch, train
from synthrm.radio.labels import MECH_DIFFRACTION, MECH_LOS


def test_input_names_parse_to_channel_groups():
    assert input_groups("rgb") == ("rgb",) and input_channels("rgb") == 3
    assert input_channels("rgbd-fspl") == 5 and base_channel("rgbd-fspl") == 4
    assert input_channels("geometry") == 10 and base_channel("geometry") == 7
    assert base_channel("rgbd") is None
    assert input_groups("rgb+los+depth") == ("rgb", "depth", "los")  # canonical order
    for bad in ("rgb+foo", "depth+rgb", "rgb+los+los", ""):
        with pytest.raises(ValueError, match="inputs must be one of"):
            input_groups(bad)
    with pytest.raises(ConfigError, match="inputs must be one of"):
        TrainConfig(inputs="rgb+sky").validate()
    for bad in ({"train_fraction": 0}, {"train_fraction": 1.5}, {"augment": "flip"}):
        with pytest.raises(ConfigError):
            TrainConfig(**bad).validate()


def test_geometry_channels_are_physical(tiny_dataset):
    """The geometric LoS (footprints) agrees with the labels' own mechanism, the incidence
    cosine is a cosine, the free-space channel is the model's base and sky is 0 everywhere."""
    root, _ = tiny_dataset
    ds = OutdoorExamples(root, inputs="geometry")
    assert ds.in_ch == 10
    los = np.stack([it.los for it in ds.items])
    mech = np.stack([it.mechanism for it in ds.items])
    img = np.stack([it.image for it in ds.items])
    sky = ~np.isfinite(np.stack([it.distance_m for it in ds.items]))
    # pixels whose label is dominated by the line-of-sight path see the Tx geometrically;
    # diffraction-dominated ones do not (the footprints ignore trees and small props)
    assert los[mech == MECH_LOS].mean() > 0.9
    if (mech == MECH_DIFFRACTION).any():
        assert los[mech == MECH_DIFFRACTION].mean() < 0.2
    np.testing.assert_array_equal(img[:, 8] > 0.5, los)
    assert np.all(np.abs(img[:, 9]) <= 1 + 1e-5)
    assert np.all(img[:, 3:][np.broadcast_to(sky[:, None], img[:, 3:].shape)] == 0)
    b = ds[0]
    torch.testing.assert_close(b["base"], b["image"][7:8])


def test_rotation_turns_the_tx_with_the_image(tiny_dataset):
    """Turning a batch by k x 90 degrees turns the Tx's camera-frame position with it: the
    pixel the Tx projects to moves exactly where the image's pixels move."""
    root, _ = tiny_dataset
    ds = OutdoorExamples(root, inputs="rgbd")
    b = {k: v[None] if isinstance(v, torch.Tensor) else v for k, v in ds[0].items()}
    h, w = b["image"].shape[-2:]
    f = 40.0  # any focal length [px]: square pixels, principal point at the centre
    b["tx"] = b["tx"].clone()
    b["tx"][0, :3] = torch.tensor([0.3, -0.2, 1.0])  # in front of the camera, inside the image

    def project(tx, hh, ww):
        x, y, z = (float(v) for v in tx[0, :3])
        return f * x / z + (ww - 1) / 2, f * y / z + (hh - 1) / 2

    u, v = project(b["tx"], h, w)
    assert 0 <= u < w and 0 <= v < h
    mark = torch.zeros((1, 1, h, w))
    mark[..., int(round(v)), int(round(u))] = 1
    for k in (1, 2, 3):
        r = rotate_batch({**b, "valid": mark}, k)
        hh, ww = r["image"].shape[-2:]
        assert (hh, ww) == ((w, h) if k % 2 else (h, w))
        torch.testing.assert_close(r["image"], torch.rot90(b["image"], k, dims=(-2, -1)))
        (vr, ur), = torch.nonzero(r["valid"][0, 0]).tolist()
        u2, v2 = project(r["tx"], hh, ww)
        assert abs(u2 - ur) <= 0.5 + 1e-6 and abs(v2 - vr) <= 0.5 + 1e-6, (k, u2, v2, ur, vr)
    torch.testing.assert_close(rotate_batch(b, 4)["tx"], b["tx"])


@pytest.mark.slow
def test_geometry_model_trains_with_rotation_and_a_share_of_the_data(tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    cfg = dict(model="radiounet-s", epochs=3, batch_size=2, width=8, lr=3e-3, patience=0, inputs="geometry",
               label_weighting="std", augment="rot90")
    r = train(TrainConfig(**cfg), root, tmp_path / "all", progress=False)
    assert r["history"][-1]["train_loss"] < r["history"][0]["train_loss"]
    assert json.loads((tmp_path / "all" / "run.json").read_text())["in_ch"] == 10
    # a learning curve's point: half of the training scenes (2 scenes here, no validation part)
    one = dict(cfg, epochs=1, val_fraction=0.0)
    train(TrainConfig(**one), root, tmp_path / "full", progress=False)
    train(TrainConfig(**one, train_fraction=0.5), root, tmp_path / "half", progress=False)
    full = json.loads((tmp_path / "full" / "run.json").read_text())
    half = json.loads((tmp_path / "half" / "run.json").read_text())
    assert 0 < len(half["train_samples"]) < len(full["train_samples"])
    res = evaluate(tmp_path / "all", root, progress=False)
    (g, methods), = res["data"][root.name]["groups"].items()
    assert set(methods) == {"radiounet-s (geometry)", "free-space (Friis)", "log-distance", UMI}
    for m in methods.values():
        by = m["mae_db_by_mechanism"]
        assert by and sum(v["pixels"] for v in by.values()) == sum(v["pixels"] for v in m["mae_db_by_provenance"].values())
        assert set(m["mae_db_by_los"]) <= {"LoS", "NLoS"} and m["mae_db_by_semantic"]
        # the pooled MAE is the pixel-weighted mean of the parts
        tot = sum(v["mae_db"] * v["pixels"] for v in by.values()) / sum(v["pixels"] for v in by.values())
        assert tot == pytest.approx(m["mae_db"], rel=1e-4)


def test_geometric_los_cache_returns_what_it_computes(tiny_dataset, tmp_path, monkeypatch):
    from synthrm.models import data as mdata

    root, _ = tiny_dataset
    monkeypatch.setenv("SYNTHRM_CACHE", "")
    fresh = OutdoorExamples(root, inputs="rgb", with_los=True)
    assert mdata.los_cache_dir() is None
    monkeypatch.setenv("SYNTHRM_CACHE", str(tmp_path))
    first = OutdoorExamples(root, inputs="rgb", with_los=True)
    assert len(list((tmp_path / "los").glob("*.npy"))) == len(first.items)
    again = OutdoorExamples(root, inputs="rgb", with_los=True)  # from the cache
    for a, b, c in zip(fresh.items, first.items, again.items):
        np.testing.assert_array_equal(a.los, b.los)
        np.testing.assert_array_equal(a.los, c.los)
    # another Tx position is another key, never the cached mask of the old one
    it = fresh.items[0]
    hmap = mdata._scene_height_map(root, it.scene_id, {})
    moved = mdata.geometric_los(it.points_m, it.tx_m + np.array([0.0, 0.0, 200.0]), hmap)
    assert moved.sum() > it.los.sum()  # from 200 m up, more of the scene is in sight


def test_inputs_that_need_normals_refuse_a_dataset_without_them(tiny_dataset, tmp_path):
    import shutil

    from synthrm.errors import DatasetError

    root, _ = tiny_dataset
    copy = tmp_path / "no_normals"
    shutil.copytree(root, copy)
    idx = json.loads((copy / "index.json").read_text())
    idx["absent"] = [*idx.get("absent", []), "normal"]
    (copy / "index.json").write_text(json.dumps(idx))
    for inputs in ("geometry", "rgb+incidence"):
        with pytest.raises(DatasetError, match="no normal buffer .* use inputs without them"):
            OutdoorExamples(copy, inputs=inputs)
    assert OutdoorExamples(copy, inputs="rgbd-fspl").in_ch == 5
