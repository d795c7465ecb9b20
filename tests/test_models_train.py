"""The learning benchmark end to end on tiny generated datasets: every model
trains (loss decreases), checkpoints resume to the same weights, evaluation scores the
model next to the physics baselines, and bad input is a clear error."""
import dataclasses
import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from synthrm.cli import main
from synthrm.models.registry import indoor_models, outdoor_models
from synthrm.models.config import TrainConfig
from synthrm.errors import ConfigError, DatasetError
from synthrm.models.data import IndoorExamples, OutdoorExamples, tx_vectors
from synthrm.models.evaluate import evaluate
from synthrm.models.train import RunError, indoor_pred_db, load_model, train

from conftest import quick_train_config as _quick


def _bench(name: str):
    """A module of benchmarks/ (they import each other by bare name)."""
    import importlib

    folder = str(Path(__file__).resolve().parent.parent / "benchmarks")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)



@pytest.mark.parametrize("name", outdoor_models())
def test_outdoor_model_trains_and_is_scored_against_baselines(name, tiny_dataset, tmp_path):
    root, _ = tiny_dataset
    r = train(_quick(name), root, tmp_path / "run", progress=False)
    losses = [h["train_loss"] for h in r["history"]]
    assert len(losses) == 5 and losses[-1] < losses[0], losses
    for f in ("run.json", "last.pt", "best.pt", "log.csv", "log.json", "loss.png"):
        assert (tmp_path / "run" / f).is_file(), f
    res = evaluate(tmp_path / "run", root, progress=False)
    groups = res["data"][root.name]["groups"]
    (g, methods), = groups.items()  # the training folder: its held-out scenes only
    assert g.endswith("(val)")
    assert set(methods) == {name, "free-space (Friis)", "log-distance", "TR 38.901 UMi (geometric LoS)"}
    for m in methods.values():
        assert np.isfinite(m["mae_db"]) and m["valid_fraction"] > 0
        # per-example MAE (confidence intervals over frames): their pixel-weighted mean is the MAE
        per = m["per_example_mae_db"]
        assert len(per) == m["examples"] and all(x is None or x >= 0 for x in per)
    assert len(res["data"][root.name]["example_frames"][g]) == m["examples"]
    # the baselines see the same pixels
    assert len({m["valid_fraction"] for m in methods.values()}) == 1
    assert "| free-space (Friis) |" in (tmp_path / "run" / "evaluation.md").read_text()


def test_early_stopping_does_not_depend_on_the_progress_output(tiny_dataset, tmp_path):
    """``--patience`` stops a quiet run as it stops one that prints its epochs (it stopped
    only with the progress shown before: every ``--quiet`` protocol run trained to the end):
    the run ends at the first epoch with ``patience`` epochs since the lowest validation loss."""
    root, _ = tiny_dataset
    runs = [train(_quick("radiounet-s", epochs=8, patience=1, max_steps_per_epoch=1), root,
                  tmp_path / f"run{p}", progress=p) for p in (False, True)]
    quiet, shown = runs
    val = [h["val_loss"] for h in quiet["history"]]
    bad, best, expected = 0, float("inf"), 8
    for epoch, v in enumerate(val, 1):
        bad, best = (0, v) if v < best else (bad + 1, best)
        if bad >= 1:
            expected = epoch
            break
    assert quiet["epochs_run"] == expected == shown["epochs_run"]
    assert quiet["stopped_early"] == shown["stopped_early"] == (expected < 8)


def test_evaluation_on_a_subset_of_label_provenance(tiny_dataset, tmp_path):
    """``--label-sources 1`` scores the model and the baselines on the labels of that
    provenance only (the free-space MAE recomputed here from the stored labels), kept
    next to the result over all labels; bad codes and indoor data are one-line errors."""
    from synthrm.camera import PinholeCamera
    from synthrm.dataset.hdf5 import read_radio_sample
    from synthrm.radio.physics import fspl_db

    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(_quick("radiounet-s", epochs=1, max_steps_per_epoch=1), root, run, progress=False)
    meta = json.loads((run / "run.json").read_text())
    assert main(["evaluate", "--run", str(run), "--data", str(root), "--quiet"]) == 0
    assert main(["evaluate", "--run", str(run), "--data", str(root), "--label-sources", "1", "--quiet"]) == 0
    res = json.loads((run / "evaluation.json").read_text())["data"]
    full, ones = res[root.name], res[f"{root.name} (labels 1)"]
    assert full["label_sources"] == [1, 2, 3, 4, 5, 6] and ones["label_sources"] == [1]
    (g, m_all), = full["groups"].items()
    m_one = ones["groups"][g]
    # expected: Friis MAE over the held-out frames' labels of provenance 1
    err, n_all, n_one = [], 0, 0
    for sid in meta["val_samples"]:
        s = read_radio_sample(root, sid, ["depth", "K", "cam_to_world", "path_gain_db", "path_gain_source",
                                          "tx_position"])
        pg, src = s["path_gain_db"], s["path_gain_source"]
        pts = PinholeCamera.from_sample(s).backproject(s["depth"])
        d = np.linalg.norm(pts[None] - s["tx_position"][:, None, None], axis=-1)
        ok = np.isfinite(pg) & np.isfinite(d)
        n_all += int(ok.sum())
        sel = ok & (src == 1)
        n_one += int(sel.sum())
        err.append(np.abs(-fspl_db(d[sel], float(s["attrs"]["frequency_hz"])) - pg[sel]))
    assert 0 < n_one < n_all  # the subset is a proper one: the test can tell them apart
    assert m_one["free-space (Friis)"]["valid_fraction"] / m_all["free-space (Friis)"]["valid_fraction"] == \
        pytest.approx(n_one / n_all)
    assert m_one["free-space (Friis)"]["mae_db"] == pytest.approx(float(np.concatenate(err).mean()), abs=0.02)
    assert m_one["radiounet-s"]["mae_db"] != m_all["radiounet-s"]["mae_db"]
    assert "(labels 1)" in (run / "evaluation.md").read_text()
    assert main(["evaluate", "--run", str(run), "--data", str(root), "--label-sources", "1,9", "--quiet"]) == 2
    with pytest.raises(ConfigError, match="label_sources: expected provenance codes among 1-6"):
        evaluate(run, root, progress=False, label_sources="x")


