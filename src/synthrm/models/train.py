"""Training of the learning benchmark's models: ``synthrm train``.

A run folder holds everything needed to continue, evaluate and reproduce it::

    RUN/run.json     model, its arguments, the training config, data folder, example ids of
                     the train / validation parts, normalisation, baseline fits, version
    RUN/last.pt      model + optimiser + scheduler + history after the last epoch (resume)
    RUN/best.pt      model weights of the epoch with the lowest validation loss
    RUN/log.csv      one row per epoch (also RUN/log.json), RUN/loss.png the curves

Losses: outdoor models, MSE of the normalised path gain over labelled pixels (RadioUNet's
loss); SenseRay-3D, RMSE [dB] of path loss over valid receiver cells (the SenseRay-3D paper's masked
RMSE). AdamW, cosine annealing with warm restarts (per epoch, fractional per step), early
stopping on the validation loss, mixed precision on CUDA (``amp``).
"""
from __future__ import annotations

import csv
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from synthrm.models.config import TrainConfig
from synthrm.models.registry import MODELS
from synthrm.models.ensemble import ENSEMBLE, Ensemble, EnsembleError, build_ensemble, ensemble_meta
from synthrm.errors import ConfigError, SynthrmError
from synthrm.files import atomic_file, atomic_write_json, new_output

RUN_JSON, LAST, BEST = "run.json", "last.pt", "best.pt"


class RunError(SynthrmError):
    """A run folder that is missing, incomplete or does not match the request."""


def build_model(name: str, width: int = 0, in_ch: int = 3, tx_dim: int = 315) -> torch.nn.Module:
    """A fresh model by name (``synthrm.models.registry``; ``width`` 0 = its default size)."""
    return MODELS.get(name, "model").build(width=width, in_ch=in_ch, tx_dim=tx_dim)


def pick_device(cfg: TrainConfig) -> torch.device:
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device: cuda requested but torch sees no CUDA device; use --device cpu")
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


def autocast(cfg: TrainConfig, device: torch.device):
    on = cfg.amp == "on" or (cfg.amp == "auto" and device.type == "cuda")
    dtype = torch.bfloat16 if device.type == "cpu" or torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast(device.type, dtype=dtype, enabled=on)


# ----------------------------------------------------------------------------- data

def data_folders(data) -> list[Path]:
    """``data`` (one dataset folder, or a list of them) as a list of paths."""
    return [Path(d) for d in data] if isinstance(data, (list, tuple)) else [Path(data)]


