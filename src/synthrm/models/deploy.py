"""Deployment of a trained run: ONNX export and onnxruntime inference
(``synthrm export-model``, ``synthrm predict --onnx``).

The exported graph computes what ``synthrm predict`` draws, in dB, with no synthrm or
torch needed to run it:

* outdoor models (``radiounet-s``, ``pmnet-s``, ``unetdcn-s``): inputs ``image``
  (B, C, H, W) float32 and ``tx`` (B, D) float32, output ``path_gain_db`` (B, H, W)
  float32 [dB]: the network's output plus its base (the free-space channel of
  ``rgbd-fspl`` inputs), mapped back through the run's ``range_db``. B, H and W are free
  (H and W multiples of 16); C and D are the run's (``in_ch``, ``tx_dim``).
* indoor models (``senseray3d``, ``floorplan-unet``): inputs ``x`` (B, C, X, Y, Z) float32
  (C 4, or 6 for a run with ``--indoor-inputs voxels+walls``), ``prior_db`` (B, Hn, X, Y)
  float32 (the path loss the residual is added to: free space, or multi-wall for a run with
  ``--prior multi-wall``; ``IndoorExamples.for_run(meta, ...)`` builds both),
  ``z_index`` (B, Hn) int64, ``z_weight`` (B, Hn) float32, output ``path_loss_db``
  (B, Hn, X, Y) float32 [dB]. B is free; X, Y, Z are the run's padded grid
  (``pad_shape``): the Swin attention masks are traced at that size.

The model's ``metadata_props`` record what a user of the file needs (read back with
:func:`read_onnx_metadata`): ``synthrm_version`` (of the export), ``run_synthrm_version``,
``model``, ``kind``, ``inputs``, ``channels``, ``in_ch``, ``tx_dim``, ``range_db``,
``base_channel``, ``size_multiple`` (outdoor); ``pad_shape``, ``heights_m``,
``voxel_size_m``, ``frequency_hz``, ``prior``, ``indoor_inputs``, ``in_ch`` (indoor);
``model_kwargs``, ``train_config`` (the run's ``TrainConfig``) and ``opset``. Every input
and output carries a doc string.

Export uses torch's TorchScript exporter (``torch.onnx.export(..., dynamo=False)``; the
torch.export-based one needs onnxscript, not a dependency) on a copy of the model made for
it (:func:`_exportable`: instance norms written out, deformable convolutions as ONNX
``DeformConv`` at opset >= 19, in a gather form below; same results to float rounding),
and checks the file with ``onnx.checker`` and against the PyTorch model on the traced
example. ``onnx`` and ``onnxruntime`` are
imported by the functions that need them only.
"""
from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from synthrm.errors import SynthrmError
from synthrm.files import atomic_file
from synthrm.models.config import OUTDOOR_INPUTS, base_channel, channel_names
from synthrm.models.data import VOXEL_DB_SCALE, WALL_LOSS_CLIP_DB, WALLS_SCALE
from synthrm.models.deform import ONNX_DEFORM_OPSET, DeformConv2d, deform_conv2d_gather, deform_conv2d_onnx
from synthrm.models.registry import MODEL_FORMATS, ONNX_OPSET
from synthrm.models.train import load_model

#: Image sides of the outdoor models must be multiples of this (their four poolings).
SIZE_MULTIPLE = 16
OUTDOOR_INPUT_NAMES, OUTDOOR_OUTPUT = ("image", "tx"), "path_gain_db"
INDOOR_INPUT_NAMES, INDOOR_OUTPUT = ("x", "prior_db", "z_index", "z_weight"), "path_loss_db"
_PRIOR_DOC = {"fspl": "free space (Friis)", "multi-wall": "free space plus the transmission loss of the walls the "
              "straight Tx-receiver line crosses (synthrm.models.baselines.wall_crossings)"}
#: Metadata values stored as JSON (the others are plain strings).
JSON_KEYS = ("channels", "in_ch", "tx_dim", "range_db", "base_channel", "size_multiple", "pad_shape", "heights_m",
             "voxel_size_m", "frequency_hz", "model_kwargs", "train_config", "opset")
#: Largest |ONNX - PyTorch| [dB] on the traced example that export accepts.
EXPORT_TOLERANCE_DB = 1e-3