def test_tx_vector_is_the_tx_in_camera_axes():
    c2w = np.eye(4)
    c2w[:3, :3] = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]  # camera looks along world +x, z up
    c2w[:3, 3] = [10, 20, 30]
    v = tx_vectors(np.array([[110.0, 20.0, 30.0], [10.0, 20.0, 130.0]]), np.full((2, 4), -40.0), c2w)
    np.testing.assert_allclose(v[0, :3], [0, 0, 1], atol=1e-6)   # 100 m straight ahead
    np.testing.assert_allclose(v[1, :3], [0, -1, 0], atol=1e-6)  # 100 m up = image -y
    assert np.all(v[:, 3:] == 0)  # floor of the pattern maps to 0


def test_cli_train_resume_evaluate_predict(tiny_dataset, tmp_path):
    """A run interrupted after 2 epochs and resumed to 3 ends with the weights of an
    uninterrupted 3-epoch run (the checkpoint round trip)."""
    root, _ = tiny_dataset
    args = ["train", "--model", "radiounet-s", "--data", str(root), "--batch-size", "2", "--width", "8",
            "--patience", "0", "--quiet"]
    assert main(args + ["--epochs", "3", "--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--epochs", "2", "--out", str(tmp_path / "b")]) == 0
    assert main(args + ["--epochs", "3", "--out", str(tmp_path / "b")]) == 2  # exists: needs --resume
    assert main(args + ["--epochs", "3", "--out", str(tmp_path / "b"), "--resume"]) == 0
    a = torch.load(tmp_path / "a/last.pt", weights_only=False)
    b = torch.load(tmp_path / "b/last.pt", weights_only=False)
    assert b["epoch"] == 3 and len(b["history"]) == 3
    for k, v in a["model"].items():
        assert torch.allclose(v.float(), b["model"][k].float(), atol=1e-5), k
    assert main(["evaluate", "--run", str(tmp_path / "b"), "--data", str(root), "--quiet"]) == 0
    res = json.loads((tmp_path / "b/evaluation.json").read_text())
    assert res["model"] == "radiounet-s" and root.name in res["data"]
    assert main(["predict", "--run", str(tmp_path / "b"), "--data", str(root), "--tx", "1",
                 "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 10_000
    # a resumed run with other settings is refused, naming them
    assert main(args + ["--epochs", "4", "--lr", "0.5", "--out", str(tmp_path / "b"), "--resume"]) == 2


#: Smallest width of each indoor model (SwinUNETR's feature_size is a multiple of 12).
INDOOR_WIDTH = {"senseray3d": 12, "floorplan-unet": 8}


@pytest.mark.parametrize("name", indoor_models())
def test_indoor_model_trains_on_voxels_and_is_scored_per_split_and_height(name, indoor_small, tmp_path):
    loss = "l1" if name == "floorplan-unet" else "mse"
    r = train(_quick(name, width=INDOOR_WIDTH[name], batch_size=1, epochs=3, lr=2e-3, loss=loss), indoor_small,
              tmp_path / "run", progress=False)
    losses = [h["train_loss"] for h in r["history"]]
    assert losses[-1] < losses[0], losses
    if loss == "l1":  # the L1 loss is the MAE [dB] the validation reports, on the same weights
        model, _ = load_model(tmp_path / "run")
        from synthrm.models.train import indoor_loss

        val = IndoorExamples(indoor_small, ("val",), pad_shape=tuple(json.loads(
            (tmp_path / "run/run.json").read_text())["pad_shape"]))
        b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in val[0].items()}
        with torch.no_grad():
            pred = indoor_pred_db(model, b, torch.device("cpu"))
            got = float(indoor_loss(model, b, torch.device("cpu"), "l1"))
        v = b["valid"]
        assert got == pytest.approx(float((pred[v] - b["path_loss_db"][v]).abs().mean()), rel=1e-5)
    meta = json.loads((tmp_path / "run/run.json").read_text())
    assert meta["kind"] == "indoor" and all(n % 32 == 0 for n in meta["pad_shape"])
    ds = IndoorExamples(indoor_small, ("train", "val", "test"))
    assert all(p >= n for it in ds.items for p, n in zip(meta["pad_shape"], it.x.shape[1:]))
    res = evaluate(tmp_path / "run", indoor_small, progress=False)["data"][indoor_small.name]
    assert set(res["groups"]) == {"val", "test"}
    for split, methods in res["groups"].items():
        assert set(methods) == {name, "free-space (Friis)", "log-distance", "multi-wall (P.1238 style)",
                                "TR 38.901 InH-office"}
        assert all(len(v) == 3 for v in res["per_height_mae_db"][split].values())
        for v in methods.values():
            assert len(v["per_example_mae_db"]) == v["examples"] == len(res["example_scenes"][split])
    assert (tmp_path / "run/error_vs_height.png").is_file()
    assert main(["predict", "--run", str(tmp_path / "run"), "--data", str(indoor_small), "--height", "1.0",
                 "--out", str(tmp_path / "p.png")]) == 0
    # learning_table reads the run as indoor (by its model's registry kind) and judges its
    # test MAE against the SenseRay-3D paper's 4.27 dB
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import learning_table as lt
    finally:
        sys.path.remove(bench)
    out = lt.main([str(tmp_path / "run"), "--md", str(tmp_path / "t.md"), "--boot", "100"])
    v = out["verdicts"]["indoor/test"]
    mae = out["groups"]["indoor/test"][v["best_model"]]["mae_db"]
    assert v["below_seed_indoor"] == (mae < lt.SEED_INDOOR_MAE_DB)
    text = (tmp_path / "t.md").read_text()
    assert f"4.27 dB on unseen apartments {'met' if mae < 4.27 else 'not met'} ({mae:.2f}" in text
    assert "below_seed_indoor" not in out["verdicts"].get("indoor/val", {})
    # the run is a point of the indoor learning curve (its entries and best validation MAE)
    (c,) = out["curves"]
    assert c[0] == "run" and c[2] == len(meta["train_examples"]) and "(indoor" in c[5] and np.isfinite(c[3])


def test_indoor_examples_loading_bar(indoor_small, capsys):
    """``progress`` shows a bar over the entries as they load (the wall channels are slow the
    first time) and changes nothing in the examples."""
    quiet = IndoorExamples(indoor_small, ("train",), inputs="voxels+walls")
    assert "load " not in capsys.readouterr().err
    shown = IndoorExamples(indoor_small, ("train",), inputs="voxels+walls", progress=True)
    assert f"load {indoor_small.name} (train)" in capsys.readouterr().err
    assert [it.entry for it in shown.items] == [it.entry for it in quiet.items]
    assert all(np.array_equal(a.x, b.x) for a, b in zip(shown.items, quiet.items))


def test_multi_wall_is_free_space_plus_nonnegative_wall_losses(indoor_small):
    from synthrm.models.baselines import multi_wall_db

    ds = IndoorExamples(indoor_small, ("train", "val", "test"))
    it = ds.items[0]
    rx = ds.receivers_m(0).reshape(-1, 3)
    mw = multi_wall_db(it.x[0], it.x[2] * 20.0, it.origin_m, ds.voxel_size_m, it.tx_m, rx, ds.frequency_hz)
    extra = mw - it.fspl_db.reshape(-1)
    assert extra.min() > -1e-3 and extra.max() > 3.0  # some receivers are behind a wall


def test_inh_office_takes_los_from_the_voxels(indoor_small):
    """LoS (no wall on the line) receivers get the InH LoS formula, the others NLoS; the
    walls are those of the multi-wall model (one marching)."""
    from synthrm.models.baselines import inh_office_db, multi_wall_db, wall_crossings

    ds = IndoorExamples(indoor_small, ("train", "val", "test"))
    it = ds.items[0]
    rx = ds.receivers_m(0).reshape(-1, 3)
    walls, walls_db = wall_crossings(it.x[0], it.origin_m, ds.voxel_size_m, it.tx_m, rx, it.x[2] * 20.0)
    mw = multi_wall_db(it.x[0], it.x[2] * 20.0, it.origin_m, ds.voxel_size_m, it.tx_m, rx, ds.frequency_hz)
    assert np.allclose(mw, it.fspl_db.reshape(-1) + walls_db, atol=1e-4)  # evaluate_indoor's multi-wall row
    los = walls == 0
    assert 0 < los.sum() < len(los)  # some receivers see the Tx, some do not
    assert (walls_db[los] == 0).all()
    inh = inh_office_db(it.distance_m.reshape(-1), ds.frequency_hz, los)
    assert np.allclose(inh[los], inh_office_db(it.distance_m.reshape(-1)[los], ds.frequency_hz, True))
    assert (inh[~los] >= inh_office_db(it.distance_m.reshape(-1)[~los], ds.frequency_hz, True)).all()


def test_multi_wall_prior_is_the_multi_wall_baseline(indoor_small):
    """``prior="multi-wall"``: each entry's ``prior_db`` is the multi-wall baseline the
    evaluation scores (FSPL + the walls on the straight line), so a network with a zero
    residual predicts it exactly; ``prior="fspl"`` is free space; other priors are refused
    (by the dataset and by the training config, and for an outdoor model)."""
    from synthrm.errors import ConfigError
    from synthrm.models.baselines import multi_wall_db
    from synthrm.models.config import TrainConfig
    from synthrm.models.senseray import FloorPlanUNet
    from synthrm.models.train import indoor_pred_db

    free = IndoorExamples(indoor_small, ("train", "val", "test"))
    mw = IndoorExamples(indoor_small, ("train", "val", "test"), prior="multi-wall")
    assert len(free) == len(mw) > 1
    behind = 0
    for i, it in enumerate(mw.items):
        rx = mw.receivers_m(i).reshape(-1, 3)
        want = multi_wall_db(it.x[0], it.x[2] * 20.0, it.origin_m, mw.voxel_size_m, it.tx_m, rx, mw.frequency_hz)
        np.testing.assert_allclose(it.prior_db.reshape(-1), want, atol=1e-3)
        np.testing.assert_array_equal(free.items[i].prior_db, free.items[i].fspl_db)
        behind += int((it.prior_db > it.fspl_db + 3.0).sum())
    assert behind > 0  # the prior differs from free space behind walls

    class Zero(FloorPlanUNet):
        def forward(self, x):
            return torch.zeros((x.shape[0], 1, *x.shape[2:]))

    b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in mw[0].items()}
    pred = indoor_pred_db(Zero(width=4), b, torch.device("cpu"))[0].numpy()
    ok = np.isfinite(b["prior_db"][0].numpy())
    np.testing.assert_allclose(pred[ok], b["prior_db"][0].numpy()[ok], atol=1e-3)
    with pytest.raises(ValueError, match="prior must be one of"):
        IndoorExamples(indoor_small, ("train",), prior="cost231")
    with pytest.raises(ConfigError, match="prior: must be one of"):
        TrainConfig(model="floorplan-unet", prior="cost231").validate()
    with pytest.raises(ConfigError, match="prior: multi-wall is for indoor models"):
        TrainConfig(model="radiounet-s", prior="multi-wall").validate()