def load_examples(data: str | Path | list, cfg: TrainConfig, log=None, progress: bool = False):
    """(train Subset/dataset, val dataset, meta) for the config's model. How validation
    is split off when it cannot be by scene (one scene, one sample) is logged as a note.
    ``data``: a dataset folder; indoor models also take a list, the first the run's own
    dataset (its test split stays unseen), the others adding their train and val entries."""
    log = log or (lambda m: print(m, file=sys.stderr))
    from synthrm.dataset.hdf5 import dataset_kind
    from synthrm.models.data import WALL_LOSS_CLIP_DB, IndoorExamples, OutdoorExamples

    roots = data_folders(data)
    if not roots:
        raise RunError("--data: give a dataset folder")
    data = roots[0]
    kind = dataset_kind(data)
    if MODELS.get(cfg.model, "model").kind == "indoor":
        for d in roots:
            if dataset_kind(d) != "indoor":
                raise RunError(f"{d}: holds city camera samples; {cfg.model} needs an indoor voxel dataset "
                               f"(`synthrm generate --preset indoor-apartment ...`), or pick an outdoor model")
        if len({d.resolve() for d in roots}) != len(roots):
            raise RunError(f"--data: {[str(d) for d in roots]} names a dataset twice; give each once")
        trains, vals = [], []
        for d in roots:
            try:
                trains.append(IndoorExamples(d, ("train",), prior=cfg.prior, inputs=cfg.indoor_inputs,
                                           progress=progress))
            except SynthrmError:
                if d == data:
                    raise
                log(f"warning: {d} has no 'train' entries; only its 'val' ones are used")
            try:
                vals.append(IndoorExamples(d, ("val",), prior=cfg.prior, inputs=cfg.indoor_inputs,
                                         progress=progress))
            except SynthrmError:
                log(f"warning: {d} has no 'val' entries" + ("; validating on the training entries"
                                                            if d == data and len(roots) == 1 else ""))
        train = IndoorExamples.merged(trains)
        if cfg.train_fraction < 1:
            # a learning curve: a seeded share of the training apartments (all their Tx; the
            # padding and the validation entries unchanged)
            train.items = [it for it in train.items if it.scene_id in _fraction_of(
                sorted({it.scene_id for it in train.items}), cfg.train_fraction, cfg.seed)]
        val = IndoorExamples.merged(vals) if vals else train
        train.pad_shape = val.pad_shape = tuple(max(a, b) for a, b in zip(train.pad_shape, val.pad_shape))
        if len(roots) > 1:
            log(f"training on {len({it.scene_id for it in train.items})} apartments of {len(roots)} datasets "
                f"({len(train)} train, {len(val)} val entries)")
        meta = {"kind": "indoor", "pad_shape": list(train.pad_shape), "heights_m": list(train.heights_m),
                "voxel_size_m": train.voxel_size_m, "frequency_hz": train.frequency_hz, "prior": cfg.prior,
                "indoor_inputs": cfg.indoor_inputs, "in_ch": train.in_ch, "wall_loss_clip_db": WALL_LOSS_CLIP_DB,
                "train_data": [str(d.resolve()) for d in roots],
                "train_examples": [it.entry for it in train.items], "val_examples": [it.entry for it in val.items]}
        return train, val, meta
    if len(roots) > 1:
        raise RunError(f"--data: {len(roots)} datasets; only the indoor models train on several, "
                       f"{cfg.model} takes one city dataset")
    if kind != "city":
        raise RunError(f"{data}: holds indoor voxel entries; {cfg.model} is an outdoor camera model "
                       f"(use --model senseray3d, or a city dataset)")
    full = OutdoorExamples(data, inputs=cfg.inputs, sources=cfg.label_source_codes, weighting=cfg.label_weighting)
    groups = sorted({it.scene_id for it in full.items})
    key = "scene_id"
    if len(groups) < 2:
        groups, key = sorted({it.sample_id for it in full.items}), "sample_id"
        if len(groups) > 1 and cfg.val_fraction > 0:
            log(f"note: {data} holds one scene; validation is split by sample ({cfg.val_fraction:g} of its "
                f"{len(groups)} samples), so it sees the training geometry (generate more frames than "
                f"frames_per_scene for unseen scenes)")
    if len(groups) < 2 and cfg.val_fraction > 0:
        log(f"warning: {data} holds one sample; validating on the training sample")
    rng = np.random.default_rng(cfg.seed)
    n_val = int(round(cfg.val_fraction * len(groups))) if len(groups) > 1 else 0
    if cfg.val_fraction > 0 and len(groups) > 1:
        n_val = max(1, n_val)
    val_groups = set(rng.permutation(groups)[:n_val].tolist())
    tr = [i for i, it in enumerate(full.items) if getattr(it, key) not in val_groups]
    va = [i for i, it in enumerate(full.items) if getattr(it, key) in val_groups] or tr
    if cfg.train_fraction < 1:
        # a learning curve: a seeded share of the training groups (the validation part unchanged)
        keep = _fraction_of(sorted({getattr(full.items[i], key) for i in tr}), cfg.train_fraction, cfg.seed)
        tr = [i for i in tr if getattr(full.items[i], key) in keep]
    meta = {"kind": "city", "inputs": cfg.inputs, "in_ch": full.in_ch, "tx_dim": full.tx_dim,
            "label_sources": list(cfg.label_source_codes), "label_weighting": cfg.label_weighting,
            "range_db": list(full.range_db), "split_by": key,
            "train_samples": sorted({full.items[i].sample_id for i in tr}),
            "val_samples": sorted({full.items[i].sample_id for i in va})}
    return Subset(full, tr), Subset(full, va), meta


def _fraction_of(groups: list, fraction: float, seed: int) -> set:
    """A seeded share ``fraction`` of ``groups`` (scenes, frames or apartments), at least one."""
    return set(np.random.default_rng(seed + 1).permutation(groups)[:max(1, round(fraction * len(groups)))].tolist())


def _items(ds):
    if isinstance(ds, Subset):
        return [ds.dataset.items[i] for i in ds.indices]
    return ds.items


