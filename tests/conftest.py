"""Shared tiny fixtures: a small city and a 64x48 dataset made with the real renderer."""
from __future__ import annotations

import numpy as np
import pytest

from synthrm.config import make_config

#: Indoor overrides for tiny apartments (two 20-30 m^2 scenes, small scans, few rays).
TINY_INDOOR = {"scenes": 2, "tx_per_scene": 2, "heights_m": [0.6, 1.6],
               "apartment": {"area_m2": [20, 30], "room_max_m2": 14.0},
               "scan": {"resolution": [48, 36], "headings": 4, "spp": 2},
               "radio": {"samples_per_tx": 200000, "max_depth": 3}}

#: Fixtures that generate a dataset, a city or an apartment with the real renderer and ray
#: tracer. A test using one is marked ``slow``: ``pytest -m "not slow"`` is the fast subset
#: (under a minute), ``pytest`` the whole suite.
GENERATING_FIXTURES = {"tiny_dataset", "ds10", "good_blocks", "local_run", "indoor_ds", "source", "indoor_small",
                       "scene", "plan", "city_frame", "city_frame_v2", "wall_scenes", "variants"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if GENERATING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


TINY_CITY = {"blocks_x": 2, "blocks_y": 2, "block_size_m": [50, 70], "outskirts_m": 200.0}


def tiny_config(preset="city-mix", **over):
    over.setdefault("frames", 3)
    over.setdefault("shard_size", 2)
    over.setdefault("frames_per_scene", 2)
    over.setdefault("camera", {})
    over["camera"] = {"resolution": [64, 48], **over["camera"]}
    over["city"] = {**TINY_CITY, **over.get("city", {})}
    over["render"] = {"spp": 4, **over.get("render", {})}
    radio = over.get("radio", {})
    few = {} if radio.get("tx_placement") == "list" else {"tx_per_frame": 2}  # a Tx list sets the count
    over["radio"] = {"samples_per_tx": 10 ** 5, **few, **radio}
    return make_config(preset, over)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    from synthrm.generate import generate

    root = tmp_path_factory.mktemp("ds")
    cfg = tiny_config(seed=7)
    generate(cfg, root, progress=False)
    return root, cfg


#: Indoor overrides of the learning tests: 2 apartments x 3 Tx on a 0.2 m grid, 3 heights,
#: every split present.
TINY_LEARN_INDOOR = {**TINY_INDOOR, "tx_per_scene": 3, "voxel_size_m": 0.2, "heights_m": [0.6, 1.0, 1.6],
                     "test_fraction": 0.5, "val_tx_fraction": 0.34}


@pytest.fixture(scope="session")
def indoor_small(tmp_path_factory):
    """A tiny indoor dataset to train SenseRay-3D on (:data:`TINY_LEARN_INDOOR`). Read-only."""
    from synthrm.config import make_indoor_config
    from synthrm.generate.indoor import generate_indoor

    root = tmp_path_factory.mktemp("indoor_learn")
    generate_indoor(make_indoor_config(overrides=TINY_LEARN_INDOOR), root, progress=False)
    return root


def quick_train_config(model, **kw):
    """A ``TrainConfig`` that trains in seconds on the tiny datasets (5 epochs, width 8)."""
    from synthrm.models.config import TrainConfig

    kw = {"epochs": 5, "batch_size": 2, "width": 8, "lr": 3e-3, "patience": 0, **kw}
    return TrainConfig(model=model, **kw)


@pytest.fixture(scope="session")
def ds10(tmp_path_factory):
    """A rendered, ray-traced tiny city dataset with 10 Tx per frame (what the
    SynthRM-Platform blocks take): 3 frames, 2 scenes. Read-only for the tests."""
    from synthrm.generate import generate

    root = tmp_path_factory.mktemp("ds10")
    generate(tiny_config(seed=7, radio={"tx_per_frame": 10}), root, progress=False)
    return root


def assert_same_samples(a, b, n: int | None = None):
    """Two city datasets hold the same samples: identical optical buffers, Tx and radio
    labels (the Monte Carlo sums are fixed-point, so a frame's labels are the same bits in
    any process and on any thread count)."""
    from synthrm.dataset.hdf5 import list_samples, read_sample

    ia, ib = list_samples(a), list_samples(b)
    assert [s for _, s in ia] == [s for _, s in ib]
    if n is not None:
        assert len(ia) == n
    for (_, sid), _ in zip(ia, ib):
        x, y = read_sample(a, sid), read_sample(b, sid)
        for k in ("rgb", "depth", "normal", "semantic", "material", "cam_to_world", "tx_position", "antenna_pattern"):
            if k in x:
                assert np.array_equal(x[k], y[k], equal_nan=x[k].dtype.kind == "f"), (sid, k)
        for k in ("path_gain_db", "path_gain_std_db", "path_gain_source", "sinr_db"):
            if k in x:
                assert_same_path_gain(x[k], y[k], f"{sid}: {k}")


def assert_same_path_gain(pa, pb, what=""):
    """Two runs of one frame give the same radio map (path gain [dB], its std, provenance
    or SINR), bit for bit, NaN where the other is NaN."""
    pa, pb = np.asarray(pa), np.asarray(pb)
    assert pa.shape == pb.shape, what
    assert np.array_equal(pa, pb, equal_nan=pa.dtype.kind == "f"), (
        f"{what}: {np.sum(pa != pb)} values differ, max {np.nanmax(np.abs(pa - pb.astype(pa.dtype)))}")


def point_triangle_distance(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Distances (P, T) from points p (P, 3) to triangles tri (T, 3, 3) (Ericson's method)."""
    a, b, c = tri[None, :, 0], tri[None, :, 1], tri[None, :, 2]
    p = p[:, None, :]
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = (ab * ap).sum(-1), (ac * ap).sum(-1)
    bp = p - b
    d3, d4 = (ab * bp).sum(-1), (ac * bp).sum(-1)
    cp = p - c
    d5, d6 = (ab * cp).sum(-1), (ac * cp).sum(-1)
    va, vb, vc = d3 * d6 - d5 * d4, d5 * d2 - d1 * d6, d1 * d4 - d3 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = va + vb + vc
        v = np.where(denom != 0, vb / denom, 0.0)
        w = np.where(denom != 0, vc / denom, 0.0)
        q = a + ab * v[..., None] + ac * w[..., None]  # interior projection
        t_ab = np.clip(d1 / np.where((d1 - d3) != 0, d1 - d3, 1), 0, 1)
        t_ac = np.clip(d2 / np.where((d2 - d6) != 0, d2 - d6, 1), 0, 1)
        t_bc = np.clip((d4 - d3) / np.where(((d4 - d3) + (d5 - d6)) != 0, (d4 - d3) + (d5 - d6), 1), 0, 1)
    q_ab, q_ac, q_bc = a + ab * t_ab[..., None], a + ac * t_ac[..., None], b + (c - b) * t_bc[..., None]
    inside = (va >= 0) & (vb >= 0) & (vc >= 0) & (denom != 0)
    dist = np.stack([np.linalg.norm(p - q_ab, axis=-1), np.linalg.norm(p - q_ac, axis=-1),
                     np.linalg.norm(p - q_bc, axis=-1)]).min(0)
    return np.where(inside, np.linalg.norm(p - q, axis=-1), dist)


def min_distance(points: np.ndarray, tris: np.ndarray, chunk: int = 256) -> np.ndarray:
    """(P,) distance from each point to the nearest triangle."""
    out = np.empty(len(points))
    for i in range(0, len(points), chunk):
        out[i:i + chunk] = point_triangle_distance(points[i:i + chunk], tris).min(1)
    return out
