"""Deployment (``synthrm.models.deploy``): every model exports to ONNX and onnxruntime
agrees with PyTorch to 1e-4 dB on real samples; the metadata round-trips; ``synthrm
export-model`` and ``synthrm predict --onnx``; bad input is a one-line error."""
import json

import numpy as np
import pytest
import torch

from synthrm.cli import main
from synthrm.metrics import DEFAULT_RANGE_DB
from synthrm.models.config import channel_names
from synthrm.models.data import IndoorExamples, OutdoorExamples
from synthrm.models.deploy import (INDOOR_INPUT_NAMES, DeployError, OutdoorDB, deploy_metadata, describe_onnx,
                                   export_onnx, model_to_onnx, onnx_predict, onnx_predict_indoor, onnx_session,
                                   read_onnx_metadata)
from synthrm.models.registry import ONNX_OPSET, outdoor_models
from synthrm.models.train import build_model, indoor_pred_db, load_model, outdoor_pred, train

from conftest import quick_train_config

#: ONNX vs PyTorch [dB] (the issue's bound).
ATOL_DB = 1e-4
#: Every outdoor model on RGB, and the residual-over-free-space inputs.
CASES = [(m, "rgb") for m in outdoor_models()] + [("radiounet-s", "rgbd-fspl"), ("radiounet-s", "geometry")]


def _meta(name: str, inputs: str = "rgb", tx_dim: int = 315) -> dict:
    """A ``run.json``-like record of an untrained outdoor model."""
    return {"kind": "city", "model": name, "inputs": inputs, "in_ch": len(channel_names(inputs)), "tx_dim": tx_dim,
            "range_db": list(DEFAULT_RANGE_DB), "synthrm_version": "0.1.0",
            "model_kwargs": {"name": name, "width": 8}, "train_config": {"model": name, "width": 8}}


def _perturb_offsets(run):
    """Give UNetDCN-S's deformable layers offsets of about a pixel (a trained model's
    are; one step leaves them near zero), so the export is tested off the pixel grid."""
    ck = torch.load(run / "best.pt", weights_only=False)
    g = torch.Generator().manual_seed(0)
    n = 0
    for k, v in ck["model"].items():
        if ".offset." in k:
            v.add_(torch.randn(v.shape, generator=g) * (1.0 if k.endswith("bias") else 0.05))
            n += 1
    torch.save(ck, run / "best.pt")
    return n


# ----------------------------------------------------------------------------- fast: untrained models

@pytest.mark.parametrize("name, inputs", CASES)
def test_untrained_model_exports_with_free_batch_and_size(name, inputs, tmp_path):
    torch.manual_seed(0)
    meta = _meta(name, inputs)
    model = build_model(name, 8, meta["in_ch"], 315).eval()
    out = model_to_onnx(model, meta, tmp_path / "m.onnx")
    sess = onnx_session(out)
    assert [i.name for i in sess.get_inputs()] == ["image", "tx"]
    assert [o.name for o in sess.get_outputs()] == ["path_gain_db"]
    ref = OutdoorDB(model, inputs, DEFAULT_RANGE_DB).eval()
    for b, h, w in ((1, 48, 64), (3, 96, 128), (2, 32, 32)):
        img, tx = torch.rand(b, meta["in_ch"], h, w), torch.rand(b, 315)
        with torch.no_grad():
            want = ref(img, tx).numpy()
        got = onnx_predict(sess, img.numpy(), tx.numpy())
        assert got.shape == (b, h, w) and np.abs(got - want).max() < ATOL_DB
    # one example without a batch axis
    assert onnx_predict(sess, img[0].numpy(), tx[0].numpy()).shape == (h, w)


def test_deformable_layers_export_as_deformconv_or_below_opset_19_as_gathers(tmp_path):
    """UNetDCN-S at the default opset (19) has one ONNX DeformConv node per deformable
    layer; at opset 17 (an onnxruntime older than 1.25) none, the gather form instead; both
    agree with PyTorch, offsets of about a pixel included."""
    import onnx

    torch.manual_seed(0)
    meta = _meta("unetdcn-s")
    model = build_model("unetdcn-s", 8, 3, 315).eval()
    for k, v in model.state_dict().items():
        if ".offset." in k:
            v.add_(torch.randn(v.shape) * (1.0 if k.endswith("bias") else 0.05))
    img, tx = torch.rand(2, 3, 48, 64), torch.rand(2, 315)
    with torch.no_grad():
        want = OutdoorDB(model, "rgb", DEFAULT_RANGE_DB).eval()(img, tx).numpy()
    n_dcn = sum(type(m).__name__ == "DeformConv2d" for m in model.modules())
    for opset, deform_nodes in ((ONNX_OPSET, n_dcn), (17, 0)):
        out = model_to_onnx(model, {**meta}, tmp_path / f"m{opset}.onnx", opset)
        ops = [n.op_type for n in onnx.load(str(out)).graph.node]
        assert ops.count("DeformConv") == deform_nodes and (opset >= 19 or "Gather" in ops)
        got = onnx_predict(onnx_session(out), img.numpy(), tx.numpy())
        assert np.abs(got - want).max() < ATOL_DB
    assert n_dcn == 5


