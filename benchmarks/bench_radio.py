"""Radio labels at the default settings: time per frame, share inside the solver, label
density, and noise against a reference run with more rays.

    python benchmarks/bench_radio.py [--frames 4] [--preset city-mix] [--ref-factor 10]
                                     [--resolution 256x192] [--antenna siso] [--json out.json]
                                     [--samples-per-tx N] [--max-rings R] [--min-hit-faces K]
                                     [--target-cell-m M] [--max-depth D]

For each frame: optical stages (pose + G-buffers, RGB, VAS), the radio stage (Tx
placement, Sionna RT, noise control) and the write; the solver's own time; the fraction
of non-sky pixels with a finite path gain (all Tx pooled, and per Tx); and the RMSE [dB]
of path_gain_db against the same frame, Tx and noise control at ``ref-factor`` x the rays,
over pixels finite in both; and the share of the pixels the reference labels that carry
a label at the default budget (``--ref-factor 100`` shows how far more rays get: see
docs/radio.md). Prints medians over frames (the machines are shared and
noisy: compare ratios, not seconds).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from synthrm._mitsuba import rgb_scope
from synthrm.cli import _resolution
from synthrm.config import make_config
from synthrm.dataset.hdf5 import ShardWriter
from synthrm.pipeline import (
    Frame,
    PoseStage,
    RadioStage,
    RGBStage,
    SceneStage,
    VASStage,
    derive_seed,
    sample_arrays,
)
from synthrm.radio.labels import smooth_path_gain, to_db
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.scene.classes import SEMANTIC_CLASSES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--resolution", default="256x192")
    ap.add_argument("--antenna", default="siso")
    ap.add_argument("--ref-factor", type=int, default=10)
    ap.add_argument("--samples-per-tx", type=int, help="override radio.samples_per_tx")
    ap.add_argument("--max-rings", type=int, help="override radio.max_rings")
    ap.add_argument("--min-hit-faces", type=int, help="override radio.min_hit_faces")
    ap.add_argument("--target-cell-m", type=float, help="override vas.target_cell_m")
    ap.add_argument("--max-depth", type=int, help="override radio.max_depth")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()
    n = a.frames
    radio = {"antenna": a.antenna, **{k: v for k, v in (
        ("samples_per_tx", a.samples_per_tx), ("max_rings", a.max_rings), ("min_hit_faces", a.min_hit_faces),
        ("max_depth", a.max_depth)) if v is not None}}
    vas = {"target_cell_m": a.target_cell_m} if a.target_cell_m else {}
    cfg = make_config(a.preset, {"camera": {"resolution": _resolution(a.resolution)}, "seed": a.seed,
                                 "frames": n + 1, "frames_per_scene": n + 1, "radio": radio, "vas": vas})
    rows = []
    with tempfile.TemporaryDirectory() as d:
        scenes = SceneStage(cfg, Path(d))
        optical = [("pose+gbuffers", PoseStage(cfg, scenes)), ("rgb", RGBStage(cfg, scenes)), ("vas", VASStage(cfg))]
        radio = RadioStage(cfg, scenes, log=lambda m: print("  " + m))
        frames = []
        with rgb_scope():
            for i in range(n + 1):  # frame 0 warms up (scene build, JIT)
                fr = Frame(index=i, seed=derive_seed(cfg.seed, i, 0), scene_index=0)
                scenes(fr)
                for name, st in optical:
                    t0 = time.perf_counter()
                    st(fr)
                    fr.timings[name] = time.perf_counter() - t0
                frames.append(fr)
        t_switch = time.perf_counter()
        ref_solver = None
        with ShardWriter(f"{d}/bench.h5", {}) as w:
            for fr in frames:
                t0 = time.perf_counter()
                radio(fr)
                if not fr.index:
                    switch = time.perf_counter() - t_switch  # variant switch + scene load + JIT + frame 0
                fr.timings["radio"] = time.perf_counter() - t0
                fr.timings["solver"] = radio.solver(fr).last_solve_s
                t0 = time.perf_counter()
                w.write(fr.sample_id, sample_arrays(fr), fr.radio.attrs())
                fr.timings["write"] = time.perf_counter() - t0
                if not fr.index:
                    continue
                # reference: same VAS, same transmitters, more rays
                if ref_solver is None:
                    ref_cfg = dataclasses.replace(cfg.radio, samples_per_tx=cfg.radio.samples_per_tx * a.ref_factor)
                    ref_solver = VASRadioSolver(fr.scene_dir / "scene.xml", ref_cfg)
                ref_raw = ref_solver.path_gain(fr.vas, fr.radio.tx, seed=12345)
                ref, _ = smooth_path_gain(fr.vas, ref_raw, cfg.radio.min_hit_faces, cfg.radio.max_rings)
                pg = fr.vas.face_to_pixel(to_db(fr.radio.face_path_gain))
                pr = fr.vas.face_to_pixel(to_db(ref))
                nonsky = fr.gbuf.hit
                both = np.isfinite(pg) & np.isfinite(pr)
                frame_s = sum(fr.timings[k] for k in ("pose+gbuffers", "rgb", "vas", "radio", "write"))
                rows.append({
                    "frame": fr.index, "frame_s": frame_s, "solver_s": fr.timings["solver"],
                    **{f"{k}_s": fr.timings[k] for k in ("pose+gbuffers", "rgb", "vas", "radio", "write")},
                    "density": float(np.isfinite(pg)[:, nonsky].mean()),
                    "density_per_tx": [round(float(x), 4) for x in np.isfinite(pg)[:, nonsky].mean(1)],
                    "ref_density": float(np.isfinite(pr)[:, nonsky].mean()),
                    "density_of_ref": float(np.isfinite(pg)[np.isfinite(pr) & nonsky].mean()),
                    "rmse_db": float(np.sqrt(np.mean((pg[both] - pr[both]) ** 2))),
                    "median_abs_db": float(np.median(np.abs(pg[both] - pr[both]))),
                    "faces": fr.vas.num_faces,
                    "density_by_class": {SEMANTIC_CLASSES[c]: float(np.isfinite(pg)[:, fr.gbuf.semantic == c].mean())
                                         for c in np.unique(fr.gbuf.semantic[nonsky])},
                })
                r = rows[-1]
                print(f"frame {fr.index}: {r['frame_s']:.2f} s ({r['solver_s'] / r['frame_s']:.0%} in solver), "
                      f"density {r['density']:.3f} per Tx {r['density_per_tx']}, RMSE {r['rmse_db']:.2f} dB "
                      f"(median |err| {r['median_abs_db']:.2f} dB) vs {a.ref_factor}x rays, {r['faces']} faces")
    med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if isinstance(rows[0][k], float)}
    print(f"\n{a.preset} {a.resolution}, {cfg.radio.tx_per_frame} Tx {a.antenna}, {cfg.radio.samples_per_tx:.0e} rays/Tx, "
          f"max_depth {cfg.radio.max_depth}, vas {cfg.vas.cell} {cfg.vas.target_cell_m} m: median of {n} frames")
    print(f"  frame time         {med['frame_s']:.2f} s  (pose+gbuf {med['pose+gbuffers_s']:.2f}, rgb {med['rgb_s']:.2f}, "
          f"vas {med['vas_s']:.2f}, radio {med['radio_s']:.2f}, write {med['write_s']:.2f})")
    print(f"  inside the solver  {med['solver_s']:.2f} s = {np.median([r['solver_s'] / r['frame_s'] for r in rows]):.0%} of the frame")
    print(f"  warm-up: variant switch + scene load + first frame's radio (once per run): {switch:.2f} s")
    cls = sorted({c for r in rows for c in r["density_by_class"]})
    print("  density by class   " + ", ".join(
        f"{c} {np.median([r['density_by_class'][c] for r in rows if c in r['density_by_class']]):.3f}" for c in cls))
    print(f"  density            {med['density']:.3f} of non-sky pixels (reference {med['ref_density']:.3f}); "
          f"frames >= 0.98: {sum(r['density'] >= 0.98 for r in rows)}/{n}; "
          f"{med['density_of_ref']:.3f} of the pixels the reference labels")
    print(f"  RMSE vs {a.ref_factor}x rays  {med['rmse_db']:.2f} dB (median |err| {med['median_abs_db']:.2f} dB); "
          f"frames <= 2 dB: {sum(r['rmse_db'] <= 2 for r in rows)}/{n}")
    if a.json:
        Path(a.json).write_text(json.dumps({"median": med, "frames": rows, "switch_s": switch}, indent=1))


if __name__ == "__main__":
    main()