def fit_log_distance(train, kind: str, seed: int, max_points: int = 200_000) -> dict:
    """Log-distance baseline fitted on the training examples' labelled points."""
    from synthrm.models.baselines import LogDistance

    d, pl = [], []
    for it in _items(train):
        if kind == "indoor":
            d.append(it.distance_m[it.valid])
            pl.append(it.path_loss_db[it.valid])
        else:
            ok = np.isfinite(it.path_gain_db) & np.isfinite(it.distance_m)
            d.append(it.distance_m[ok])
            pl.append(-it.path_gain_db[ok])
    d, pl = np.concatenate(d), np.concatenate(pl)
    if len(d) > max_points:
        keep = np.random.default_rng(seed).choice(len(d), max_points, replace=False)
        d, pl = d[keep], pl[keep]
    ld = LogDistance.fit(d, pl)
    return {"pl0_db": ld.pl0_db, "n": ld.n, "points": int(len(d))}


# ----------------------------------------------------------------------------- steps

def rotate_batch(batch: dict, k: int) -> dict:
    """An outdoor batch turned by ``k`` x 90 degrees (counter-clockwise in the image): the
    image-shaped tensors rotated, the Tx position in the camera frame (OpenCV axes, the
    first two values of ``tx``) turned with the camera's roll, (x, y) -> (y, -x) per turn.
    A camera rolled about its optical axis sees the same surfaces with the same path gain,
    so the labels hold (square pixels assumed, as the pinhole cameras here are)."""
    k = int(k) % 4
    if k == 0:
        return batch
    out = dict(batch)
    for name in ("image", "target", "base", "valid", "weight", "path_gain_db", "distance_m", "source", "std_db"):
        if name in batch:
            out[name] = torch.rot90(batch[name], k, dims=(-2, -1))
    tx = batch["tx"].clone()
    x, y = tx[:, 0].clone(), tx[:, 1].clone()
    for _ in range(k):
        x, y = y, -x
    tx[:, 0], tx[:, 1] = x, y
    out["tx"] = tx
    return out


def flip_batch(batch: dict, k: int) -> dict:
    """An indoor batch mirrored in the floor plan: ``k`` bit 0 flips x, bit 1 flips y. The
    voxel channels (B, C, X, Y, Z) and the receiver planes (B, Hn, X, Y) are flipped
    together; the Tx distance channel moves with the grid, so the mirrored apartment keeps
    its Tx and its labels (an isotropic antenna, a mirror-symmetric propagation)."""
    k = int(k) % 4
    if k == 0:
        return batch
    out = dict(batch)
    for bit, vox_dim, plane_dim in ((1, 2, 2), (2, 3, 3)):
        if k & bit:
            out["x"] = torch.flip(out["x"], dims=(vox_dim,))
            for name in ("valid", "path_loss_db", "fspl_db", "prior_db", "distance_m"):
                out[name] = torch.flip(out[name], dims=(plane_dim,))
    return out


def outdoor_pred(model, batch, device) -> torch.Tensor:
    """Normalised path gain (B, 1, H, W): the network's output plus the item's ``base``
    (zeros, or the free-space channel for inputs with ``fspl``: ``rgbd-fspl``, ``geometry``)."""
    return model(batch["image"].to(device), batch["tx"].to(device)).float() + batch["base"].to(device)


def outdoor_loss(model, batch, device, kind: str = "mse"):
    """Weighted mean of the squared (``kind="mse"``) or absolute (``"l1"``) error of the
    normalised path gain over the batch's valid labels."""
    pred = outdoor_pred(model, batch, device)
    v = batch["valid"].to(device)
    if not v.any():
        return pred.sum() * 0.0
    w = batch["weight"].to(device)[v]
    e = pred[v] - batch["target"].to(device)[v]
    e = e.abs() if kind == "l1" else e ** 2
    return torch.sum(w * e) / torch.clamp(w.sum(), min=1e-12)


def indoor_pred_db(model, batch, device):
    """Path loss [dB] (B, Hn, X, Y): the batch's ``prior_db`` (free space or multi-wall, the
    run's ``prior``; NaN padding read as 0) plus the model's residual."""
    prior = torch.nan_to_num(batch["prior_db"].to(device), nan=0.0)
    return model.path_loss_db(batch["x"].to(device), prior, batch["z_index"].to(device),
                              batch["z_weight"].to(device)).float()


