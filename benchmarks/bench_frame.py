"""Per-stage time of one frame at 256x192 (median of several frames, after a warm-up).

    python benchmarks/bench_frame.py [--frames 5] [--resolution 256x192] [--variations all]
                                     [--no-textures] [--json out.json]

Prints seconds per stage and each stage's share of the frame; the shares (ratios) are
what to compare across machines, which are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np

from synthrm._mitsuba import rgb_scope
from synthrm.camera.config import parse_resolution
from synthrm.config import make_config
from synthrm.render.config import variation_preset
from synthrm.generate import Frame, PoseStage, RGBStage, SceneStage, VASStage, sample_arrays
from synthrm.dataset.hdf5 import ShardWriter
from synthrm.seeds import frame_seed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--resolution", default="256x192")
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--variations", default="none", choices=("none", "default", "all"),
                    help="environmental variations of the images (cost of night, fog, blur)")
    ap.add_argument("--no-textures", action="store_true", help="flat class colours (cost of the textures)")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()
    cfg = make_config(a.preset, {"camera": {"resolution": parse_resolution(a.resolution)},
                                 "frames": a.frames + 1, "frames_per_scene": a.frames + 1,
                                 "variations": variation_preset(a.variations),
                                 "city": {"textures": not a.no_textures}})
    with tempfile.TemporaryDirectory() as d:
        scenes = SceneStage(cfg, __import__("pathlib").Path(d))
        stages = [("scene", scenes), ("pose+gbuffers", PoseStage(cfg, scenes)),
                  ("rgb", RGBStage(cfg, scenes)), ("vas", VASStage(cfg))]
        times = {k: [] for k, _ in stages} | {"write": []}
        t0 = time.perf_counter()
        with rgb_scope(), ShardWriter(f"{d}/bench.h5", {}) as w:
            for i in range(a.frames + 1):  # frame 0 warms up (scene build, JIT)
                fr = Frame(index=i, seed=frame_seed(cfg.seed, i), scene_index=0)
                for name, st in stages:
                    t = time.perf_counter()
                    st(fr)
                    if i:
                        times[name].append(time.perf_counter() - t)
                t = time.perf_counter()
                w.write(fr.sample_id, sample_arrays(fr), {})
                if i:
                    times["write"].append(time.perf_counter() - t)
                else:
                    warm = time.perf_counter() - t0
    med = {k: float(np.median(v)) for k, v in times.items()}
    total = sum(med.values())
    print(f"variations {a.variations}, textures {'off' if a.no_textures else 'on'}")
    print(f"one frame at {a.resolution}, {a.preset}: median of {a.frames} frames (first frame incl. scene build: {warm:.2f} s)")
    print(f"{'stage':<15}{'median [s]':>11}{'share':>8}")
    for k, v in med.items():
        print(f"{k:<15}{v:11.3f}{v / total:8.1%}")
    print(f"{'frame':<15}{total:11.3f}{1:8.0%}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"resolution": a.resolution, "preset": a.preset, "variations": a.variations,
                       "textures": not a.no_textures, "median_s": med,
                       "frame_s": total, "first_frame_s": warm}, f, indent=1)


if __name__ == "__main__":
    main()