def test_wall_channels_count_the_walls_on_the_line(tmp_path, monkeypatch):
    """``voxel_walls`` on a hand-made grid: one wall (transmission -7 dB) across x = 10 and a
    second (-95 dB) across x = 16, the Tx at x = 2.5 voxels: voxels before the first wall
    see the Tx (0 walls, 0 dB), between the walls 1 wall / 7 dB, behind both 2 walls with
    their 102 dB clipped at 40 dB; the wall voxels themselves are not checked. The result is
    cached by content (a second call reads the file; another Tx is another key)."""
    from synthrm.models import data as mdata

    monkeypatch.setenv("SYNTHRM_CACHE", str(tmp_path / "cache"))
    occ = np.zeros((20, 6, 4), np.uint8)
    tdb = np.zeros(occ.shape, np.float32)
    occ[10], tdb[10] = 1, -7.0
    occ[16], tdb[16] = 1, -95.0
    origin, vs = np.array([1.0, -2.0, 0.0]), 0.2
    tx = origin + np.array([2.5, 3.0, 2.0]) * vs
    w = mdata.voxel_walls(occ, tdb, origin, vs, tx)
    assert w.shape == (2, 20, 6, 4) and w.dtype == np.float32
    walls, loss_db = w[0] * mdata.WALLS_SCALE, w[1] * mdata.VOXEL_DB_SCALE
    np.testing.assert_allclose(walls[:10], 0, atol=1e-6)
    np.testing.assert_allclose(loss_db[:10], 0, atol=1e-6)
    np.testing.assert_allclose(walls[11:16], 1, atol=1e-6)
    np.testing.assert_allclose(loss_db[11:16], 7.0, atol=1e-4)
    np.testing.assert_allclose(walls[17:], 2, atol=1e-6)
    np.testing.assert_allclose(loss_db[17:], mdata.WALL_LOSS_CLIP_DB, atol=1e-4)
    cached = list((tmp_path / "cache" / "walls").glob("*.npy"))
    assert len(cached) == 1
    np.save(cached[0], w * 0 + 3)  # a second call reads the cache
    assert float(mdata.voxel_walls(occ, tdb, origin, vs, tx).max()) == 3
    mdata.voxel_walls(occ, tdb, origin, vs, tx + 0.01)
    assert len(list((tmp_path / "cache" / "walls").glob("*.npy"))) == 2