class DeployError(SynthrmError):
    """A model that cannot be exported, or an ONNX file that is missing, unreadable or
    does not fit the data it is given."""


# ----------------------------------------------------------------------------- wrappers

class OutdoorDB(nn.Module):
    """An outdoor network as deployed: path gain [dB] (B, H, W) from ``image`` and ``tx``:
    the network's normalised output plus its base (image channel ``base_channel(inputs)``,
    or zero), mapped back through ``range_db`` (what ``train.outdoor_pred`` and
    ``evaluate`` compute)."""

    def __init__(self, model: nn.Module, inputs: str, range_db):
        super().__init__()
        self.model = model
        self.base = base_channel(inputs)
        self.lo, self.hi = (float(v) for v in range_db)

    def forward(self, image: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
        y = self.model(image, tx).float()[:, 0]
        if self.base is not None:
            y = y + image[:, self.base]
        return self.lo + y * (self.hi - self.lo)


class IndoorDB(nn.Module):
    """SenseRay-3D as deployed: path loss [dB] (B, Hn, X, Y) on the receiver planes
    (``train.indoor_pred_db``: NaN prior path loss on the padding reads as 0)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x, prior_db, z_index, z_weight):
        return self.model.path_loss_db(x, torch.nan_to_num(prior_db, nan=0.0), z_index, z_weight).float()


def _spatial_mean(t: torch.Tensor) -> torch.Tensor:
    """Mean over the spatial axes (2, ...), one axis at a time: onnxruntime's ReduceMean
    sums in float32 one value after the other, so one reduction over a whole 64x32x32
    grid is off by ~1e-5 relative (3e-4 after the normalisation); over one axis it is
    exact to float rounding."""
    for axis in range(t.dim() - 1, 1, -1):
        t = t.mean(dim=axis, keepdim=True)
    return t


class _InstanceNorm(nn.Module):
    """Instance normalisation written out (mean and variance over the spatial axes, see
    :func:`_spatial_mean`): the TorchScript exporter cannot export ``InstanceNorm3d``
    where SwinUNETR's shapes are unknown to it; same result to float rounding."""

    def __init__(self, norm: nn.modules.instancenorm._InstanceNorm):
        super().__init__()
        self.eps, self.affine = norm.eps, norm.affine
        self.weight, self.bias = (norm.weight, norm.bias) if norm.affine else (None, None)

    def forward(self, x):
        mu = _spatial_mean(x)
        y = (x - mu) / torch.sqrt(_spatial_mean((x - mu) ** 2) + self.eps)
        if self.affine:
            shape = (1, -1) + (1,) * (x.dim() - 2)
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y


def _exportable(module: nn.Module, opset: int = ONNX_OPSET) -> nn.Module:
    """``module`` made for the exporter and onnxruntime at ``opset``, in place, with the same
    results to float rounding: every instance norm that uses batch statistics written out
    (:class:`_InstanceNorm`), every deformable convolution on ONNX's ``DeformConv``
    (:func:`synthrm.models.deform.deform_conv2d_onnx`, opset >= 19) or below that on
    :func:`synthrm.models.deform.deform_conv2d_gather` (onnxruntime's GridSample is slow)."""
    op = deform_conv2d_onnx if opset >= ONNX_DEFORM_OPSET else deform_conv2d_gather
    for name, child in module.named_children():
        if isinstance(child, nn.modules.instancenorm._InstanceNorm) and not child.track_running_stats:
            setattr(module, name, _InstanceNorm(child))
        else:
            if isinstance(child, DeformConv2d):
                child.op = op
            _exportable(child, opset)
    return module


# ----------------------------------------------------------------------------- export

def _onnx():
    try:
        import onnx
    except ImportError:
        raise DeployError("the onnx package is not installed (a synthrm dependency): pip install onnx") from None
    return onnx


def _ort():
    try:
        import onnxruntime
    except ImportError:
        raise DeployError("onnxruntime is not installed (a synthrm dependency): pip install onnxruntime") from None
    return onnxruntime


def _docs(meta: dict) -> dict[str, str]:
    """Doc strings of the graph's inputs and outputs."""
    if meta["kind"] == "indoor":
        pad = "x".join(map(str, meta["pad_shape"]))
        walls = (f"; walls on the straight line from the Tx / {WALLS_SCALE:g}, their transmission loss [dB] (at most "
                 f"{WALL_LOSS_CLIP_DB:g}) / {VOXEL_DB_SCALE:g} dB"
                 if meta.get("indoor_inputs", "voxels") == "voxels+walls" else "")
        return {"x": f"(B, {meta['in_ch']}, X, Y, Z) float32 voxel channels: occupancy, reflection / 20 dB, "
                     f"transmission / 20 dB, Tx distance / 10 m{walls}; the grid centre-padded with zeros to {pad} "
                     f"(fixed)",
                "prior_db": f"(B, Hn, X, Y) float32 prior path loss [dB] at the receiver cells, "
                            f"{_PRIOR_DOC[meta.get('prior', 'fspl')]} (NaN on padding reads as 0)",
                "z_index": "(B, Hn) int64 voxel-centre index (padded grid, z) below each receiver height",
                "z_weight": "(B, Hn) float32 linear weight of the voxel centre above each receiver height",
                "path_loss_db": f"(B, Hn, X, Y) float32 predicted path loss [dB] on the receiver planes at heights "
                                f"{meta['heights_m']} m"}
    names = ", ".join(meta["channels"])
    return {"image": f"(B, {meta['in_ch']}, H, W) float32 camera image, channels {names}: RGB in [0, 1]; log_depth "
                     f"log(1 + depth [m]) / log(1001), 0 on sky; fspl_gain the free-space path gain of the pixel's "
                     f"surface point normalised over range_db, 0 on sky. H and W multiples of {SIZE_MULTIPLE}",
            "tx": f"(B, {meta['tx_dim']}) float32 transmitter vector: position in the camera frame (OpenCV axes) "
                  f"/ 100 m, then the antenna pattern gain [dBi] on the 15-degree grid mapped by (g + 40) / 60",
            "path_gain_db": "(B, H, W) float32 predicted path gain [dB] per pixel (sky pixels get a value too: mask "
                            "them with the depth)"}


def deploy_metadata(meta: dict, opset: int = ONNX_OPSET) -> dict:
    """What an exported model records (``metadata_props``), from a run's ``run.json``."""
    from synthrm import __version__

    out = {"synthrm_version": __version__, "run_synthrm_version": str(meta.get("synthrm_version", "")),
           "model": meta["model"], "kind": meta["kind"], "opset": int(opset),
           "model_kwargs": meta.get("model_kwargs", {}), "train_config": meta.get("train_config", {})}
    if meta["kind"] == "indoor":
        out.update({k: meta[k] for k in ("pad_shape", "heights_m", "voxel_size_m", "frequency_hz", "in_ch")})
        out["prior"] = meta.get("prior", "fspl")
        out["indoor_inputs"] = meta.get("indoor_inputs", "voxels")
        return out
    inputs = meta["inputs"]
    try:
        channels = list(channel_names(inputs))
    except ValueError:
        raise DeployError(f"inputs {inputs!r} of the run are unknown to this synthrm (it knows "
                          f"{', '.join(OUTDOOR_INPUTS)} and groups joined by '+'); export with the synthrm version "
                          f"that trained it") from None
    if len(channels) != int(meta["in_ch"]):
        raise DeployError(f"the run's model takes {meta['in_ch']} image channels but inputs {inputs!r} have "
                          f"{len(channels)} here ({', '.join(channels)}); export with the synthrm version that "
                          f"trained it")
    out.update({"inputs": inputs, "channels": channels, "in_ch": int(meta["in_ch"]), "tx_dim": int(meta["tx_dim"]),
                "range_db": [float(v) for v in meta["range_db"]], "base_channel": base_channel(inputs),
                "size_multiple": SIZE_MULTIPLE})
    return out


def export_onnx(run: str | Path, out: str | Path, opset: int = ONNX_OPSET) -> Path:
    """Write the run's best model as ONNX to ``out`` (see the module doc for its inputs,
    outputs and metadata); returns ``out``."""
    model, meta = load_model(run)
    return model_to_onnx(model, meta, out, opset)


def _example(meta: dict) -> tuple[tuple, dict]:
    """Inputs to trace with (random, finite) and the graph's dynamic axes."""
    g = torch.Generator().manual_seed(0)
    if meta["kind"] == "indoor":
        hn, pad = len(meta["heights_m"]), tuple(meta["pad_shape"])
        x = torch.rand((1, meta["in_ch"], *pad), generator=g)
        prior = 40 + 40 * torch.rand((1, hn, *pad[:2]), generator=g)
        z_index = torch.randint(0, pad[2] - 1, (1, hn), generator=g)
        args = (x, prior, z_index, torch.rand((1, hn), generator=g))
        axes = {n: {0: "batch"} for n in (*INDOOR_INPUT_NAMES, INDOOR_OUTPUT)}
        return args, axes
    args = (torch.rand((2, meta["in_ch"], 3 * SIZE_MULTIPLE, 4 * SIZE_MULTIPLE), generator=g),
            torch.rand((2, meta["tx_dim"]), generator=g))
    axes = {"image": {0: "batch", 2: "height", 3: "width"}, "tx": {0: "batch"},
            OUTDOOR_OUTPUT: {0: "batch", 1: "height", 2: "width"}}
    return args, axes


def model_to_onnx(model: nn.Module, meta: dict, out: str | Path, opset: int = ONNX_OPSET) -> Path:
    """Write ``model`` (a trained network of kind ``meta["kind"]``, with its ``run.json``
    ``meta``) as ONNX to ``out``; the file is checked by ``onnx.checker`` and against the
    PyTorch model before it replaces ``out``."""
    import copy

    onnx = _onnx()
    if meta["kind"] == "indoor":  # the voxel channels are the model's (run.json has no in_ch for them)
        meta = {**meta, "in_ch": int(model.in_ch)}
    info = deploy_metadata(meta, opset)
    model = copy.deepcopy(model).cpu().eval()  # the caller's model stays as it is
    if meta["kind"] == "indoor":
        names, output = INDOOR_INPUT_NAMES, INDOOR_OUTPUT
        reference, wrapper = IndoorDB(model), IndoorDB(_exportable(copy.deepcopy(model), int(opset)))
    else:
        names, output = OUTDOOR_INPUT_NAMES, OUTDOOR_OUTPUT
        reference, wrapper = (OutdoorDB(m, meta["inputs"], meta["range_db"])
                              for m in (model, _exportable(copy.deepcopy(model), int(opset))))
    reference.eval(), wrapper.eval()  # a new module trains; the exporter restores the top module's mode, recursively
    args, axes = _example(info)
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer notes on the shape checks, the exporter's deprecation
            torch.onnx.export(wrapper, args, buf, dynamo=False, opset_version=int(opset), input_names=list(names),
                              output_names=[output], dynamic_axes=axes, do_constant_folding=True)
    except Exception as e:  # noqa: BLE001 - any exporter failure is reported in one line
        why = (str(e).strip().splitlines() or [""])[0][:300]
        raise DeployError(f"torch.onnx cannot export {meta['model']} at opset {opset} ({type(e).__name__}: {why}); "
                          f"predict with PyTorch (`synthrm predict --run`), or try another --opset") from None
    proto = onnx.load_from_string(buf.getvalue())
    proto.doc_string = (f"synthrm {meta['model']} ({meta['kind']}): " + ", ".join(names) + f" -> {output} [dB]; "
                        "metadata_props hold the run's settings (synthrm.models.deploy)")
    docs = _docs(info)
    for v in [*proto.graph.input, *proto.graph.output]:
        v.doc_string = docs.get(v.name, "")
    del proto.metadata_props[:]
    for k, v in info.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, json.dumps(v) if k in JSON_KEYS else str(v)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as e:  # noqa: BLE001
        raise DeployError(f"the exported {meta['model']} graph fails onnx.checker ({e}); try another --opset") from None
    data = proto.SerializeToString()
    ort = _ort()
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    with torch.no_grad():
        ref = reference(*args).numpy()
    got = sess.run(None, {n: a.numpy() for n, a in zip(names, args)})[0]
    err = float(np.max(np.abs(got - ref)))
    if not err <= EXPORT_TOLERANCE_DB:
        raise DeployError(f"the exported {meta['model']} differs from PyTorch by {err:.3g} dB on the traced example; "
                          f"predict with PyTorch (`synthrm predict --run`)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out) as tmp:
        tmp.write_bytes(data)
    return out


# ----------------------------------------------------------------------------- inference

def _decode(props: dict) -> dict:
    return {k: json.loads(v) if k in JSON_KEYS else v for k, v in props.items()}


def read_onnx_metadata(model) -> dict:
    """The synthrm metadata of an exported model (a path or an onnxruntime session), the
    JSON values decoded; DeployError for a file synthrm did not export."""
    if hasattr(model, "get_modelmeta"):
        props = dict(model.get_modelmeta().custom_metadata_map)
        where = "the ONNX model"
    else:
        p = _onnx_file(model)
        try:
            proto = _onnx().load(str(p), load_external_data=False)
        except Exception as e:  # noqa: BLE001
            raise DeployError(f"{p}: not a readable ONNX file ({type(e).__name__}); export one with "
                              f"`synthrm export-model RUN --format onnx --out {p}`") from None
        props = {e.key: e.value for e in proto.metadata_props}
        where = str(p)
    if "synthrm_version" not in props or "kind" not in props:
        raise DeployError(f"{where}: no synthrm metadata; export the model with `synthrm export-model`")
    return _decode(props)


def describe_onnx(model) -> str:
    """One line: the exported model's name, inputs and output with their shapes and units
    (``model``: a path, a session or its decoded metadata)."""
    m = model if isinstance(model, dict) else read_onnx_metadata(model)
    if m["kind"] == "indoor":
        pad = ", ".join(map(str, m["pad_shape"]))
        hn = len(m["heights_m"])
        return (f"{m['model']}: x (B, {m['in_ch']}, {pad}), prior_db (B, {hn}, {pad.rsplit(', ', 1)[0]}), z_index "
                f"(B, {hn}) int64, z_weight (B, {hn}) -> path_loss_db (B, {hn}, X, Y) [dB]; opset {m['opset']}")
    return (f"{m['model']} ({m['inputs']}): image (B, {m['in_ch']}, H, W), tx (B, {m['tx_dim']}) -> path_gain_db "
            f"(B, H, W) [dB], float32, H and W multiples of {m['size_multiple']}; opset {m['opset']}")


def _onnx_file(path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DeployError(f"{path}: no such ONNX file; export one with `synthrm export-model RUN --format onnx "
                          f"--out {path}`")
    return p


def onnx_session(path: str | Path, threads: int = 0, optimization: str = "all"):
    """An onnxruntime CPU session of an exported model: ``threads`` intra-op threads (0:
    onnxruntime's default, one per physical core), graph ``optimization`` ``all``,
    ``extended``, ``basic`` or ``disable``."""
    ort = _ort()
    p = _onnx_file(path)
    levels = {"all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
              "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
              "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
              "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL}
    if optimization not in levels:
        raise DeployError(f"optimization must be one of {', '.join(levels)}, got {optimization!r}")
    so = ort.SessionOptions()
    so.intra_op_num_threads = int(threads)
    so.graph_optimization_level = levels[optimization]
    so.log_severity_level = 3  # errors only
    try:
        sess = ort.InferenceSession(str(p), so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        why = (str(e).strip().splitlines() or [""])[0][:200]
        raise DeployError(f"{p}: onnxruntime cannot load it ({why}); export it again with "
                          f"`synthrm export-model RUN --format onnx --out {p}`") from None
    read_onnx_metadata(sess)  # a file synthrm made
    return sess


def _session(session_or_path):
    return session_or_path if hasattr(session_or_path, "run") else onnx_session(session_or_path)


def _run(sess, feeds: dict) -> np.ndarray:
    try:
        return sess.run(None, feeds)[0]
    except Exception as e:  # noqa: BLE001
        why = (str(e).strip().splitlines() or [""])[0][:300]
        raise DeployError(f"onnxruntime failed on the inputs ({why})") from None


def onnx_predict(session_or_path, image, tx) -> np.ndarray:
    """Path gain [dB] from an exported outdoor model: ``image`` (B, C, H, W) and ``tx``
    (B, D) give (B, H, W); one example, (C, H, W) and (D,), gives (H, W)."""
    sess = _session(session_or_path)
    meta = read_onnx_metadata(sess)
    if meta["kind"] != "city":
        raise DeployError(f"the ONNX model is {meta['model']}, an indoor model: use onnx_predict_indoor")
    image, tx = np.asarray(image, np.float32), np.asarray(tx, np.float32)
    one = image.ndim == 3
    if one:
        image, tx = image[None], tx[None]
    c, d = meta["in_ch"], meta["tx_dim"]
    if image.ndim != 4 or image.shape[1] != c:
        raise DeployError(f"image is {tuple(image.shape)}; {meta['model']} ({meta['inputs']}) takes (B, {c}, H, W), "
                          f"channels {', '.join(meta['channels'])}")
    if image.shape[2] % SIZE_MULTIPLE or image.shape[3] % SIZE_MULTIPLE:
        raise DeployError(f"image is {image.shape[3]}x{image.shape[2]}; the model needs both sides multiples of "
                          f"{SIZE_MULTIPLE} (e.g. 128x96)")
    if tx.shape != (image.shape[0], d):
        raise DeployError(f"tx vectors are {tuple(tx.shape)}; {meta['model']} takes ({image.shape[0]}, {d}) (another "
                          f"antenna pattern grid: use data made with the same pattern_step_deg)")
    y = _run(sess, {"image": image, "tx": tx})
    return y[0] if one else y


def onnx_predict_indoor(session_or_path, x, prior_db, z_index, z_weight) -> np.ndarray:
    """Path loss [dB] (B, Hn, X, Y) from an exported indoor model and a batch of
    ``IndoorExamples`` inputs (``x`` padded to the model's grid; ``prior_db`` of the model's
    ``prior``, recorded in its metadata)."""
    sess = _session(session_or_path)
    meta = read_onnx_metadata(sess)
    if meta["kind"] != "indoor":
        raise DeployError(f"the ONNX model is {meta['model']}, an outdoor model: use onnx_predict")
    x = np.asarray(x, np.float32)
    pad = tuple(meta["pad_shape"])
    if x.ndim != 5 or x.shape[1] != meta["in_ch"] or tuple(x.shape[2:]) != pad:
        raise DeployError(f"voxels are {tuple(x.shape)}; the exported {meta['model']} takes exactly "
                          f"(B, {meta['in_ch']}, {', '.join(map(str, pad))}) (its grid is fixed at export); a larger "
                          f"apartment needs the PyTorch model (`synthrm predict --run`)")
    # a model exported before the prior option names its prior input fspl_db (free space)
    prior_name = "fspl_db" if "fspl_db" in {i.name for i in sess.get_inputs()} else "prior_db"
    return _run(sess, {"x": x, prior_name: np.asarray(prior_db, np.float32),
                       "z_index": np.asarray(z_index, np.int64), "z_weight": np.asarray(z_weight, np.float32)})


def onnx_predict_figure(onnx: str | Path, data: str | Path, out: str | Path, sample: str | None = None, tx: int = 0,
                        height_m: float | None = None) -> Path:
    """``synthrm predict --onnx``: the figure of :func:`synthrm.models.evaluate.predict_figure`
    with the prediction computed by onnxruntime from the exported model; the inputs are
    built from ``data`` as for training, with the inputs kind the model records."""
    from synthrm.models.evaluate import prediction_figure

    sess = onnx_session(onnx)
    meta = read_onnx_metadata(sess)
    if meta["kind"] == "city":
        try:
            known = channel_names(meta["inputs"])
        except ValueError:
            known = None
        if known is None or list(known) != list(meta["channels"]):
            raise DeployError(f"{onnx}: takes channels {', '.join(meta['channels'])} (inputs {meta['inputs']!r}), this "
                              f"synthrm builds {', '.join(known) if known else 'no such inputs'}; use the synthrm "
                              f"version {meta['run_synthrm_version']} that trained it")

        def predict(b):
            return onnx_predict(sess, b["image"].numpy(), b["tx"].numpy())[0]
    else:
        def predict(b):
            return onnx_predict_indoor(sess, *(b[k].numpy() for k in INDOOR_INPUT_NAMES))[0]
    return prediction_figure(meta, data, out, predict, sample, tx, height_m, label=f"{meta['model']}, onnxruntime")


__all__ = ["export_onnx", "model_to_onnx", "deploy_metadata", "read_onnx_metadata", "describe_onnx", "onnx_session", "onnx_predict",
           "onnx_predict_indoor", "onnx_predict_figure", "OutdoorDB", "IndoorDB", "DeployError", "ONNX_OPSET",
           "MODEL_FORMATS"]
