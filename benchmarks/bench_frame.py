"""Per-stage time of one frame at 256x192 (median of several frames, after a warm-up).

    python benchmarks/bench_frame.py [--frames 5] [--resolution 256x192] [--variations all]
                                     [--no-textures] [--set KEY=VALUE ...] [--json out.json]

The optical stages of ``synthrm generate`` (scene, pose + G-buffers, RGB, VAS, write), run
by its own loop (``synthrm.generate.UnitRunner``) with the radio off. Prints seconds per
stage and each stage's share of the frame; the shares (ratios) are what to compare across
machines, which are shared and noisy. ``--set`` takes any key of the config.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from synthrm.camera.config import parse_resolution
from synthrm.config import make_config, merge_config, parse_overrides
from synthrm.generate import UnitRunner
from synthrm.render.config import VARIATION_PRESETS, variation_preset

STAGES = ("scene", "pose+gbuffers", "rgb", "vas", "write")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--resolution", default="256x192")
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--variations", default="none", choices=tuple(VARIATION_PRESETS),
                    help="environmental variations of the images (cost of night, fog, blur)")
    ap.add_argument("--no-textures", action="store_true", help="flat class colours (cost of the textures)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any config setting")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args(argv)
    n = a.frames + 1  # frame 0 warms up (scene build, JIT)
    cfg = make_config(a.preset, merge_config({
        "camera": {"resolution": parse_resolution(a.resolution)}, "frames": n, "frames_per_scene": n,
        "shard_size": n, "variations": variation_preset(a.variations), "city": {"textures": not a.no_textures},
        "radio": {"enabled": False}}, parse_overrides(a.set)))
    times: dict[str, list[float]] = {k: [] for k in STAGES}
    warm = {}

    def record(fr, arrays):
        if fr.index:
            for k in STAGES:
                times[k].append(fr.timings[k])
        else:
            warm["s"] = sum(fr.timings.values())

    with tempfile.TemporaryDirectory() as d:
        UnitRunner(cfg, d)(0, on_frame=record, path=Path(d) / "bench.h5")
    med = {k: float(np.median(v)) for k, v in times.items()}
    total = sum(med.values())
    print(f"variations {a.variations}, textures {'off' if a.no_textures else 'on'}")
    print(f"one frame at {a.resolution}, {a.preset}: median of {a.frames} frames "
          f"(first frame incl. scene build: {warm['s']:.2f} s)")
    print(f"{'stage':<15}{'median [s]':>11}{'share':>8}")
    for k, v in med.items():
        print(f"{k:<15}{v:11.3f}{v / total:8.1%}")
    print(f"{'frame':<15}{total:11.3f}{1:8.0%}")
    out = {"resolution": a.resolution, "preset": a.preset, "variations": a.variations,
           "textures": not a.no_textures, "median_s": med, "frame_s": total, "first_frame_s": warm["s"]}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
