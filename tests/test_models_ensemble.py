"""``synthrm ensemble``: the mean of trained runs, as a run folder the other commands take."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from synthrm.cli import main
from synthrm.models.data import IndoorExamples, OutdoorExamples
from synthrm.models.deploy import INDOOR_INPUT_NAMES, onnx_predict_indoor, onnx_session, read_onnx_metadata
from synthrm.models.ensemble import ENSEMBLE, EnsembleError
from synthrm.models.train import make_ensemble
from synthrm.models.train import indoor_pred_db, load_model, outdoor_pred, train

from conftest import quick_train_config

CPU = torch.device("cpu")


def _indoor_run(root, out, seed, **kw):
    train(quick_train_config("floorplan-unet", width=8, epochs=1, max_steps_per_epoch=2, seed=seed, **kw), root, out,
          progress=False)
    return out


def test_indoor_ensemble_is_the_members_mean_and_evaluates_and_exports(indoor_small, tmp_path, capsys):
    """The ensemble of two floor-plan runs (other seeds, the wall channels) predicts the mean
    of their path losses to 1e-4 dB on every entry; ``evaluate`` scores it beside the
    baselines; it exports to ONNX, and onnxruntime agrees with PyTorch to 1e-4 dB."""
    runs = [_indoor_run(indoor_small, tmp_path / f"r{s}", s, indoor_inputs="voxels+walls") for s in (0, 1)]
    ens = tmp_path / "ens"
    assert main(["ensemble", *map(str, runs), "--out", str(ens)]) == 0
    assert "ensemble of 2 indoor runs" in capsys.readouterr().out
    model, meta = load_model(ens)
    assert meta["model"] == ENSEMBLE and meta["members"] == [str(r.resolve()) for r in runs]
    assert meta["indoor_inputs"] == "voxels+walls" and meta["in_ch"] == 6
    members = [load_model(r)[0] for r in runs]
    ds = IndoorExamples.for_run(meta, indoor_small, ("train", "val", "test"))
    spread = 0.0
    for i in range(len(ds)):
        b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[i].items()}
        with torch.no_grad():
            each = [indoor_pred_db(m, b, CPU) for m in members]
            got = indoor_pred_db(model, b, CPU)
        np.testing.assert_allclose(got.numpy(), torch.stack(each).mean(0).numpy(), rtol=0, atol=1e-4)
        spread = max(spread, float((each[0] - each[1]).abs().max()))
    assert spread > 0.01  # the members differ: the mean is not one of them
    assert main(["evaluate", "--run", str(ens), "--data", str(indoor_small), "--quiet"]) == 0
    res = json.loads((ens / "evaluation.json").read_text())
    groups = next(iter(res["data"].values()))["groups"]
    assert all(np.isfinite(g[ENSEMBLE]["mae_db"]) and "log-distance" in g for g in groups.values())
    # learning_table takes its kind from run.json (an ensemble is no registry model)
    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import learning_table as lt
    finally:
        sys.path.remove(bench)
    out = lt.main([str(ens), "--md", str(tmp_path / "t.md"), "--boot", "100"])
    assert f"{ENSEMBLE} [ens]" in out["groups"]["indoor/test"]
    m = tmp_path / "ens.onnx"
    assert main(["export-model", str(ens), "--out", str(m)]) == 0
    assert read_onnx_metadata(m)["model"] == ENSEMBLE and read_onnx_metadata(m)["in_ch"] == 6
    batch = {k: torch.stack([ds[i][k] for i in range(2)]) for k in INDOOR_INPUT_NAMES}
    with torch.no_grad():
        want = indoor_pred_db(model, batch, CPU).numpy()
    got = onnx_predict_indoor(onnx_session(m), *(batch[k].numpy() for k in INDOOR_INPUT_NAMES))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)


def test_outdoor_ensemble_is_the_members_mean(tiny_dataset, tmp_path):
    """Two RadioUNet-S runs: the ensemble's normalised path gain is their mean."""
    root, _ = tiny_dataset
    runs = []
    for s in (0, 1):
        train(quick_train_config("radiounet-s", epochs=1, max_steps_per_epoch=1, seed=s), root, tmp_path / f"o{s}",
              progress=False)
        runs.append(tmp_path / f"o{s}")
    make_ensemble(runs, tmp_path / "ens")
    model, meta = load_model(tmp_path / "ens")
    ds = OutdoorExamples(root, inputs=meta["inputs"])
    b = {k: v[None] for k, v in ds[0].items() if isinstance(v, torch.Tensor)}
    with torch.no_grad():
        each = [outdoor_pred(load_model(r)[0], b, CPU) for r in runs]
        got = outdoor_pred(model, b, CPU)
    np.testing.assert_allclose(got.numpy(), torch.stack(each).mean(0).numpy(), rtol=0, atol=1e-6)
    assert float((each[0] - each[1]).abs().max()) > 1e-4


def test_ensemble_refuses_runs_made_differently(indoor_small, tmp_path, capsys):
    """Runs with another prior (or one run, an ensemble as a member, an occupied --out) are
    refused with one line naming the problem, and no run folder is left."""
    a = _indoor_run(indoor_small, tmp_path / "a", 0)
    b = _indoor_run(indoor_small, tmp_path / "b", 0, prior="multi-wall")
    assert main(["ensemble", str(a), str(b), "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err
    assert "differ in prior ('fspl' vs 'multi-wall')" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "e" / "run.json").exists()
    with pytest.raises(EnsembleError, match="at least 2 runs"):
        make_ensemble([a], tmp_path / "e1")
    c = _indoor_run(indoor_small, tmp_path / "c", 1)
    make_ensemble([a, c], tmp_path / "e2")
    with pytest.raises(EnsembleError, match="is an ensemble; list its members"):
        make_ensemble([a, tmp_path / "e2"], tmp_path / "e3")
    with pytest.raises(EnsembleError, match="holds a run already"):
        make_ensemble([a, c], tmp_path / "e2")