def indoor_loss(model, batch, device, kind: str = "mse"):
    """RMSE [dB] of the path loss over the valid receiver cells (``kind`` ``mse``), or MAE [dB]
    (``l1``)."""
    pred = indoor_pred_db(model, batch, device)
    v = batch["valid"].to(device)
    if not v.any():
        return pred.sum() * 0.0
    e = pred[v] - batch["path_loss_db"].to(device)[v]
    return e.abs().mean() if kind == "l1" else torch.sqrt(torch.mean(e ** 2) + 1e-12)


def _batch_mae_db(model, batch, device, kind, meta) -> tuple[float, int]:
    if kind == "indoor":
        err = (indoor_pred_db(model, batch, device) - batch["path_loss_db"].to(device))
        v = batch["valid"].to(device)
    else:
        lo, hi = meta["range_db"]
        pred_db = lo + outdoor_pred(model, batch, device)[:, 0] * (hi - lo)
        err = pred_db - batch["path_gain_db"].to(device)
        v = batch["valid"].to(device)[:, 0]
    return float(err[v].abs().sum()), int(v.sum())


# ----------------------------------------------------------------------------- run folder

def _save(path: Path, obj) -> None:
    with atomic_file(path) as tmp:
        torch.save(obj, tmp)


def read_run(run: str | Path) -> dict:
    p = Path(run) / RUN_JSON
    if not p.is_file():
        raise RunError(f"{run}: not a training run (no {RUN_JSON}); train one with `synthrm train --out {run}`")
    return json.loads(p.read_text())


def write_log(run: Path, history: list[dict]) -> None:
    if not history:
        return
    with open(run / "log.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(history[0]))
        w.writeheader()
        w.writerows(history)
    atomic_write_json(run / "log.json", history)
    from synthrm.figures import pyplot

    fig = loss_figure(history, f"{run.name}: {history[-1].get('model', '')}")
    fig.savefig(run / "loss.png", dpi=110)
    pyplot().close(fig)


def loss_figure(history: list[dict], title: str = ""):
    """Training and validation loss (log scale) and validation MAE [dB] per epoch: whole
    epochs on the x axis with half an epoch of margin (one epoch: 0.5-1.5, one tick)."""
    from matplotlib.ticker import MaxNLocator

    from synthrm.figures import pyplot

    plt = pyplot()
    ep = [h["epoch"] for h in history]
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.4))
    for a in ax:
        a.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        a.set_xlim(min(ep) - 0.5, max(ep) + 0.5)
    ax[0].plot(ep, [h["train_loss"] for h in history], "o-", label="train")
    ax[0].plot(ep, [h["val_loss"] for h in history], "s-", label="validation")
    ax[0].set_xlabel("epoch")
    ax[0].set_ylabel("loss")
    ax[0].set_yscale("log")
    ax[0].legend()
    ax[1].plot(ep, [h["val_mae_db"] for h in history], "s-", color="C2")
    ax[1].set_xlabel("epoch")
    ax[1].set_ylabel("validation MAE [dB]")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def train(cfg: TrainConfig, data: str | Path | list, out: str | Path, resume: bool = False,
          progress: bool = True, log=None) -> dict:
    """Train ``cfg.model`` on dataset ``data`` (indoor models: a list of datasets too, see
    :func:`load_examples`) into run folder ``out``; returns the run's summary (best epoch,
    best validation loss, epochs run, stopped early). A run that
    fails before its first epoch is saved leaves no folder it made. With ``progress``
    false: no bars and no per-epoch lines (notes and warnings still print)."""
    with new_output(out, keep=lambda p: (p / LAST).is_file()):
        return _train(cfg, data, out, resume, progress, log)