def test_wall_inputs_add_two_channels(indoor_small, monkeypatch, tmp_path):
    """``inputs="voxels+walls"``: each item's first four channels are the plain ones, the two
    more are ``voxel_walls`` of its grid and Tx; the config and the dataset refuse other
    names, and an outdoor model refuses the option."""
    from synthrm.errors import ConfigError
    from synthrm.models import data as mdata
    from synthrm.models.config import TrainConfig

    monkeypatch.setenv("SYNTHRM_CACHE", "")  # no cache: computed here
    plain = IndoorExamples(indoor_small, ("train", "val", "test"))
    walls = IndoorExamples(indoor_small, ("train", "val", "test"), inputs="voxels+walls")
    assert (plain.in_ch, walls.in_ch) == (4, 6) and walls[0]["x"].shape == (6, *walls.pad_shape)
    los = 0
    for a, b in zip(plain.items, walls.items):
        np.testing.assert_array_equal(b.x[:4], a.x)
        want = mdata.voxel_walls(a.x[0], a.x[2] * mdata.VOXEL_DB_SCALE, a.origin_m, plain.voxel_size_m, a.tx_m)
        np.testing.assert_allclose(b.x[4:], want, atol=1e-5)
        los += int((b.x[4] == 0).sum())
        assert (b.x[4] > 0).any()  # some voxels are behind a wall
    assert los > 0
    with pytest.raises(ValueError, match="inputs must be one of"):
        IndoorExamples(indoor_small, ("train",), inputs="voxels+rays")
    # a run whose wall channels were clipped otherwise is refused, not fed other features
    meta = {"pad_shape": list(walls.pad_shape), "indoor_inputs": "voxels+walls"}
    assert IndoorExamples.for_run({**meta, "wall_loss_clip_db": mdata.WALL_LOSS_CLIP_DB}, indoor_small,
                                  ("test",)).in_ch == 6
    with pytest.raises(DatasetError, match="clip the wall loss at 100 dB"):
        IndoorExamples.for_run({**meta, "wall_loss_clip_db": 100.0}, indoor_small, ("test",))
    with pytest.raises(ConfigError, match="indoor_inputs: must be one of"):
        TrainConfig(model="floorplan-unet", indoor_inputs="walls").validate()
    with pytest.raises(ConfigError, match="indoor_inputs: voxels\\+walls is for indoor models"):
        TrainConfig(model="radiounet-s", indoor_inputs="voxels+walls").validate()


def test_residual_is_sampled_between_voxel_centres(indoor_small):
    """A network whose residual is the voxel's z index gives FSPL + 10 dB x the fractional
    index of each receiver height in the padded grid."""
    from synthrm.models.senseray import SenseRay3D

    class ZNet(SenseRay3D):
        def forward(self, x):
            z = torch.arange(x.shape[-1], dtype=torch.float32)
            return z.expand(x.shape[0], 1, *x.shape[2:]).clone()

    ds = IndoorExamples(indoor_small, ("train",))
    b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[0].items()}
    fspl = torch.nan_to_num(b["fspl_db"])
    pl = ZNet().path_loss_db(b["x"], fspl, b["z_index"], b["z_weight"])
    off_z = int(b["offset"][0, 2])
    expect = (np.asarray(ds.heights_m) - ds.origin_z_m) / ds.voxel_size_m - 0.5 + off_z
    got = ((pl - fspl) / 10.0)[0, :, 0, 0].numpy()
    np.testing.assert_allclose(got, expect, atol=1e-5)


def test_floorplan_unet_reads_columns_and_writes_every_height():
    """The floor-plan U-Net's residual at (x, y, z) is channel z of its plan output at
    (x, y): a head that copies input channels back shows the voxel column reaches the
    plan pixel and returns to the right heights; a grid of another Z is refused."""
    from synthrm.models.senseray import FloorPlanUNet

    m = FloorPlanUNet(width=8, z_cells=32).eval()
    x = torch.rand(2, 4, 32, 64, 32)
    with torch.no_grad():
        m.net.forward = lambda plan: plan[:, 32:64]  # channel block 1 (reflection) at each z
        out = m(x)
    assert out.shape == (2, 1, 32, 64, 32)
    torch.testing.assert_close(out[:, 0], x[:, 1])
    with pytest.raises(ValueError, match="Z of the padded grid must be 32"):
        m(torch.zeros(1, 4, 32, 32, 64))