def test_fspl_inputs_add_the_free_space_channel():
    """``rgbd-fspl``: the deployed output is the network's plus the free-space channel
    (``base_channel``), in dB over ``range_db``; the other inputs add nothing."""
    torch.manual_seed(0)

    class Zero(torch.nn.Module):
        def forward(self, img, tx):
            return torch.zeros_like(img[:, :1])

    img = torch.rand(2, 5, 32, 48)
    lo, hi = DEFAULT_RANGE_DB
    got = OutdoorDB(Zero(), "rgbd-fspl", DEFAULT_RANGE_DB)(img, torch.rand(2, 315))
    assert torch.allclose(got, lo + img[:, 4] * (hi - lo))
    assert torch.all(OutdoorDB(Zero(), "rgbd", DEFAULT_RANGE_DB)(img[:, :4], torch.rand(2, 315)) == lo)


def test_metadata_round_trip_and_documented_io(tmp_path):
    import onnx

    meta = _meta("pmnet-s", "rgbd")
    out = model_to_onnx(build_model("pmnet-s", 8, 4, 315).eval(), meta, tmp_path / "m.onnx")
    back = read_onnx_metadata(out)
    assert back == deploy_metadata(meta) == read_onnx_metadata(onnx_session(out))
    assert back["channels"] == ["red", "green", "blue", "log_depth"] and back["in_ch"] == 4
    assert back["range_db"] == list(DEFAULT_RANGE_DB) and back["tx_dim"] == 315 and back["base_channel"] is None
    assert back["model"] == "pmnet-s" and back["inputs"] == "rgbd" and back["train_config"] == {"model": "pmnet-s",
                                                                                                 "width": 8}
    assert back["synthrm_version"] and back["opset"] == ONNX_OPSET == 19
    proto = onnx.load(str(out))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == 19
    docs = {v.name: v.doc_string for v in [*proto.graph.input, *proto.graph.output]}
    assert "log_depth" in docs["image"] and "[dB]" in docs["path_gain_db"] and "100 m" in docs["tx"]
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in proto.graph.input]
    assert dims == [["batch", 4, "height", "width"], ["batch", 315]]
    assert "image (B, 4, H, W), tx (B, 315) -> path_gain_db (B, H, W) [dB]" in describe_onnx(out)