def _train(cfg: TrainConfig, data: str | Path | list, out: str | Path, resume: bool, progress: bool, log) -> dict:
    from tqdm.auto import tqdm

    from synthrm import __version__

    log = log or (lambda m: print(m, file=sys.stderr))
    cfg.validate()
    run = Path(out)
    state = None
    if (run / LAST).exists():
        if not resume:
            raise RunError(f"{run}: holds a run already; pass --resume to continue it, or choose a new --out")
        old = read_run(run)
        mine = {k: v for k, v in asdict(cfg).items() if k not in ("epochs", "device")}
        # a run made before a setting existed ran with its default
        theirs = {k: v for k, v in {**asdict(TrainConfig()), **old["train_config"]}.items()
                  if k not in ("epochs", "device")}
        if mine != theirs:
            diff = {k: (theirs.get(k), v) for k, v in mine.items() if theirs.get(k) != v}
            raise RunError(f"{run}: --resume with different settings {diff} (was, now); use the run's settings "
                           f"or a new --out")
        state = torch.load(run / LAST, map_location="cpu", weights_only=False)
    device = pick_device(cfg)
    torch.manual_seed(cfg.seed)
    train_ds, val_ds, meta = load_examples(data, cfg, log, progress=progress)
    if state is not None and "train_data" in meta and meta["train_data"] != old.get("train_data", [old["data"]]):
        raise RunError(f"{run}: --resume with other --data {meta['train_data']} (the run trained on "
                       f"{old.get('train_data', [old['data']])}); pass the run's datasets, or a new --out")
    kind = meta["kind"]
    model = build_model(cfg.model, cfg.width, meta.get("in_ch", 3), meta.get("tx_dim", 315)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=cfg.restart_epochs)
    history, best, bad, start = [], math.inf, 0, 1
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        history, best, bad, start = state["history"], state["best_val"], state["bad_epochs"], state["epoch"] + 1
        if state.get("stopped_early"):
            log(f"{run}: stopped early at epoch {state['epoch']} already; nothing to resume")
            start = cfg.epochs + 1
    else:
        run.mkdir(parents=True, exist_ok=True)
        meta.update({"synthrm_version": __version__, "data": str(data_folders(data)[0].resolve()), "model": cfg.model,
                     "model_kwargs": {"name": cfg.model, "width": cfg.width, "in_ch": meta.get("in_ch", 3),
                                      "tx_dim": meta.get("tx_dim", 315)},
                     "train_config": asdict(cfg), "log_distance": fit_log_distance(train_ds, kind, cfg.seed),
                     "parameters": int(sum(p.numel() for p in model.parameters()))})
        atomic_write_json(run / RUN_JSON, meta)
    kind_loss = indoor_loss if kind == "indoor" else outdoor_loss
    loss_fn = lambda m, b, d: kind_loss(m, b, d, cfg.loss)  # noqa: E731
    val_loader = DataLoader(val_ds, batch_size=cfg.batch_size, shuffle=False)
    steps = len(train_ds) // cfg.batch_size + (len(train_ds) % cfg.batch_size > 0)
    if cfg.max_steps_per_epoch:
        steps = min(steps, cfg.max_steps_per_epoch)
    stopped = bool(state and state.get("stopped_early"))
    for epoch in range(start, cfg.epochs + 1):
        t0 = time.perf_counter()
        g = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
        loader = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True, generator=g)
        model.train()
        tot, n = 0.0, 0
        bar = tqdm(total=steps, desc=f"{cfg.model} epoch {epoch}/{cfg.epochs}", unit="step",
                   disable=not progress, leave=False)
        turns = torch.randint(0, 4, (steps,), generator=torch.Generator().manual_seed(cfg.seed * 7 + epoch))
        for i, batch in enumerate(loader):
            if i >= steps:
                break
            if cfg.augment == "rot90":
                batch = rotate_batch(batch, int(turns[i]))
            elif cfg.augment == "flip":
                batch = flip_batch(batch, int(turns[i]))
            with autocast(cfg, device):
                loss = loss_fn(model, batch, device)
            if not torch.isfinite(loss):
                raise RunError(f"{run}: the loss became {float(loss)} at epoch {epoch}, step {i}; lower --lr "
                               f"(now {cfg.lr}) or check the data with `synthrm show`")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step(epoch - 1 + (i + 1) / steps)
            val = float(loss.detach())
            tot += val * len(batch["index"])
            n += len(batch["index"])
            bar.set_postfix(loss=f"{val:.4g}")
            bar.update(1)
        bar.close()
        model.eval()
        vtot, vn, abs_err, cnt = 0.0, 0, 0.0, 0
        with torch.no_grad():
            for batch in val_loader:
                vtot += float(loss_fn(model, batch, device)) * len(batch["index"])
                vn += len(batch["index"])
                e, c = _batch_mae_db(model, batch, device, kind, meta)
                abs_err, cnt = abs_err + e, cnt + c
        rec = {"epoch": epoch, "model": cfg.model, "train_loss": tot / max(n, 1), "val_loss": vtot / max(vn, 1),
               "val_mae_db": abs_err / max(cnt, 1), "lr": opt.param_groups[0]["lr"],
               "seconds": time.perf_counter() - t0}
        history.append(rec)
        improved = rec["val_loss"] < best
        if improved:
            best, bad = rec["val_loss"], 0
            _save(run / BEST, {"model": model.state_dict(), "epoch": epoch, "val_loss": best})
        else:
            bad += 1
        stopped = bool(cfg.patience and bad >= cfg.patience and epoch < cfg.epochs)
        _save(run / LAST, {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                           "epoch": epoch, "best_val": best, "bad_epochs": bad, "history": history,
                           "stopped_early": stopped})
        write_log(run, history)
        if progress:
            log(f"epoch {epoch}: train {rec['train_loss']:.4g}  val {rec['val_loss']:.4g}  "
                f"val MAE {rec['val_mae_db']:.2f} dB  ({rec['seconds']:.1f} s){'  *' if improved else ''}")
        if stopped:  # quiet or not (it stopped only with progress shown before)
            if progress:
                log(f"early stop: no better validation loss for {bad} epochs")
            break
    best_ep = min(history, key=lambda h: h["val_loss"]) if history else None
    return {"epochs_run": len(history), "best_epoch": best_ep["epoch"] if best_ep else None,
            "best_val_loss": best_ep["val_loss"] if best_ep else None, "stopped_early": stopped,
            "history": history}