def test_indoor_train_fraction_keeps_a_share_of_the_apartments(tmp_path):
    """--train-fraction on an indoor model trains on a seeded share of the training
    apartments with all their Tx (it was ignored indoors), validation unchanged."""
    from conftest import TINY_LEARN_INDOOR
    from synthrm.config import make_indoor_config
    from synthrm.generate.indoor import generate_indoor
    from synthrm.models.train import load_examples

    root = tmp_path / "three"
    generate_indoor(make_indoor_config(overrides={**TINY_LEARN_INDOOR, "scenes": 3, "test_fraction": 0.0}), root,
                    progress=False)
    cfg = _quick("floorplan-unet", width=8)
    full_tr, full_va, full = load_examples(root, cfg, log=lambda m: None)
    half_tr, half_va, half = load_examples(root, dataclasses.replace(cfg, train_fraction=0.5), log=lambda m: None)
    scenes = {e.rsplit("-tx", 1)[0] for e in full["train_examples"]}
    kept = {e.rsplit("-tx", 1)[0] for e in half["train_examples"]}
    assert len(scenes) == 3 and len(kept) == 2 and kept < scenes  # round(1.5) apartments
    assert sorted(half["train_examples"]) == sorted(e for e in full["train_examples"] if e.rsplit("-tx", 1)[0] in kept)
    assert len(half_tr) == len(half["train_examples"]) < len(full_tr)
    assert half["val_examples"] == full["val_examples"] and half["pad_shape"] == full["pad_shape"]


def test_flip_keeps_labels_on_their_receivers(indoor_small):
    """A mirrored indoor batch keeps inputs and labels together: the Tx cell (the voxel
    distance channel's minimum) and the nearest receiver (the distance planes' minimum)
    mirror alike, FSPL still matches the distance, and a second flip restores the batch;
    rot90 is refused for indoor models, flip for outdoor ones."""
    from synthrm.models.train import flip_batch
    from synthrm.radio.physics import fspl_db

    ds = IndoorExamples(indoor_small, ("train",))
    b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[0].items()}

    def tx_cells(bb):
        d = bb["x"][0, 3]
        d = torch.where(d > 0, d, torch.inf)  # the zero padding holds no distance
        vox = np.unravel_index(int(torch.argmin(d)), d.shape)[:2]
        pl = torch.nan_to_num(bb["distance_m"][0], nan=1e9).amin(0)
        return vox, np.unravel_index(int(torch.argmin(pl)), pl.shape)

    v0, p0 = tx_cells(b)
    assert np.abs(np.subtract(v0, p0)).max() <= 1  # the Tx's voxel column is its nearest receiver
    for k in (1, 2, 3):
        f = flip_batch(b, k)
        v, p = tx_cells(f)
        n = b["x"].shape[2:4]
        for ax in (0, 1):
            mirrored = k & (1 << ax)
            assert v[ax] == (n[ax] - 1 - v0[ax] if mirrored else v0[ax])
            assert p[ax] == (n[ax] - 1 - p0[ax] if mirrored else p0[ax])
        ok = f["valid"]
        np.testing.assert_allclose(f["fspl_db"][ok].numpy(),
                                   fspl_db(np.maximum(f["distance_m"][ok].numpy(), 0.01), ds.frequency_hz),
                                   rtol=1e-5)
        back = flip_batch(f, k)
        for name in ("x", "valid", "path_loss_db"):
            assert torch.equal(torch.nan_to_num(back[name]), torch.nan_to_num(b[name]))
    with pytest.raises(ConfigError, match="rot90 is for outdoor models; use flip"):
        TrainConfig(model="floorplan-unet", augment="rot90").validate()
    with pytest.raises(ConfigError, match="flip is for indoor models; use rot90"):
        TrainConfig(model="radiounet-s", augment="flip").validate()


