"""Surrogate speed: inference latency of each model per sample on this CPU next to the
ray-tracing time of the same sample (the point of a learned surrogate is the ratio).

    python benchmarks/bench_models.py [--resolution 128x96] [--repeats 7] [--voxel-size 0.1]
                                      [--set KEY=VALUE ...] [--indoor-set KEY=VALUE ...] [--json out.json]

Outdoor: generates two city-mix frames (4 SISO Tx, default rays and depth), takes the
radio stage's median time per frame, and times each outdoor model (default size) on those
frames: one forward per Tx, batch of the frame's T examples. Indoor: one small apartment
(40-60 m^2, 2 Tx, 11 heights), the radio time per Tx (one entry), and SenseRay-3D on the
entry's padded voxel grid. Times are medians of ``--repeats`` runs after a warm-up; the
models are untrained (latency does not depend on the weights). ``--set`` takes any key of
the city config, ``--indoor-set`` any key of the indoor one.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np
import torch

from synthrm.camera.config import parse_resolution
from synthrm.config import make_config, make_indoor_config, merge_config, parse_overrides
from synthrm.generate import generate, generate_indoor
from synthrm.models.data import IndoorExamples, OutdoorExamples
from synthrm.models.registry import outdoor_models
from synthrm.models.train import build_model, indoor_pred_db


def _median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--resolution", default="128x96")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--voxel-size", type=float, default=0.1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any city config setting")
    ap.add_argument("--indoor-set", action="append", default=[], metavar="KEY=VALUE",
                    help="any indoor config setting")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    w, h = parse_resolution(a.resolution)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        cfg = make_config("city-mix", merge_config({"frames": 2, "seed": 0, "camera": {"resolution": [w, h]}},
                                                   parse_overrides(a.set)))
        rep = generate(cfg, d, progress=False)
        rt = rep["stage_median_s"]["radio"]
        ds = OutdoorExamples(d)
        t_per_frame = len(ds) // 2
        batch = [ds[i] for i in range(t_per_frame)]
        img = torch.stack([b["image"] for b in batch])
        tx = torch.stack([b["tx"] for b in batch])
        for name in outdoor_models():
            m = build_model(name, 0, ds.in_ch, ds.tx_dim).eval()
            with torch.no_grad():
                lat = _median_time(lambda: m(img, tx), a.repeats)
            rows.append({"model": name, "sample": f"city frame {w}x{h}, {t_per_frame} Tx",
                         "parameters": sum(p.numel() for p in m.parameters()),
                         "inference_s": lat, "ray_tracing_s": rt, "speedup": rt / lat})
    with tempfile.TemporaryDirectory() as d:
        cfg = make_indoor_config(overrides=merge_config({"scenes": 1, "tx_per_scene": 2, "seed": 0,
                                                         "voxel_size_m": a.voxel_size,
                                                         "apartment": {"area_m2": [40, 60]}},
                                                        parse_overrides(a.indoor_set)))
        rep = generate_indoor(cfg, d, progress=False)
        rt = rep["stage_total_s"]["radio"] / cfg.tx_per_scene
        ds = IndoorExamples(d, ("train", "val", "test"))
        b = {k: (v[None] if isinstance(v, torch.Tensor) else v) for k, v in ds[0].items()}
        m = build_model("senseray3d").eval()
        with torch.no_grad():
            lat = _median_time(lambda: indoor_pred_db(m, b, torch.device("cpu")), max(1, a.repeats // 2))
        rows.append({"model": "senseray3d", "sample": f"apartment entry, grid {list(ds.items[0].x.shape[1:])} "
                     f"-> {list(ds.pad_shape)}, {len(cfg.heights_m)} heights",
                     "parameters": sum(p.numel() for p in m.parameters()),
                     "inference_s": lat, "ray_tracing_s": rt, "speedup": rt / lat})
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'model':<12} {'params':>9} {'inference [s]':>14} {'ray tracing [s]':>16} {'speedup':>8}  sample")
    for r in rows:
        print(f"{r['model']:<12} {r['parameters']:>9} {r['inference_s']:>14.4f} {r['ray_tracing_s']:>16.2f} "
              f"{r['speedup']:>7.1f}x  {r['sample']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
