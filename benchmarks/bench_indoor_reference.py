"""How right are the indoor labels, and what do the models score against better ones?

    python benchmarks/bench_indoor_reference.py --data DATA --runs RUN [RUN ...] [--draws 3]
                                                [--split test] [--apartments N ...] [--cache DIR]
                                                [--json out.json]

An indoor entry's labels are one Monte Carlo radio map (``samples_per_tx`` rays per Tx,
1e6 by default): where few rays arrive (rooms behind concrete, cells at 130-180 dB) one
draw is noisy, and a model is scored against that noise as if it were the truth. This
traces every entry of ``--split`` (the unseen test apartments) ``--draws`` more times
with other ray seeds (same scene, Tx, receivers and settings as the dataset's config;
each draw cached in ``--cache``, default ``DATA/../<name>-reference-draws``, so a rerun
or a killed run picks up where it stopped) and builds the **reference**: the mean linear
path gain of the stored draw and the new ones (``draws + 1`` times the rays; a cell no
ray reached in a draw counts 0 there, as a Monte Carlo estimate does).

Prints per apartment: the **label noise** (MAE [dB] of the stored labels against the mean
of the new draws alone, and draw against draw), and for each run's model and the physics
baselines (free space, the first run's log-distance fit, multi-wall) the MAE [dB] against
the stored labels and against the reference, on the same cells (the evaluation's valid
ones: simulated, not filled, not in a wall, and reached in the reference), mean over the
apartments with its 95 % bootstrap interval (``learning_table.bootstrap_ci``), as
``synthrm evaluate`` and ``learning_table.py`` score.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning_table import SEED_INDOOR_MAE_DB, bootstrap_ci  # noqa: E402

from synthrm.config import make_indoor_config  # noqa: E402
from synthrm.dataset.hdf5 import read_index, read_sample  # noqa: E402
from synthrm.errors import DatasetError  # noqa: E402
from synthrm.models.baselines import LogDistance, wall_crossings  # noqa: E402
from synthrm.models.data import IndoorExamples  # noqa: E402
from synthrm.models.train import indoor_pred_db, load_model  # noqa: E402

#: Ray seeds of the new draws: the entry's own seed plus this step times the draw number.
DRAW_SEED_STEP = 7919


def trace_draws(data: Path, scene_id: str, entries: list[str], draws: int, cache: Path) -> np.ndarray:
    """Linear path gain (draws, T, Hn, X, Y) float32 of the scene's ``entries`` (one per Tx,
    in order) traced ``draws`` times with new ray seeds; 0 where no ray arrived. Each draw
    is cached as ``cache/<scene_id>-draw<j>.npz`` (written whole, then renamed)."""
    from synthrm.radio.planes import plane_stack
    from synthrm.radio.radio_map_solver import VASRadioSolver
    from synthrm.scene.build import SCENES_DIR
    from synthrm.scene.writer import SCENE_XML

    samples = [read_sample(data, e, ["path_loss_db", "tx_position"]) for e in entries]
    a = samples[0]["attrs"]
    hn, nx, ny = samples[0]["path_loss_db"].shape
    tx = np.stack([s["tx_position"] for s in samples]).astype(np.float64)
    conf = {k: v for k, v in read_index(data)["config"].items() if k != "preset"}
    cfg = make_indoor_config(overrides=conf)
    seed = int(a["seed"] % (2 ** 31 - 1)) or 1  # the stored draw's (generate_indoor's plane_stack seed)
    out, solver = [], None
    for j in range(1, draws + 1):
        path = cache / f"{scene_id}-draw{j}.npz"
        if path.is_file():
            g = np.load(path)["gain"]
        else:
            if solver is None:
                solver = VASRadioSolver(data / SCENES_DIR / scene_id / SCENE_XML, cfg.radio)
            o = a["grid_origin_m"]
            g = plane_stack(solver, tx, (float(o[0]), float(o[1])), (ny, nx), cfg.heights_m,
                            float(a["voxel_size_m"]), seed=(seed + DRAW_SEED_STEP * j) % (2 ** 31 - 1) or 1)
            g = g.transpose(0, 1, 3, 2).astype(np.float32)  # (T, Hn, NY, NX) -> (T, Hn, X, Y)
            tmp = path.with_name(path.stem + ".part.npz")
            np.savez_compressed(tmp, gain=g, seed=seed + DRAW_SEED_STEP * j)
            os.replace(tmp, path)
        if g.shape != (len(entries), hn, nx, ny):
            raise DatasetError(f"{path}: holds gains {g.shape}, the entries need {(len(entries), hn, nx, ny)}; "
                               f"delete the cache (another dataset's draws?)")
        out.append(g)
    return np.stack(out)


def main(argv: list[str] | None = None) -> dict:
    from tqdm.auto import tqdm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--data", required=True, help="an indoor dataset (synthrm generate --preset indoor-apartment)")
    ap.add_argument("--runs", nargs="+", required=True, help="indoor runs (synthrm train) to score")
    ap.add_argument("--draws", type=int, default=3, help="new ray draws per entry (default 3: 4x the rays)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--apartments", type=int, nargs="*", default=None,
                    help="only these apartment numbers of the split (default all)")
    ap.add_argument("--cache", default=None, help="folder of the traced draws (default DATA/../<name>-reference-draws)")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    if a.draws < 1:
        ap.error(f"--draws must be >= 1, got {a.draws}")
    data = Path(a.data).resolve()
    cache = Path(a.cache) if a.cache else data.parent / f"{data.name}-reference-draws"
    cache.mkdir(parents=True, exist_ok=True)
    models = [load_model(r) for r in a.runs]
    for (_, meta), r in zip(models, a.runs):
        if meta["kind"] != "indoor":
            ap.error(f"--runs: {r} is an outdoor run; this benchmark scores indoor runs")
    ld = LogDistance(models[0][1]["log_distance"]["pl0_db"], models[0][1]["log_distance"]["n"])
    sets = [IndoorExamples.for_run(meta, data, (a.split,)) for _, meta in models]  # each run's prior and channels
    ds = sets[0]
    by_scene = defaultdict(list)
    for i, it in enumerate(ds.items):
        if a.apartments is None or int(it.scene_id.rsplit("-", 1)[-1]) in a.apartments:
            by_scene[it.scene_id].append(i)
    if not by_scene:
        ap.error(f"--apartments {a.apartments}: none is in the {a.split} split of {data}")
    names = [Path(r).name for r in a.runs] + ["free-space (Friis)", "log-distance", "multi-wall (P.1238 style)"]
    err = {n: {"labels": {}, "reference": {}} for n in names}  # method -> target -> scene -> [per entry MAE]
    noise, draw_noise, cells, t0 = {}, {}, {}, time.perf_counter()
    cpu = torch.device("cpu")
    for sid in tqdm(sorted(by_scene), desc="apartments", leave=False):
        idx = by_scene[sid]
        new = trace_draws(data, sid, [ds.items[i].entry for i in idx], a.draws, cache)  # (K, T, Hn, X, Y)
        noise[sid], draw_noise[sid], cells[sid] = [], [], 0
        for t, i in enumerate(idx):
            it = ds.items[i]
            # the stored draw where it was simulated (``valid``: not filled; the scored cells lie within)
            stored = np.where(it.valid, 10 ** (-np.nan_to_num(it.path_loss_db) / 10.0), 0.0)
            ref_g = (stored + new[:, t].sum(0)) / (a.draws + 1)
            others = new[:, t].mean(0)
            with np.errstate(divide="ignore"):
                ref = np.where(ref_g > 0, -10 * np.log10(ref_g), np.nan)
                oth = np.where(others > 0, -10 * np.log10(others), np.nan)
                one = np.where(new[0, t] > 0, -10 * np.log10(new[0, t]), np.nan)
            v = it.valid & np.isfinite(ref)
            cells[sid] += int(v.sum())
            vo = v & np.isfinite(oth)
            noise[sid].append(float(np.abs(it.path_loss_db - oth)[vo].mean()))
            v1 = v & np.isfinite(one)
            draw_noise[sid].append(float(np.abs(it.path_loss_db - one)[v1].mean()))
            preds = {}
            for (model, meta), r, run_ds in zip(models, a.runs, sets):
                b = run_ds[i]
                b = {k: (x[None] if isinstance(x, torch.Tensor) else x) for k, x in b.items()}
                with torch.no_grad():
                    p = indoor_pred_db(model, b, cpu)[0].numpy()
                X, Y = it.path_loss_db.shape[1:]
                off = b["offset"][0].tolist()
                preds[Path(r).name] = p[:, off[0]:off[0] + X, off[1]:off[1] + Y]
            rx = ds.receivers_m(i).reshape(-1, 3)
            _, walls_db = wall_crossings(it.x[0], it.origin_m, ds.voxel_size_m, it.tx_m, rx, it.x[2] * 20.0)
            preds["free-space (Friis)"] = it.fspl_db
            preds["log-distance"] = ld(it.distance_m)
            preds["multi-wall (P.1238 style)"] = it.fspl_db + walls_db.reshape(it.fspl_db.shape)
            for n, p in preds.items():
                err[n]["labels"].setdefault(sid, []).append(float(np.abs(p - it.path_loss_db)[v].mean()))
                err[n]["reference"].setdefault(sid, []).append(float(np.abs(p - ref)[v].mean()))
    scenes = sorted(by_scene)
    out = {"synthrm_version": version("synthrm"), "argv": list(argv if argv is not None else sys.argv[1:]),
           "seed": int(read_index(data)["seed"]), "draw_seed_step": DRAW_SEED_STEP,
           "data": str(data), "split": a.split, "draws": a.draws, "apartments": scenes,
           "cells": [cells[s] for s in scenes], "seconds": time.perf_counter() - t0,
           "label_noise_db": [float(np.mean(noise[s])) for s in scenes],
           "draw_to_draw_db": [float(np.mean(draw_noise[s])) for s in scenes], "methods": {}}
    for n in names:
        row = {}
        for target in ("labels", "reference"):
            per = [float(np.mean(err[n][target][s])) for s in scenes]
            row[target] = {"per_apartment_db": per, "mean_ci_db": bootstrap_ci(np.asarray(per))}
        out["methods"][n] = row
    short = [s.rsplit("-", 1)[-1].lstrip("0") or "0" for s in scenes]
    print(f"\n{a.split} apartments {', '.join(short)} ({len(scenes)}); reference: the stored draw + {a.draws} new "
          f"ones ({a.draws + 1}x the rays); {time.perf_counter() - t0:.0f} s")
    print("label noise per apartment [dB] (stored labels vs the new draws' mean): "
          + " / ".join(f"{x:.1f}" for x in out["label_noise_db"])
          + f"; mean {np.mean(out['label_noise_db']):.2f}")
    print("draw against draw per apartment [dB] (stored vs new draw 1): "
          + " / ".join(f"{x:.1f}" for x in out["draw_to_draw_db"]))
    print(f"\n{'method':<32} {'MAE vs stored labels [dB]':>30} {'MAE vs reference [dB]':>30}   "
          "per apartment vs reference")
    for n, row in out["methods"].items():
        cols = [f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
                for m, lo, hi in (row[t]["mean_ci_db"] for t in ("labels", "reference"))]
        print(f"{n:<32} {cols[0]:>30} {cols[1]:>30}   "
              + " / ".join(f"{x:.1f}" for x in row["reference"]["per_apartment_db"]))
    best = min((Path(r).name for r in a.runs), key=lambda n: out["methods"][n]["reference"]["mean_ci_db"][0])
    m = out["methods"][best]["reference"]["mean_ci_db"][0]
    print(f"\nbest run against the reference: {best} {m:.2f} dB; the SenseRay-3D paper's {SEED_INDOOR_MAE_DB} dB "
          f"{'met' if m < SEED_INDOOR_MAE_DB else 'not met'}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