def test_learning_errors_are_clear(tiny_dataset, indoor_small, tmp_path):
    root, _ = tiny_dataset
    with pytest.raises(RunError, match="senseray3d needs an indoor voxel dataset"):
        train(_quick("senseray3d", width=12), root, tmp_path / "x", progress=False)
    with pytest.raises(RunError, match="outdoor camera model"):
        train(_quick("pmnet-s"), indoor_small, tmp_path / "y", progress=False)
    with pytest.raises(ConfigError, match="model: unknown 'unet'"):
        train(TrainConfig(model="unet"), root, tmp_path / "z", progress=False)
    with pytest.raises(ConfigError, match="multiple of 12"):
        train(TrainConfig(model="senseray3d", width=10), indoor_small, tmp_path / "z", progress=False)
    with pytest.raises(RunError, match="not a training run"):
        load_model(tmp_path / "nothing")
    # a run without its checkpoint
    train(_quick("radiounet-s", epochs=1), root, tmp_path / "r", progress=False)
    (tmp_path / "r/best.pt").unlink()
    with pytest.raises(RunError, match="checkpoint missing"):
        evaluate(tmp_path / "r", root, progress=False)
    (tmp_path / "r/best.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(RunError, match="unreadable checkpoint"):
        load_model(tmp_path / "r")
    # optical-only data cannot train a radio model
    from conftest import tiny_config
    from synthrm.generate import generate

    generate(tiny_config(seed=3, frames=1, radio={"enabled": False}), tmp_path / "optical", progress=False)
    with pytest.raises(DatasetError, match="has no radio labels .made with --no-radio"):
        OutdoorExamples(tmp_path / "optical")
    # NaN in an input array names the sample
    bad = tmp_path / "bad"
    shutil.copytree(root, bad)
    shard = next((bad / "shards").glob("*.h5"))
    with h5py.File(shard, "r+") as f:
        sid = sorted(f["samples"])[0]
        f["samples"][sid]["tx_position"][0, 0] = np.nan
    with pytest.raises(DatasetError, match=f"sample {sid}: tx_position holds 1 NaN"):
        OutdoorExamples(bad)


def test_fspl_residual_inputs_start_from_free_space(tiny_dataset, tmp_path):
    """With ``inputs="rgbd-fspl"`` the network's output is a residual over the free-space
    map: a network that outputs zero scores exactly the Friis baseline."""
    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(_quick("radiounet-s", inputs="rgbd-fspl", epochs=1), root, run, progress=False)
    ck = torch.load(run / "best.pt", weights_only=False)
    for k in ("unet.head.weight", "unet.head.bias"):
        ck["model"][k].zero_()
    torch.save(ck, run / "best.pt")
    (g, methods), = evaluate(run, root, progress=False)["data"][root.name]["groups"].items()
    for k in ("mae_db", "rmse_db"):
        assert methods["radiounet-s (rgbd-fspl)"][k] == pytest.approx(methods["free-space (Friis)"][k], abs=0.02)
    assert json.loads((run / "run.json").read_text())["in_ch"] == 5


def test_loss_figure_has_whole_epochs():
    """One epoch: x from 0.5 to 1.5 with the one tick 1 (not 0.96-1.04); more: integer ticks."""
    from synthrm.models.train import loss_figure

    rec = {"train_loss": 0.3, "val_loss": 0.4, "val_mae_db": 12.0}
    fig = loss_figure([{"epoch": 1, **rec}])
    for a in fig.axes:
        assert a.get_xlim() == (0.5, 1.5)
        assert [t for t in a.get_xticks() if 0.5 <= t <= 1.5] == [1.0]
    fig = loss_figure([{"epoch": e, **rec} for e in (1, 2, 3, 4, 5, 6, 7)])
    ticks = [t for t in fig.axes[0].get_xticks() if 0.5 <= t <= 7.5]
    assert fig.axes[0].get_xlim() == (0.5, 7.5) and len(ticks) >= 3 and all(float(t).is_integer() for t in ticks)


def test_one_scene_dataset_says_how_validation_is_split(tmp_path, capsys):
    """A dataset of one scene cannot hold out a scene: validation is split by sample, and
    training says so (a note, also under --quiet); the run records it."""
    from conftest import tiny_config
    from synthrm.generate import generate

    one = tmp_path / "one"
    generate(tiny_config(seed=4, frames=2, frames_per_scene=2), one, progress=False)
    assert main(["train", "--model", "radiounet-s", "--data", str(one), "--out", str(tmp_path / "run"), "--epochs",
                 "1", "--max-steps-per-epoch", "1", "--width", "8", "--batch-size", "2", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "holds one scene; validation is split by sample" in err, err
    assert "epoch 1:" not in err  # --quiet: no per-epoch lines
    assert json.loads((tmp_path / "run" / "run.json").read_text())["split_by"] == "sample_id"


def test_cli_batch_size_defaults_to_the_models_own(indoor_small, tmp_path):
    """``synthrm train`` without ``--batch-size`` takes the registered model's default (the
    floor-plan U-Net 8 a step, SenseRay-3D one apartment grid); the flag still wins; a
    registration with a batch below 1 is refused."""
    from synthrm.models.registry import MODELS, ModelSpec

    assert MODELS.get("floorplan-unet", "model").batch_size == 8 and MODELS.get("senseray3d", "model").batch_size == 1
    with pytest.raises(ValueError, match="batch_size"):
        ModelSpec("indoor", lambda **k: None, 0)
    for name, extra, want in (("floorplan-unet", [], 8), ("floorplan-unet", ["--batch-size", "3"], 3)):
        out = tmp_path / f"run{want}"
        assert main(["train", "--model", name, "--data", str(indoor_small), "--out", str(out), "--epochs", "1",
                     "--max-steps-per-epoch", "1", "--width", "8", "--quiet", *extra]) == 0
        assert json.loads((out / "run.json").read_text())["train_config"]["batch_size"] == want


def test_evaluation_carries_the_seed_style_ssim(tiny_dataset, tmp_path):
    """``evaluation.json`` holds ``ssim_image`` (``synthrm.metrics.ssim_image``, the seed-style
    SSIM) beside our ``ssim`` for every method, in [-1, 1] and equal to the metric on the same
    maps (the free-space baseline recomputed here); reproduce.py's Table 2 rows read it from
    the runs' evaluations, and an older file without it still reads (None)."""

    from synthrm.metrics import ssim_image
    from synthrm.radio.physics import fspl_db

    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(_quick("radiounet-s", epochs=1, max_steps_per_epoch=1), root, run, progress=False)
    res = evaluate(run, root, progress=False)
    (g, methods), = res["data"][root.name]["groups"].items()
    for m, x in methods.items():
        assert -1 <= x["ssim_image"] <= 1 and "ssim" in x, m
    on_disk = json.loads((run / "evaluation.json").read_text())
    assert on_disk["data"][root.name]["groups"][g]["radiounet-s"]["ssim_image"] == methods["radiounet-s"]["ssim_image"]
    ds = OutdoorExamples(root, inputs="rgb", samples=json.loads((run / "run.json").read_text())["val_samples"])
    truth = np.stack([it.path_gain_db for it in ds.items])
    dist = np.stack([it.distance_m for it in ds.items])
    valid = np.isfinite(truth) & np.isfinite(dist)
    friis = -fspl_db(np.maximum(np.nan_to_num(dist, nan=1.0), 0.01),
                     np.array([it.frequency_hz for it in ds.items])[:, None, None])
    assert methods["free-space (Friis)"]["ssim_image"] == pytest.approx(ssim_image(friis, truth, valid), abs=1e-6)
    # the page's Table 2 rows (reproduce.py --learning-runs keeps the evaluation as it is)
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import reproduce_doc
    finally:
        sys.path.remove(bench)
    ev = dict(on_disk)
    ev["data"] = {k: {**v, "groups": {"mix": v["groups"][g]}} for k, v in on_disk["data"].items()}
    lr = {"outdoor": {"run": {"run": str(run), "eval": ev}}}
    assert reproduce_doc._t2(lr)["mix"]["ssim_image"] == methods["radiounet-s"]["ssim_image"]
    for x in ev["data"][root.name]["groups"]["mix"].values():  # an evaluation made before the key
        x.pop("ssim_image")
    assert reproduce_doc._t2(lr)["mix"]["ssim_image"] is None
    # a validation group is not one of Table 2's test blocks
    ev["data"] = {k: {**v, "groups": {"mix (val)": v["groups"]["mix"]}} for k, v in ev["data"].items()}
    assert reproduce_doc._t2(lr) == {}


def test_learning_curves_join_a_dataset_and_its_extension():
    """The curves figure draws the runs on ``mix_train192`` and on its extension
    ``mix_train384`` (generate with more frames keeps the first ones) as one line; a dataset
    whose name has no frame count, or another model, keeps its own."""
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import learning_table as lt
    finally:
        sys.path.remove(bench)
    labels = ["radiounet-s (geometry, l1) on mix_train192", "radiounet-s (geometry, l1) on mix_train384",
              "radiounet-s (geometry, l1) on mix_train", "pmnet-s (rgb, mse) on mix_train192"]
    fam = [lt._family(x, labels) for x in labels]
    assert fam[0] == fam[1] == "radiounet-s (geometry, l1) on mix_train192 / 384"
    assert fam[2] == labels[2] and fam[3] == "pmnet-s (rgb, mse) on mix_train192"


def test_learning_curves_join_runs_at_equal_steps(tmp_path):
    """The data-against-steps control: runs of one line trained on fewer frames for
    proportionally more epochs join the usual-epoch run with as many frame passes (one set),
    on the same dataset or its extension (``mix_train384``); another setting stays apart; the
    figure draws them (and labels the longer runs with their epochs)."""
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import learning_table as lt
    finally:
        sys.path.remove(bench)
    geo, mse = "radiounet-s (geometry, l1) on mix_train", "radiounet-s (geometry, mse) on mix_train"
    t = {"mix": 9.0, "margin": 6.0}
    curves = [("geometry", 1.0, 76, 7.0, t, geo, 15), ("q1", 0.25, 20, 7.9, t, geo, 15),
              ("q2", 0.5, 40, 7.5, t, geo, 15), ("q1-e60", 0.25, 20, 7.6, t, geo, 60),
              ("q2-e30", 0.5, 40, 7.3, t, geo, 30), ("all-e60", 1.0, 76, 6.9, t, geo, 60),
              ("mse", 1.0, 76, 7.2, t, mse, 15), ("mse-q1-e60", 0.25, 20, 7.8, t, mse, 60),
              ("big", 1.0, 308, 6.8, t, geo.replace("mix_train", "mix_train384"), 15)]
    sets = lt.equal_step_sets(curves)
    assert [[c[0] for c in s] for s in sets] == [["q1-e60", "q2-e30", "geometry"], ["mse-q1-e60", "mse"],
                                                 ["all-e60", "big"]]  # big: on the larger set, 4x the frames
    assert lt.equal_step_sets([c for c in curves if c[0] != "geometry" and "mse" not in c[0]]) == \
        [[curves[3], curves[4]], [curves[5], curves[8]]]  # the two longer runs still match each other
    assert lt._with_epochs(geo, 60) == "radiounet-s (geometry, l1, 60 epochs) on mix_train"
    lt._curves_figure(curves, str(tmp_path / "c.png"), {"mix": (14.9, "TR 38.901 UMi")})
    assert (tmp_path / "c.png").stat().st_size > 10_000


def test_indoor_reference_retraces_the_labels_and_scores_against_more_rays(indoor_small, tmp_path, monkeypatch):
    """``benchmarks/bench_indoor_reference.py``: a draw traced with the stored labels' own
    ray seed reproduces them (same scene, Tx, receivers, axes: label noise 0), other seeds
    differ (noise > 0) and are cached (a rerun traces nothing); every method is scored
    against the stored labels and the reference on the same cells."""
    bench = _bench("bench_indoor_reference")
    run = tmp_path / "run"
    train(_quick("floorplan-unet", batch_size=1, epochs=1, max_steps_per_epoch=2, prior="multi-wall"), indoor_small,
          run, progress=False)
    argv = ["--data", str(indoor_small), "--runs", str(run), "--draws", "1"]
    monkeypatch.setattr(bench, "DRAW_SEED_STEP", 0)  # the stored draw's own seed
    same = bench.main(argv + ["--cache", str(tmp_path / "same")])
    assert max(same["label_noise_db"]) < 1e-3 and max(same["draw_to_draw_db"]) < 1e-3
    ref = same["methods"]["free-space (Friis)"]
    assert ref["labels"]["per_apartment_db"] == pytest.approx(ref["reference"]["per_apartment_db"], abs=1e-3)
    monkeypatch.setattr(bench, "DRAW_SEED_STEP", 7919)
    other = bench.main(argv + ["--cache", str(tmp_path / "other"), "--json", str(tmp_path / "r.json")])
    assert min(other["label_noise_db"]) > 0
    # the stored draw is part of the reference: every valid cell is reached, whatever the new draws
    assert other["cells"] == same["cells"] and min(other["cells"]) > 0
    assert set(other["methods"]) == {"run", "free-space (Friis)", "log-distance", "multi-wall (P.1238 style)"}
    assert all(np.isfinite(r[t]["mean_ci_db"][0]) for r in other["methods"].values() for t in ("labels", "reference"))
    from synthrm import __version__

    rec = json.loads((tmp_path / "r.json").read_text())  # stamped: version, arguments, the data's seed
    assert rec["draws"] == 1 and rec["synthrm_version"] == __version__ and "--draws" in rec["argv"]
    assert rec["seed"] == json.loads((indoor_small / "index.json").read_text())["seed"]
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "other").glob("*.npz")}
    again = bench.main(argv + ["--cache", str(tmp_path / "other")])
    assert stamps and again["label_noise_db"] == other["label_noise_db"]
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "other").glob("*.npz")} == stamps  # read, not traced again


