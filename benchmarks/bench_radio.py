"""Radio labels at the default settings, inside ``synthrm generate``'s own stages: time
per frame and stage, the share inside Sionna's solvers, rays traced per Tx, and the share of
non-sky pixels by label provenance.

    python benchmarks/bench_radio.py [--frames 4] [--preset city-mix] [--resolution 256x192]
                                     [--antenna siso] [--json out.json] [--keep DIR] [--samples-per-tx N|auto]
                                     [--max-rings R] [--min-rays K] [--target-cell-m M] [--max-depth D]

For each frame: optical stages (pose + G-buffers, RGB, VAS), the radio stage (Tx
placement, Monte Carlo passes, windows, fill) and the write. Prints medians over frames
(the machines are shared and noisy: compare ratios, not seconds). Label accuracy against
the seed's own ray budget is ``benchmarks/bench_labels.py``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from synthrm._mitsuba import rgb_scope
from synthrm.camera.config import parse_resolution
from synthrm.config import make_config
from synthrm.dataset.hdf5 import ShardWriter
from synthrm.radio.labels import SOURCE_NAMES
from synthrm.seeds import frame_seed
from synthrm.generate import (
    Frame,
    PoseStage,
    RadioStage,
    RGBStage,
    SceneStage,
    VASStage,
    sample_arrays,
)
from synthrm.scene.classes import SEMANTIC_CLASSES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--resolution", default="256x192")
    ap.add_argument("--antenna", default="siso")
    ap.add_argument("--samples-per-tx", help="override radio.samples_per_tx (int or auto)")
    ap.add_argument("--max-rings", type=int, help="override radio.max_rings")
    ap.add_argument("--min-rays", type=int, help="override radio.min_rays")
    ap.add_argument("--target-cell-m", type=float, help="override vas.target_cell_m")
    ap.add_argument("--max-depth", type=int, help="override radio.max_depth")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--keep", help="keep the benchmark's scene and samples (bench.h5) in this folder")
    a = ap.parse_args()
    n = a.frames
    spt = None if a.samples_per_tx is None else a.samples_per_tx if a.samples_per_tx == "auto" \
        else int(float(a.samples_per_tx))
    radio = {"antenna": a.antenna, **{k: v for k, v in (
        ("samples_per_tx", spt), ("max_rings", a.max_rings), ("min_rays", a.min_rays),
        ("max_depth", a.max_depth)) if v is not None}}
    vas = {"target_cell_m": a.target_cell_m} if a.target_cell_m else {}
    cfg = make_config(a.preset, {"camera": {"resolution": parse_resolution(a.resolution)}, "seed": a.seed,
                                 "frames": n + 1, "frames_per_scene": n + 1, "radio": radio, "vas": vas})
    rows = []
    with (contextlib.nullcontext(a.keep) if a.keep else tempfile.TemporaryDirectory()) as d:
        Path(d).mkdir(parents=True, exist_ok=True)
        scenes = SceneStage(cfg, Path(d))
        optical = [("pose+gbuffers", PoseStage(cfg, scenes)), ("rgb", RGBStage(cfg, scenes)), ("vas", VASStage(cfg))]
        radio = RadioStage(cfg, scenes, log=lambda m: print("  " + m))
        frames = []
        with rgb_scope():
            for i in range(n + 1):  # frame 0 warms up (scene build, JIT)
                fr = Frame(index=i, seed=frame_seed(cfg.seed, i), scene_index=0)
                scenes(fr)
                for name, st in optical:
                    t0 = time.perf_counter()
                    st(fr)
                    fr.timings[name] = time.perf_counter() - t0
                frames.append(fr)
        t_switch = time.perf_counter()
        with ShardWriter(f"{d}/bench.h5", {}) as w:
            for fr in frames:
                t0 = time.perf_counter()
                radio(fr)
                if not fr.index:
                    switch = time.perf_counter() - t_switch  # variant switch + scene load + JIT + frame 0
                fr.timings["radio"] = time.perf_counter() - t0
                fr.timings["solver"] = fr.radio.solver_s
                t0 = time.perf_counter()
                arrays = sample_arrays(fr)
                w.write(fr.sample_id, arrays, fr.radio.attrs())
                fr.timings["write"] = time.perf_counter() - t0
                if not fr.index:
                    continue
                nonsky = fr.gbuf.hit
                src = arrays["path_gain_source"]
                frame_s = sum(fr.timings[k] for k in ("pose+gbuffers", "rgb", "vas", "radio", "write"))
                rows.append({
                    "frame": fr.index, "frame_s": frame_s, "solver_s": fr.timings["solver"],
                    **{f"{k}_s": fr.timings[k] for k in ("pose+gbuffers", "rgb", "vas", "radio", "write")},
                    "density": float(np.isfinite(arrays["path_gain_db"])[:, nonsky].mean()),
                    "density_per_tx": [round(float(x), 4) for x in np.isfinite(arrays["path_gain_db"])[:, nonsky].mean(1)],
                    "rays_per_tx": [int(x) for x in fr.radio.rays_per_tx],
                    "source_share": {int(c): float((src[:, nonsky] == c).mean()) for c in range(len(SOURCE_NAMES))},
                    "faces": fr.vas.num_faces,
                    "density_by_class": {SEMANTIC_CLASSES[c]: float(np.isfinite(arrays["path_gain_db"])[:, fr.gbuf.semantic == c].mean())
                                         for c in np.unique(fr.gbuf.semantic[nonsky])},
                })
                r = rows[-1]
                print(f"frame {fr.index}: {r['frame_s']:.2f} s ({r['solver_s'] / r['frame_s']:.0%} in solvers), "
                      f"labelled {r['density']:.3f} per Tx {r['density_per_tx']}, rays/Tx {r['rays_per_tx']}, "
                      f"by source {[round(r['source_share'][c], 3) for c in range(len(SOURCE_NAMES))]}, {r['faces']} faces")
    med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if isinstance(rows[0][k], float)}
    print(f"\n{a.preset} {a.resolution}, {cfg.radio.tx_per_frame} Tx {a.antenna}, samples_per_tx {cfg.radio.samples_per_tx} "
          f"(median rays/Tx {np.median([x for r in rows for x in r['rays_per_tx']]):.2g}), "
          f"max_depth {cfg.radio.max_depth}, vas {cfg.vas.cell} {cfg.vas.target_cell_m} m: median of {n} frames")
    print(f"  frame time         {med['frame_s']:.2f} s  (pose+gbuf {med['pose+gbuffers_s']:.2f}, rgb {med['rgb_s']:.2f}, "
          f"vas {med['vas_s']:.2f}, radio {med['radio_s']:.2f}, write {med['write_s']:.2f})")
    print(f"  inside the solver  {med['solver_s']:.2f} s = {np.median([r['solver_s'] / r['frame_s'] for r in rows]):.0%} of the frame")
    print(f"  warm-up: variant switch + scene load + first frame's radio (once per run): {switch:.2f} s")
    cls = sorted({c for r in rows for c in r["density_by_class"]})
    print("  density by class   " + ", ".join(
        f"{c} {np.median([r['density_by_class'][c] for r in rows if c in r['density_by_class']]):.3f}" for c in cls))
    print(f"  labelled           {med['density']:.3f} of non-sky pixels; frames >= 0.99: "
          f"{sum(r['density'] >= 0.99 for r in rows)}/{n}; worst Tx {min(x for r in rows for x in r['density_per_tx']):.3f}")
    print("  by provenance      " + ", ".join(f"{c}: {np.median([r['source_share'][c] for r in rows]):.3f}" for c in range(len(SOURCE_NAMES))))
    if a.json:
        Path(a.json).write_text(json.dumps({"median": med, "frames": rows, "switch_s": switch}, indent=1))


if __name__ == "__main__":
    main()
