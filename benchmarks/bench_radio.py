"""Radio labels at the default settings, inside ``synthrm generate``'s own stages: time
per frame and stage, the share inside Sionna's solvers, rays traced per Tx, and the share of
non-sky pixels by label provenance.

    python benchmarks/bench_radio.py [--frames 4] [--preset city-mix] [--resolution 256x192]
                                     [--seed 0] [--set KEY=VALUE ...] [--json out.json] [--keep DIR]

For each frame: optical stages (pose + G-buffers, RGB, VAS), the radio stage (Tx
placement, Monte Carlo passes, windows, fill) and the write, run by generate's own loop
(``synthrm.generate.UnitRunner``). ``--set`` takes any key of the config, e.g.
``--set radio.antenna=4x4 --set radio.samples_per_tx=1000000 --set radio.max_rings=1
--set vas.target_cell_m=2``. Prints medians over frames (the machines are shared and
noisy: compare ratios, not seconds). Label accuracy against the seed's own ray budget is
``benchmarks/bench_labels.py``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from pathlib import Path

import numpy as np

from synthrm.camera.config import parse_resolution
from synthrm.config import make_config, merge_config, parse_overrides
from synthrm.generate import UnitRunner
from synthrm.radio.labels import SOURCE_NAMES
from synthrm.scene.classes import SEMANTIC_CLASSES

STAGES = ("pose+gbuffers", "rgb", "vas", "radio", "write")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--resolution", default="256x192")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config setting")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--keep", help="keep the benchmark's scene and samples (bench.h5) in this folder")
    a = ap.parse_args(argv)
    n = a.frames
    cfg = make_config(a.preset, merge_config({"camera": {"resolution": parse_resolution(a.resolution)}, "seed": a.seed,
                                              "frames": n + 1, "frames_per_scene": n + 1, "shard_size": n + 1},
                                             parse_overrides(a.set)))
    rows, warm = [], {}

    def record(fr, arrays):
        if arrays is None:
            print(f"  frame {fr.index} skipped")
            return
        if not fr.index:  # frame 0 warms up: the solver's scene load, JIT and frame 0's radio
            warm["s"] = fr.timings["radio"]
            return
        nonsky = fr.gbuf.hit
        src = arrays["path_gain_source"]
        labelled = np.isfinite(arrays["path_gain_db"])
        rows.append({
            "frame": fr.index, "frame_s": sum(fr.timings[k] for k in STAGES), "solver_s": fr.radio.solver_s,
            **{f"{k}_s": fr.timings[k] for k in STAGES},
            "density": float(labelled[:, nonsky].mean()),
            "density_per_tx": [round(float(x), 4) for x in labelled[:, nonsky].mean(1)],
            "rays_per_tx": [int(x) for x in fr.radio.rays_per_tx],
            "source_share": {int(c): float((src[:, nonsky] == c).mean()) for c in range(len(SOURCE_NAMES))},
            "faces": fr.vas.num_faces,
            "density_by_class": {SEMANTIC_CLASSES[c]: float(labelled[:, fr.gbuf.semantic == c].mean())
                                 for c in np.unique(fr.gbuf.semantic[nonsky])},
        })
        r = rows[-1]
        print(f"frame {fr.index}: {r['frame_s']:.2f} s ({r['solver_s'] / r['frame_s']:.0%} in solvers), "
              f"labelled {r['density']:.3f} per Tx {r['density_per_tx']}, rays/Tx {r['rays_per_tx']}, "
              f"by source {[round(r['source_share'][c], 3) for c in range(len(SOURCE_NAMES))]}, {r['faces']} faces")

    with (contextlib.nullcontext(a.keep) if a.keep else tempfile.TemporaryDirectory()) as d:
        Path(d).mkdir(parents=True, exist_ok=True)
        runner = UnitRunner(cfg, d, log=lambda m: print("  " + m))
        runner(0, on_frame=record, path=Path(d) / "bench.h5", attrs=lambda fr: fr.radio.attrs(), file_attrs={})
    if not rows:
        raise SystemExit("no frame after the warm-up was labelled; see the warnings above")
    switch = warm.get("s", float("nan"))
    med = {k: float(np.median([r[k] for r in rows])) for k in rows[0] if isinstance(rows[0][k], float)}
    print(f"\n{a.preset} {a.resolution}, {cfg.radio.tx_per_frame} Tx {cfg.radio.antenna}, samples_per_tx {cfg.radio.samples_per_tx} "
          f"(median rays/Tx {np.median([x for r in rows for x in r['rays_per_tx']]):.2g}), "
          f"max_depth {cfg.radio.max_depth}, vas {cfg.vas.cell} {cfg.vas.target_cell_m} m: median of {n} frames")
    print(f"  frame time         {med['frame_s']:.2f} s  (pose+gbuf {med['pose+gbuffers_s']:.2f}, rgb {med['rgb_s']:.2f}, "
          f"vas {med['vas_s']:.2f}, radio {med['radio_s']:.2f}, write {med['write_s']:.2f})")
    print(f"  inside the solver  {med['solver_s']:.2f} s = {np.median([r['solver_s'] / r['frame_s'] for r in rows]):.0%} of the frame")
    print(f"  warm-up: the solver's scene load + JIT + first frame's radio (once per run): {switch:.2f} s")
    cls = sorted({c for r in rows for c in r["density_by_class"]})
    print("  density by class   " + ", ".join(
        f"{c} {np.median([r['density_by_class'][c] for r in rows if c in r['density_by_class']]):.3f}" for c in cls))
    print(f"  labelled           {med['density']:.3f} of non-sky pixels; frames >= 0.99: "
          f"{sum(r['density'] >= 0.99 for r in rows)}/{n}; worst Tx {min(x for r in rows for x in r['density_per_tx']):.3f}")
    print("  by provenance      " + ", ".join(f"{c}: {np.median([r['source_share'][c] for r in rows]):.3f}" for c in range(len(SOURCE_NAMES))))
    out = {"median": med, "frames": rows, "switch_s": switch}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