@pytest.fixture(scope="module")
def indoor_other(tmp_path_factory):
    """A second tiny indoor dataset, another generator seed (other apartments). Read-only."""
    from synthrm.config import make_indoor_config
    from synthrm.generate.indoor import generate_indoor

    from conftest import TINY_LEARN_INDOOR

    out = tmp_path_factory.mktemp("indoor-other") / "other"
    generate_indoor(make_indoor_config(overrides={**TINY_LEARN_INDOOR, "seed": 3}), out, progress=False)
    return out


def test_indoor_training_on_several_datasets(indoor_small, indoor_other, tmp_path, capsys):
    """``synthrm train --data D1 D2``: the train and val entries of both datasets, the second's
    named ``<folder>/<entry>``, none of a test split; run.json names both; the unseen-apartment
    benchmark then refuses the second as ``--extra``; a resume with other data, a dataset named
    twice and an outdoor model on two datasets are refused."""
    run = tmp_path / "run"
    flags = ["--model", "floorplan-unet", "--out", str(run), "--epochs", "1", "--batch-size", "1",
             "--set", "max_steps_per_epoch=2", "--width", "8", "--quiet"]
    assert main(["train", "--data", str(indoor_small), str(indoor_other), *flags]) == 0
    meta = json.loads((run / "run.json").read_text())
    assert meta["data"] == str(indoor_small.resolve())
    assert meta["train_data"] == [str(indoor_small.resolve()), str(indoor_other.resolve())]
    want = {}
    for d, prefix in ((indoor_small, ""), (indoor_other, "other/")):
        for sp in ("train", "val"):
            want.setdefault(sp, set()).update(prefix + it.entry for it in IndoorExamples(d, (sp,)).items)
    assert set(meta["train_examples"]) == want["train"] and len(meta["train_examples"]) == len(want["train"])
    assert set(meta["val_examples"]) == want["val"]
    assert any(e.startswith("other/") for e in meta["train_examples"])
    assert not set(meta["train_examples"]) & {it.entry for it in IndoorExamples(indoor_small, ("test",)).items}
    # the merged examples: every item of both, the padding the larger
    a, b = IndoorExamples(indoor_small, ("train",)), IndoorExamples(indoor_other, ("train",))
    m = IndoorExamples.merged([a, b])
    assert len(m) == len(a) + len(b) and m.pad_shape == tuple(max(x, y) for x, y in zip(a.pad_shape, b.pad_shape))
    assert m[len(a)]["x"].shape[1:] == m.pad_shape
    with pytest.raises(DatasetError, match="differ"):
        IndoorExamples.merged([a, IndoorExamples(indoor_other, ("train",), inputs="voxels+walls")])
    assert main(["train", "--data", str(indoor_small), *flags, "--resume"]) != 0
    assert "other --data" in capsys.readouterr().err
    with pytest.raises(RunError, match="twice"):
        train(_quick("floorplan-unet", epochs=1), [indoor_small, indoor_small], tmp_path / "twice", progress=False)
    assert not (tmp_path / "twice").exists()
    with pytest.raises(RunError, match="only the indoor models"):
        train(_quick(outdoor_models()[0], epochs=1), [indoor_small, indoor_other], tmp_path / "out", progress=False)
    bench = _bench("bench_indoor_unseen")
    with pytest.raises(SystemExit):
        bench.main(["--data", str(indoor_small), "--extra", str(indoor_other), "--runs", str(run)])


