"""Evaluation of a trained run against the physics baselines: ``synthrm evaluate`` and
``synthrm predict``.

Every method is scored with :func:`synthrm.metrics.radio_metrics` on the same valid
entries: outdoor, labelled pixels grouped by district (the SynthRM paper's Table 2);
indoor, simulated receiver cells in free space grouped by split (SenseRay-3D's Table III),
plus MAE per receiver height (their Figure 10). Baselines: free-space loss (Friis), the
log-distance fit of the run's training data, and for indoor the multi-wall model on the
voxel materials and 3GPP TR 38.901 InH-office with each receiver's LoS state from the voxels
(LoS: no occupied voxel on the straight Tx-Rx line).
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from synthrm.errors import DatasetError
from synthrm.files import atomic_write_json
from synthrm.metrics import radio_metrics, ssim_image
from synthrm.models.baselines import LogDistance, inh_office_db, umi_street_canyon_map_db, wall_crossings
from synthrm.models.config import label_sources_tag, parse_label_sources
from synthrm.radio.labels import LABEL_SOURCES
from synthrm.dataset.hdf5 import dataset_kind
from synthrm.models.data import INDOOR_RANGE_DB, IndoorExamples, OutdoorExamples
from synthrm.models.train import RunError, indoor_pred_db, load_model, outdoor_pred
from synthrm.radio.physics import fspl_db

EVAL_JSON, EVAL_MD = "evaluation.json", "evaluation.md"
METRIC_COLUMNS = (("nmse_db", "NMSE [dB]"), ("mae_db", "MAE [dB]"), ("rmse_db", "RMSE [dB]"),
                  ("psnr_db", "PSNR [dB]"), ("ssim", "SSIM"))


def _check_kind(meta: dict, data, verb: str = "evaluate it on") -> str:
    kind = dataset_kind(data)
    if kind != meta["kind"]:
        raise RunError(f"{data}: holds {kind} data but the run's model ({meta['model']}) was trained on "
                       f"{meta['kind']} data; {verb} {'an' if meta['kind'] == 'indoor' else 'a'} "
                       f"{meta['kind']} dataset")
    return kind


def method_label(meta: dict) -> str:
    """The model's row name in the tables: its name, plus its inputs when not the SynthRM paper's RGB."""
    inp = meta.get("inputs", "rgb")
    return meta["model"] + ("" if meta["kind"] == "indoor" or inp == "rgb" else f" ({inp})")


def _same_data(meta: dict, data) -> bool:
    return Path(data).resolve() == Path(meta["data"])


def outdoor_predictions(model, ds, range_db: tuple[float, float], batch_size: int = 8,
                        progress: bool = False) -> tuple[np.ndarray, float]:
    """Predicted path gain [dB] (N, H, W) for every example of ``ds`` (the model's
    normalised output mapped back through ``range_db``); and the median inference time
    per example [s] (batches of ``batch_size``)."""
    from tqdm.auto import tqdm

    lo, hi = range_db
    out, times = [], []
    with torch.no_grad():
        for b in tqdm(DataLoader(ds, batch_size=batch_size), desc="predict", disable=not progress, leave=False):
            t = time.perf_counter()
            y = outdoor_pred(model, b, torch.device("cpu"))[:, 0]
            times.append((time.perf_counter() - t) / len(y))
            out.append((lo + y * (hi - lo)).numpy())
    return np.concatenate(out).astype(np.float32), float(np.median(times))


def evaluate_outdoor(model, meta: dict, data, progress: bool = False,
                     label_sources: tuple[int, ...] = LABEL_SOURCES) -> dict:
    """Outdoor scores by district; only labels whose provenance (``path_gain_source``) is
    in ``label_sources`` count, for the model and the baselines alike. Each method's row
    holds :func:`synthrm.metrics.radio_metrics` (``ssim``: ours, fixed range, labelled
    pixels), ``ssim_image`` (:func:`synthrm.metrics.ssim_image`, the seed-style SSIM of the
    maps as images: per-map min-max, unlabelled pixels at 0; in [-1, 1], NaN when no map
    has a label), ``examples``, ``per_example_mae_db`` and the MAE breakdowns. Readers of
    older files take ``ssim_image`` as optional (``row.get("ssim_image")``)."""
    ld = LogDistance(meta["log_distance"]["pl0_db"], meta["log_distance"]["n"])
    samples = meta["val_samples"] if _same_data(meta, data) else None
    ds, geo = _examples_with_los(data, meta["inputs"], samples, tuple(meta["range_db"]))
    if ds.tx_dim != meta["tx_dim"]:
        raise RunError(f"{data}: Tx vectors have {ds.tx_dim} values, the run's model takes {meta['tx_dim']} "
                       f"(another antenna pattern grid); evaluate on data made with the same pattern_step_deg")
    pred, latency = outdoor_predictions(model, ds, tuple(meta["range_db"]), progress=progress)
    truth = np.stack([it.path_gain_db for it in ds.items])
    dist = np.stack([it.distance_m for it in ds.items])
    source = np.stack([it.source for it in ds.items])
    valid = np.isfinite(truth) & np.isfinite(dist) & np.isin(source, label_sources)
    d = np.maximum(np.nan_to_num(dist, nan=1.0), 0.01)  # sky pixels are invalid anyway
    freq = np.array([it.frequency_hz for it in ds.items])[:, None, None]
    methods = {method_label(meta): pred, "free-space (Friis)": -fspl_db(d, freq), "log-distance": -ld(d)}
    if geo:
        methods[UMI] = np.stack([umi_street_canyon_map_db(it.points_m, it.tx_m, 0.0, it.frequency_hz, it.los)
                                 for it in ds.items]).astype(np.float32)
    parts = _breakdowns(ds)
    groups = defaultdict(list)
    for i, it in enumerate(ds.items):
        groups[(it.district or "all") + (" (val)" if samples is not None else "")].append(i)
    res, frames = {}, {}
    for g, ix in groups.items():
        res[g] = {m: {**radio_metrics(p[ix], truth[ix], valid[ix]),
                      "ssim_image": ssim_image(p[ix], truth[ix], valid[ix]), "examples": len(ix),
                      "per_example_mae_db": _per_example_mae(p[ix], truth[ix], valid[ix]),
                      **{f"mae_db_by_{name}": _mae_by(p[ix], truth[ix], valid[ix], key[ix], names)
                         for name, (key, names) in parts.items()}}
                  for m, p in methods.items()}
        frames[g] = [ds.items[i].sample_id for i in ix]
    return {"groups": res, "latency_s_per_example": latency, "examples": len(ds), "example_frames": frames,
            "label_sources": list(label_sources)}


#: The row of the TR 38.901 baseline (with each pixel's geometric line of sight).
UMI = "TR 38.901 UMi (geometric LoS)"


def _examples_with_los(data, inputs: str, samples, range_db) -> tuple[OutdoorExamples, bool]:
    """The examples with each pixel's geometric line of sight where the dataset has its
    scenes' footprints (synthrm's own datasets), without it otherwise (imported ones)."""
    try:
        return OutdoorExamples(data, inputs=inputs, samples=samples, with_los=True, range_db=range_db), True
    except DatasetError:
        return OutdoorExamples(data, inputs=inputs, samples=samples, range_db=range_db), False


def _breakdowns(ds: OutdoorExamples) -> dict:
    """Per-pixel keys the scores are split by, with their names: label provenance, dominant
    mechanism, semantic class, geometric line of sight (where known)."""
    from synthrm.radio.labels import MECHANISM_NAMES, SOURCE_NAMES
    from synthrm.scene.classes import SEMANTIC_CLASSES

    sem_names = dict(SEMANTIC_CLASSES)
    out = {"provenance": (np.stack([it.source for it in ds.items]), dict(SOURCE_NAMES)),
           "mechanism": (np.stack([it.mechanism for it in ds.items]), dict(MECHANISM_NAMES)),
           "semantic": (np.stack([it.semantic for it in ds.items]), sem_names)}
    if all(it.los is not None for it in ds.items):
        out["los"] = (np.stack([it.los for it in ds.items]).astype(np.uint8), {1: "LoS", 0: "NLoS"})
    return out


def _mae_by(pred, truth, valid, key, names: dict) -> dict:
    """MAE [dB] and pixel count per value of ``key`` (same shape as ``pred``) over the valid
    entries: ``{name: {"mae_db": .., "pixels": ..}}``."""
    err = np.abs(np.asarray(pred, np.float64) - truth)
    out = {}
    for v in np.unique(key[valid]):
        m = valid & (key == v)
        out[names.get(int(v), str(int(v)))] = {"mae_db": float(err[m].mean()), "pixels": int(m.sum())}
    return out


def _per_example_mae(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray) -> list:
    """MAE [dB] of each example (axis 0) over its valid entries; None where it has none
    (confidence intervals over examples, ``benchmarks/reproduce.py``)."""
    out = []
    for p, t, v in zip(pred, truth, valid):
        d = np.abs(np.asarray(p, np.float64) - t)[v]
        out.append(float(d.mean()) if d.size else None)
    return out


def evaluate_indoor(model, meta: dict, data, splits: list[str] | None = None, progress: bool = False) -> dict:
    from tqdm.auto import tqdm

    from synthrm.dataset.hdf5 import read_index

    ld = LogDistance(meta["log_distance"]["pl0_db"], meta["log_distance"]["n"])
    present = set(read_index(data).get("splits", {}).values())
    if splits is None:
        splits = [s for s in ("val", "test") if s in present] or sorted(present)
    out = {"groups": {}, "per_height_mae_db": {}, "heights_m": meta["heights_m"]}
    lat = []
    for split in splits:
        ds = IndoorExamples.for_run(meta, data, (split,), progress=progress)
        if (ds.voxel_size_m, list(ds.heights_m)) != (meta["voxel_size_m"], list(meta["heights_m"])):
            raise RunError(f"{data}: voxel size {ds.voxel_size_m} m / heights {list(ds.heights_m)} differ from the "
                           f"run's ({meta['voxel_size_m']} m, {meta['heights_m']}); evaluate on data made alike")
        preds, truth, valid, base = [], [], [], defaultdict(list)
        with torch.no_grad():
            for i in tqdm(range(len(ds)), desc=f"evaluate {split}", disable=not progress, leave=False):
                b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[i].items()}
                t = time.perf_counter()
                p = indoor_pred_db(model, b, torch.device("cpu"))[0].numpy()
                lat.append(time.perf_counter() - t)
                it = ds.items[i]
                X, Y = it.path_loss_db.shape[1:]
                off = b["offset"][0].tolist()
                preds.append(p[:, off[0]:off[0] + X, off[1]:off[1] + Y])
                truth.append(it.path_loss_db)
                valid.append(it.valid)
                base["free-space (Friis)"].append(it.fspl_db)
                base["log-distance"].append(ld(it.distance_m))
                rx = ds.receivers_m(i).reshape(-1, 3)
                # one marching for both: multi-wall = FSPL + walls (as multi_wall_db), InH LoS = no wall
                walls, walls_db = wall_crossings(it.x[0], it.origin_m, ds.voxel_size_m, it.tx_m, rx, it.x[2] * 20.0)
                shape = it.path_loss_db.shape
                base["multi-wall (P.1238 style)"].append(it.fspl_db.astype(np.float64) + walls_db.reshape(shape))
                base["TR 38.901 InH-office"].append(inh_office_db(it.distance_m, ds.frequency_hz,
                                                                  walls.reshape(shape) == 0))
        methods = {meta["model"]: preds, **base}
        out.setdefault("example_scenes", {})[split] = [it.scene_id for it in ds.items]
        res, per_h = {}, {}
        for m, arrs in methods.items():
            # entries differ in X, Y: score on the flattened valid cells, SSIM per plane
            flat_p = np.concatenate([a.reshape(len(a), -1) for a in arrs], axis=1)
            flat_t = np.concatenate([a.reshape(len(a), -1) for a in truth], axis=1)
            flat_v = np.concatenate([a.reshape(len(a), -1) for a in valid], axis=1)
            r = radio_metrics(flat_p, flat_t, flat_v, range_db=INDOOR_RANGE_DB, with_ssim=False)
            ss = [radio_metrics(a, t, v, range_db=INDOOR_RANGE_DB)["ssim"] for a, t, v in zip(arrs, truth, valid)
                  if v.any()]
            r["ssim"] = float(np.nanmean(ss)) if ss else float("nan")
            r["examples"] = len(arrs)
            r["per_example_mae_db"] = _per_example_mae(arrs, truth, valid)
            res[m] = r
            err = np.abs(flat_p - flat_t)
            per_h[m] = [float(err[h][flat_v[h]].mean()) if flat_v[h].any() else float("nan")
                        for h in range(len(flat_v))]
        out["groups"][split] = res
        out["per_height_mae_db"][split] = per_h
    out["latency_s_per_example"] = float(np.median(lat)) if lat else float("nan")
    return out


def results_table(results: dict) -> str:
    """Markdown table of an ``evaluation.json``: one row per (data, group, method)."""
    head = "| data | group | method | examples | " + " | ".join(c for _, c in METRIC_COLUMNS) + " |"
    rows = [head, "|" + "---|" * (4 + len(METRIC_COLUMNS))]
    for data, r in results["data"].items():
        for g, methods in r["groups"].items():
            for m, v in methods.items():
                cells = [f"{v.get(k, float('nan')):.3f}" if k == "ssim" else f"{v.get(k, float('nan')):.2f}"
                         for k, _ in METRIC_COLUMNS]
                rows.append(f"| {data} | {g} | {m} | {v.get('examples', '')} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def height_figure(results: dict, out: Path) -> Path | None:
    """MAE [dB] vs receiver height per method (SenseRay-3D's Figure 10)."""
    items = [(d, s, ph) for d, r in results["data"].items() for s, ph in r.get("per_height_mae_db", {}).items()]
    if not items:
        return None
    from synthrm.figures import pyplot

    plt = pyplot()

    fig, axes = plt.subplots(1, len(items), figsize=(4.2 * len(items), 3.4), squeeze=False)
    for ax, (d, s, ph) in zip(axes[0], items):
        hs = results["data"][d]["heights_m"]
        for m, v in ph.items():
            ax.plot(hs, v, "o-", label=m, ms=3)
        ax.set_xlabel("receiver height [m]")
        ax.set_ylabel("MAE [dB]")
        ax.set_title(f"{d} · {s}")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def evaluate(run: str | Path, data: str | Path, splits: list[str] | None = None, progress: bool = True,
             label_sources=None) -> dict:
    """Score the run's best model and the baselines on ``data``; merge the result into
    ``RUN/evaluation.json`` and rewrite ``RUN/evaluation.md`` (and, indoor,
    ``RUN/error_vs_height.png``). ``label_sources`` (outdoor; e.g. ``"1,2"``, default all)
    scores only the labels of those provenance codes; such a result is kept under
    ``"<data> (labels 1,2)"`` next to the one over all labels. Returns the full
    evaluation dict."""
    from synthrm import __version__

    run = Path(run)
    codes = LABEL_SOURCES if label_sources is None else parse_label_sources(label_sources)
    model, meta = load_model(run)
    kind = _check_kind(meta, data)
    if kind == "indoor":
        if codes != LABEL_SOURCES:
            raise RunError("--label-sources is for city datasets (label provenance); an indoor dataset marks "
                           "interpolated cells with fill_mask, which evaluation already leaves out")
        r = evaluate_indoor(model, meta, data, splits, progress)
    else:
        if splits:
            raise RunError("--split is for indoor datasets; a city dataset is grouped by district")
        r = evaluate_outdoor(model, meta, data, progress, label_sources=codes)
    r["path"] = str(Path(data).resolve())
    p = run / EVAL_JSON
    allres = json.loads(p.read_text()) if p.is_file() else {"model": meta["model"], "data": {}}
    allres["synthrm_version"] = __version__
    allres["data"][result_key(data, codes)] = r
    atomic_write_json(p, allres)
    (run / EVAL_MD).write_text(f"# {run.name}: {meta['model']}\n\n" + results_table(allres))
    height_figure(allres, run / "error_vs_height.png")
    return allres


def result_key(data: str | Path, label_sources: tuple[int, ...] = LABEL_SOURCES) -> str:
    """The name of a dataset's result in ``evaluation.json``: the folder's name, plus the
    label provenance codes scored when not all of them."""
    return Path(data).resolve().name + label_sources_tag(label_sources)


def predict_figure(run: str | Path, data: str | Path, out: str | Path, sample: str | None = None, tx: int = 0,
                   height_m: float | None = None) -> Path:
    """Input | truth | prediction | error of one example into a PNG. Outdoor: ``sample``
    and ``tx``; indoor: entry ``sample`` at the plane nearest ``height_m`` (default 1.2 m)."""
    model, meta = load_model(run)
    cpu = torch.device("cpu")
    if meta["kind"] == "indoor":
        def predict(b):
            with torch.no_grad():
                return indoor_pred_db(model, b, cpu)[0].numpy()
    else:
        lo, hi = meta["range_db"]

        def predict(b):
            with torch.no_grad():
                return lo + outdoor_pred(model, b, cpu)[0, 0].numpy() * (hi - lo)
    return prediction_figure(meta, data, out, predict, sample, tx, height_m)


def prediction_figure(meta: dict, data: str | Path, out: str | Path, predict, sample: str | None = None, tx: int = 0,
                      height_m: float | None = None, label: str | None = None) -> Path:
    """The figure of :func:`predict_figure` for any predictor: ``predict`` maps an
    example (the dataset item's tensors with a batch axis of one) to its prediction [dB]:
    path gain (H, W) outdoor, path loss (Hn, X, Y) on the padded planes indoor. ``meta``
    holds ``kind``, ``model`` and ``inputs`` (outdoor) or ``pad_shape`` (indoor), as a
    ``run.json`` does; ``label`` names the prediction (default the model)."""
    from synthrm.figures import pyplot

    plt = pyplot()

    kind = _check_kind(meta, data, "predict on")
    fig, ax = plt.subplots(1, 4, figsize=(15, 3.6))
    if kind == "city":
        ds = OutdoorExamples(data, inputs=meta["inputs"], samples=[sample] if sample else None,
                             range_db=tuple(meta["range_db"]))
        ids = [i for i, it in enumerate(ds.items) if it.tx_index == tx]
        if not ids:
            raise DatasetError(f"{data}: sample {sample or ds.items[0].sample_id} has no transmitter {tx}")
        i = ids[0]
        b = ds[i]
        pred = predict({k: v[None] for k, v in b.items() if isinstance(v, torch.Tensor)})
        truth = ds.items[i].path_gain_db
        pred = np.where(np.isfinite(ds.items[i].distance_m), pred, np.nan)  # nothing on sky
        ax[0].imshow(b["image"][:3].permute(1, 2, 0).numpy())
        ax[0].set_title(f"RGB · sample {ds.items[i].sample_id}")
        unit, where = "path gain [dB]", f"Tx {tx}"
    else:
        ds = IndoorExamples.for_run(meta, data, ("train", "val", "test"))
        ids = [i for i, it in enumerate(ds.items) if sample in (None, it.entry)]
        if not ids:
            raise DatasetError(f"{data}: no entry {sample!r}")
        i = ids[0]
        it = ds.items[i]
        b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[i].items()}
        p = predict(b)
        X, Y = it.path_loss_db.shape[1:]
        off = b["offset"][0].tolist()
        h = int(np.argmin(np.abs(np.asarray(ds.heights_m) - (1.2 if height_m is None else height_m))))
        pred = p[h, off[0]:off[0] + X, off[1]:off[1] + Y].T
        truth = np.where(it.valid[h], it.path_loss_db[h], np.nan).T
        kz = int((ds.heights_m[h] - ds.origin_z_m) / ds.voxel_size_m)
        ax[0].imshow(it.x[0][:, :, kz].T, origin="lower", cmap="gray_r")
        ax[0].set_title(f"occupancy at {ds.heights_m[h]:.1f} m · {it.entry}")
        unit, where = "path loss [dB]", f"split {it.split}"
    kw = {"origin": "lower"} if kind == "indoor" else {}
    fin = truth[np.isfinite(truth)]
    vmin, vmax = (np.percentile(fin, 1), np.percentile(fin, 99)) if fin.size else (None, None)
    for a, img, t in ((ax[1], truth, f"truth ({where})"), (ax[2], pred, f"prediction ({label or meta['model']})")):
        im = a.imshow(img, cmap="viridis", vmin=vmin, vmax=vmax, **kw)
        a.set_title(t)
        fig.colorbar(im, ax=a, fraction=0.046, label=unit)
    err = pred - truth
    lim = float(np.nanpercentile(np.abs(err), 99)) if np.isfinite(err).any() else 1.0
    im = ax[3].imshow(err, cmap="RdBu_r", vmin=-lim, vmax=lim, **kw)
    ax[3].set_title(f"error, MAE {np.nanmean(np.abs(err)):.2f} dB")
    fig.colorbar(im, ax=ax[3], fraction=0.046, label="prediction - truth [dB]")
    for a in ax:
        a.set_xticks([])
        a.set_yticks([])
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


__all__ = ["evaluate", "predict_figure", "prediction_figure", "results_table", "evaluate_outdoor", "evaluate_indoor"]