def model_kwargs(meta: dict) -> dict:
    """How :func:`build_model` rebuilds a run's network, from its ``run.json``: its
    ``model_kwargs`` (indoor runs from before ``--indoor-inputs`` recorded no ``in_ch`` of
    their own: SenseRay-3D's 4 voxel channels)."""
    kw = dict(meta["model_kwargs"])
    if meta.get("kind") == "indoor":
        kw["in_ch"] = int(meta.get("in_ch", 4))
    return kw


def load_model(run: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, dict]:
    """The best model of a run (eval mode) and its ``run.json``."""
    meta = read_run(run)
    p = Path(run) / BEST
    if not p.is_file():
        raise RunError(f"{p}: checkpoint missing; the run has not finished an epoch (continue it with "
                       f"`synthrm train ... --out {run} --resume`)")
    try:
        ck = torch.load(p, map_location=device, weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unpickling failure means a corrupt file
        raise RunError(f"{p}: unreadable checkpoint ({type(e).__name__}: {e}); retrain or restore it") from None
    kw = meta["model_kwargs"]
    if kw["name"] == ENSEMBLE:  # synthrm ensemble: the members' mean
        model = build_ensemble(kw)
    else:
        kw = model_kwargs(meta)
        model = build_model(kw["name"], kw["width"], kw["in_ch"], kw["tx_dim"])
    model.load_state_dict(ck["model"])
    return model.to(device).eval(), meta


def make_ensemble(runs: list[str | Path], out: str | Path) -> dict:
    """Write the ensemble of ``runs`` (their best models; :mod:`synthrm.models.ensemble`) as
    a run folder ``out``: ``run.json`` and ``best.pt``. Returns its ``run.json``.
    EnsembleError when the runs cannot be averaged (``check_members``) or ``out`` holds a
    run already."""
    out = Path(out)
    if (out / RUN_JSON).exists():
        raise EnsembleError(f"{out}: holds a run already; pick a new --out")
    loaded = [load_model(r) for r in runs]
    metas = [m for _, m in loaded]
    meta = ensemble_meta(metas, runs, [model_kwargs(m) for m in metas],
                         sum(p.numel() for model, _ in loaded for p in model.parameters()))
    model = Ensemble([model for model, _ in loaded])
    out.mkdir(parents=True, exist_ok=True)
    _save(out / BEST, {"model": model.state_dict(), "epoch": None, "members": meta["members"]})
    atomic_write_json(out / RUN_JSON, meta)  # last: a folder without run.json is no run
    return meta


__all__ = ["TrainConfig", "train", "build_model", "model_kwargs", "load_model", "read_run", "RunError",
           "fit_log_distance", "make_ensemble",
           "load_examples"]