def test_deploy_errors_are_one_line(tmp_path):
    import onnx

    meta = _meta("radiounet-s")
    out = model_to_onnx(build_model("radiounet-s", 8, 3, 315).eval(), meta, tmp_path / "m.onnx")
    sess = onnx_session(out)
    with pytest.raises(DeployError, match=r"takes \(B, 3, H, W\), channels red, green, blue"):
        onnx_predict(sess, np.zeros((1, 4, 32, 32), np.float32), np.zeros((1, 315), np.float32))
    with pytest.raises(DeployError, match="multiples of 16"):
        onnx_predict(sess, np.zeros((1, 3, 30, 32), np.float32), np.zeros((1, 315), np.float32))
    with pytest.raises(DeployError, match=r"takes \(1, 315\) \(another antenna pattern grid"):
        onnx_predict(sess, np.zeros((1, 3, 32, 32), np.float32), np.zeros((1, 12), np.float32))
    with pytest.raises(DeployError, match="an outdoor model: use onnx_predict"):
        onnx_predict_indoor(sess, np.zeros((1, 4, 32, 32, 32)), None, None, None)
    with pytest.raises(DeployError, match="no such ONNX file; export one with `synthrm export-model"):
        onnx_session(tmp_path / "none.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(DeployError, match="onnxruntime cannot load it"):
        onnx_session(tmp_path / "junk.onnx")
    with pytest.raises(DeployError, match="not a readable ONNX file"):
        read_onnx_metadata(tmp_path / "junk.onnx")
    proto = onnx.load(str(out))
    del proto.metadata_props[:]
    onnx.save(proto, str(tmp_path / "foreign.onnx"))
    with pytest.raises(DeployError, match="no synthrm metadata"):
        onnx_session(tmp_path / "foreign.onnx")
    with pytest.raises(DeployError, match="inputs 'rgbn' of the run are unknown to this synthrm"):
        deploy_metadata({**meta, "inputs": "rgbn"})
    with pytest.raises(DeployError, match="takes 6 image channels but inputs 'rgb' have 3"):
        deploy_metadata({**meta, "in_ch": 6})
    assert not (tmp_path / "x.onnx").exists()


# ----------------------------------------------------------------------------- trained runs, real samples

@pytest.mark.parametrize("name, inputs", CASES)
def test_onnx_agrees_with_pytorch_on_real_samples(name, inputs, tiny_dataset, tmp_path):
    """A trained run exported: onnxruntime's path gain [dB] equals PyTorch's (what
    ``evaluate`` and ``predict`` compute) to 1e-4 dB on every example of the dataset,
    one frame's transmitters per batch."""
    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(quick_train_config(name, inputs=inputs, epochs=1, max_steps_per_epoch=2), root, run, progress=False)
    if name == "unetdcn-s":
        assert _perturb_offsets(run) > 0
    out = export_onnx(run, tmp_path / "m.onnx")
    model, meta = load_model(run)
    assert read_onnx_metadata(out) == deploy_metadata(meta)
    sess = onnx_session(out)
    ds = OutdoorExamples(root, inputs=inputs)
    lo, hi = meta["range_db"]
    frames = sorted({it.sample_id for it in ds.items})
    for sid in frames:
        ix = [i for i, it in enumerate(ds.items) if it.sample_id == sid]
        batch = {k: torch.stack([ds[i][k] for i in ix]) for k in ("image", "tx", "base")}
        with torch.no_grad():
            want = (lo + outdoor_pred(model, batch, torch.device("cpu"))[:, 0] * (hi - lo)).numpy()
        got = onnx_predict(sess, batch["image"].numpy(), batch["tx"].numpy())
        assert got.shape == want.shape == (len(ix), 48, 64)
        np.testing.assert_allclose(got, want, rtol=0, atol=ATOL_DB)


def test_cli_export_model_and_predict_onnx(tiny_dataset, tmp_path, capsys):
    import onnx

    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(quick_train_config("radiounet-s", inputs="rgbd-fspl", epochs=1, max_steps_per_epoch=1), root, run,
          progress=False)
    m = tmp_path / "deploy" / "model.onnx"
    capsys.readouterr()
    assert main(["export-model", str(run), "--format", "onnx", "--out", str(m)]) == 0
    said = capsys.readouterr().out
    assert f"wrote {m}: radiounet-s (rgbd-fspl): image (B, 5, H, W), tx (B, 315) -> path_gain_db" in said
    png = tmp_path / "figs" / "p.png"
    assert main(["predict", "--onnx", str(m), "--data", str(root), "--tx", "1", "--out", str(png)]) == 0
    assert png.stat().st_size > 10_000
    assert main(["predict", "--run", str(run), "--data", str(root), "--tx", "1", "--out", str(tmp_path / "t.png")]) == 0

    def refused(argv, phrase):
        capsys.readouterr()
        before = set(tmp_path.rglob("*"))
        assert main(argv) == 2
        lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"synthrm {argv[0]}: error: ") and phrase in lines[0], lines
        assert set(tmp_path.rglob("*")) == before  # a refusal leaves nothing

    out = ["--out", str(tmp_path / "new" / "x.png")]
    refused(["predict", "--onnx", str(tmp_path / "none.onnx"), "--data", str(root), *out], "no such ONNX file")
    refused(["predict", "--onnx", str(m), "--data", str(root), "--tx", "7", *out], "has no transmitter 7")
    refused(["export-model", str(tmp_path / "norun"), "--out", str(tmp_path / "new" / "m.onnx")],
            "not a training run")
    # a model exported by a synthrm whose inputs kind has other channels
    proto = onnx.load(str(m))
    for e in proto.metadata_props:
        if e.key == "channels":
            e.value = json.dumps(["red", "green", "blue", "log_depth", "fspl_gain", "normal_z"])
    onnx.save(proto, str(tmp_path / "other.onnx"))
    refused(["predict", "--onnx", str(tmp_path / "other.onnx"), "--data", str(root), *out],
            "takes channels red, green, blue, log_depth, fspl_gain, normal_z (inputs 'rgbd-fspl'), this synthrm "
            "builds red, green, blue, log_depth, fspl_gain")
    for argv in (["predict", "--run", str(run), "--onnx", str(m), "--data", str(root), *out],
                 ["export-model", str(run), "--format", "tflite", "--out", str(tmp_path / "m.tflite")]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2


@pytest.mark.parametrize("name,width,prior,inputs", [("senseray3d", 12, "fspl", "voxels"),
                                                     ("floorplan-unet", 8, "multi-wall", "voxels+walls")])
def test_indoor_model_exports_and_predicts_with_onnxruntime(name, width, prior, inputs, indoor_small, tiny_dataset,
                                                           tmp_path, capsys):
    """An indoor model (SenseRay-3D's SwinUNETR; the floor-plan U-Net over the multi-wall
    prior with the wall channels) exports at its run's padded grid with a free batch:
    onnxruntime's path loss equals PyTorch's to 1e-4 dB on the entries, its metadata names
    the prior its ``prior_db`` input carries and the voxel channels of ``x``; ``predict
    --onnx`` draws it; the grid is fixed, and a city dataset is refused."""
    root, _ = tiny_dataset
    run = tmp_path / "run"
    train(quick_train_config(name, width=width, batch_size=1, epochs=1, max_steps_per_epoch=2, prior=prior,
                             indoor_inputs=inputs), indoor_small, run, progress=False)
    m = tmp_path / "sr.onnx"
    assert main(["export-model", str(run), "--out", str(m)]) == 0
    model, meta = load_model(run)
    back = read_onnx_metadata(m)
    assert back == deploy_metadata(meta) and back["pad_shape"] == meta["pad_shape"]
    assert back["prior"] == meta["prior"] == prior
    assert (back["indoor_inputs"], back["in_ch"], model.in_ch) == (inputs, 6 if "walls" in inputs else 4, back["in_ch"])
    sess = onnx_session(m)
    assert [i.name for i in sess.get_inputs()] == ["x", "prior_db", "z_index", "z_weight"]
    import onnx

    x_doc = next(v.doc_string for v in onnx.load(str(m)).graph.input if v.name == "x")
    assert x_doc.startswith(f"(B, {back['in_ch']}, X, Y, Z)")
    assert ("walls on the straight" in x_doc) == ("walls" in inputs)
    ds = IndoorExamples.for_run(meta, indoor_small, ("train", "val", "test"))
    items = [ds[i] for i in range(min(len(ds), 3))]
    batch = {k: torch.stack([b[k] for b in items]) for k in ("x", "prior_db", "z_index", "z_weight")}
    with torch.no_grad():
        want = indoor_pred_db(model, batch, torch.device("cpu")).numpy()
    got = onnx_predict_indoor(sess, *(batch[k].numpy() for k in ("x", "prior_db", "z_index", "z_weight")))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL_DB)
    # a model exported before the prior option named the input fspl_db: still run
    old = onnx.load(str(m))
    for node in old.graph.node:
        node.input[:] = ["fspl_db" if n == "prior_db" else n for n in node.input]
    next(i for i in old.graph.input if i.name == "prior_db").name = "fspl_db"
    onnx.save(old, str(tmp_path / "old.onnx"))
    old_sess = onnx_session(tmp_path / "old.onnx")
    assert [i.name for i in old_sess.get_inputs()][1] == "fspl_db"
    np.testing.assert_allclose(onnx_predict_indoor(old_sess, *(batch[k].numpy() for k in INDOOR_INPUT_NAMES)), got,
                               rtol=0, atol=1e-6)
    big = np.zeros((1, 4, *(n + 32 for n in meta["pad_shape"])), np.float32)
    with pytest.raises(DeployError, match=r"takes exactly .*\(its grid is fixed at export\)"):
        onnx_predict_indoor(sess, big, None, None, None)
    png = tmp_path / "p.png"
    assert main(["predict", "--onnx", str(m), "--data", str(indoor_small), "--height", "1.0", "--out", str(png)]) == 0
    assert png.stat().st_size > 10_000
    capsys.readouterr()
    assert main(["predict", "--onnx", str(m), "--data", str(root), "--out", str(tmp_path / "q.png")]) == 2
    assert "predict on an indoor dataset" in capsys.readouterr().err