def test_indoor_unseen_pools_the_test_split_and_other_datasets(indoor_small, indoor_other, tmp_path):
    """``benchmarks/bench_indoor_unseen.py``: a run scored on its dataset's test apartments
    and on every apartment of a dataset made with another seed; the pooled per-apartment
    MAEs are the evaluation's (each apartment the mean of its entries), the baselines come
    once, and the run's own training data as ``--extra`` is refused."""
    bench = _bench("bench_indoor_unseen")
    other = indoor_other
    run = tmp_path / "run"
    train(_quick("floorplan-unet", batch_size=1, epochs=1, max_steps_per_epoch=2), indoor_small, run, progress=False)
    out = bench.main(["--data", str(indoor_small), "--extra", str(other), "--runs", str(run), "--boot", "100",
                      "--against", "run", "--json", str(tmp_path / "u.json")])
    ev = json.loads((run / "evaluation.json").read_text())["data"]
    want = {}
    for tag, splits in ((indoor_small.name, ("test",)), (other.name, ("train", "val", "test"))):
        r = ev[tag]
        for sp in splits:
            for s, e in zip(r["example_scenes"][sp], r["groups"][sp]["floorplan-unet"]["per_example_mae_db"]):
                want.setdefault(f"{tag}:{s}", []).append(e)
    got = out["methods"]["run"]["per_apartment_db"]
    assert set(got) == set(want) and len(got) >= 2
    assert all(got[k] == pytest.approx(np.mean(v)) for k, v in want.items())
    assert out["methods"]["run"]["mean_ci_db"][0] == pytest.approx(np.mean(list(got.values())))
    assert list(out["methods"]["run"]["paired_vs_run_db"]) == [0.0, 0.0, 0.0]  # a run against itself
    assert "paired_vs_run_db" not in out["methods"]["log-distance"]
    with pytest.raises(SystemExit):
        bench.main(["--data", str(indoor_small), "--extra", str(other), "--runs", str(run), "--against", "other"])
    assert set(out["methods"]) == {"run", "free-space (Friis)", "log-distance", "multi-wall (P.1238 style)",
                                   "TR 38.901 InH-office"}
    assert json.loads((tmp_path / "u.json").read_text())["verdict"] in ("met", "not met")
    # learning_table keeps the other dataset's apartments out of the run's own test group
    lt = _bench("learning_table")
    groups = lt.main([str(run), "--boot", "100"])["groups"]
    assert {"indoor/test", "indoor/test on other", "indoor/train on other"} <= set(groups)
    assert groups["indoor/test"]["floorplan-unet [run]"]["mae_db"] == pytest.approx(
        np.mean([v for k, v in got.items() if k.startswith(indoor_small.name + ":")]))
    with pytest.raises(SystemExit):
        bench.main(["--data", str(indoor_small), "--extra", str(indoor_small), "--runs", str(run)])
