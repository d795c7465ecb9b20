"""Surrogate speed: each model's inference latency per frame, PyTorch and onnxruntime, on
this CPU next to the time the label pipeline takes for the same frames (the point of a
learned surrogate is the ratio; the target is onnxruntime at least 100x faster than the
frame's labels).

    python benchmarks/bench_models.py [--resolution 128x96] [--width 16] [--frames 3] [--repeats 7]
                                      [--threads N] [--optimization all] [--voxel-size 0.1]
                                      [--no-indoor-onnx] [--set KEY=VALUE ...] [--indoor-set KEY=VALUE ...]
                                      [--json out.json]

Outdoor: generates ``--frames`` city-mix frames (4 SISO Tx, default rays and depth) with
``synthrm generate``; the label time of a frame is the radio stage's median over them
(the labels), next to the whole generate loop per frame (scene, render, VAS, radio,
write; mean). Each outdoor model at ``--width`` (default 16, what
``benchmarks/learning_protocol.sh`` trains), untrained (latency does not depend on the
weights), is timed on the first frame, for each of ``--inputs`` (``rgb``: the three seed
models; any other set: RadioUNet-S), with the time to build that frame's inputs from the
stored sample (HDF5 read, back-projection, free-space map, geometric LoS without its cache): one forward of its T transmitters as one batch,
in PyTorch (``OutdoorDB``: network, base and dB, as deployed) and in onnxruntime on the
model exported as ``synthrm export-model`` does (``--optimization`` graph level,
``--threads`` intra-op threads for both, 0: each library's default). Times are medians
of ``--repeats`` runs after a warm-up. The 100x verdict compares onnxruntime with the
radio stage alone (the smaller label time). Indoor: one small apartment (40-60 m^2, 2 Tx,
11 heights), the radio time per Tx (one entry), and each indoor model (SenseRay-3D, the floor-plan U-Net;
default widths) on the entry's padded voxel grid (onnxruntime too, unless
``--no-indoor-onnx``: SenseRay-3D's export takes ~20 s), with the time to build an entry's
inputs with the multi-wall prior (what a ``--prior multi-wall`` run adds before the network).
``--set`` takes any key of the city config, ``--indoor-set`` any key of the indoor one.
The machines are shared: compare ratios, and rerun when the load average is high.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from synthrm.camera.config import parse_resolution
from synthrm.config import make_config, make_indoor_config, merge_config, parse_overrides
from synthrm.generate import generate, generate_indoor
from synthrm.dataset.hdf5 import list_samples
from synthrm.models.data import IndoorExamples, OutdoorExamples
from synthrm.models.deploy import INDOOR_INPUT_NAMES, IndoorDB, OutdoorDB, model_to_onnx, onnx_session
from synthrm.models.registry import indoor_models, outdoor_models
from synthrm.models.train import build_model

#: The surrogate's speed target: onnxruntime this many times faster than the labels.
TARGET = 100.0


def _median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def _onnx_latency(model, meta: dict, feeds: dict, folder: str, a, repeats: int) -> float:
    """Median time of onnxruntime on ``feeds`` with ``model`` exported as ``synthrm export-model`` does."""
    path = model_to_onnx(model, meta, Path(folder) / f"{meta['model']}.onnx")
    sess = onnx_session(path, threads=a.threads, optimization=a.optimization)
    return _median_time(lambda: sess.run(None, feeds), repeats)


def _indoor_input_marches(root: Path, entries: list[str]) -> tuple[float, float]:
    """Mean seconds an entry of the two marches the indoor options add to its inputs, each
    timed alone: the multi-wall prior's (``--prior multi-wall``: the walls on every
    receiver's line, :func:`wall_crossings`) and the wall channels' (``--indoor-inputs
    voxels+walls``: every voxel's line, :func:`voxel_walls`, computed, not read from the
    cache). Timed directly, not as a difference of two dataset loads (that read 0 under load)."""
    from synthrm.dataset.hdf5 import read_sample
    from synthrm.models.baselines import wall_crossings
    from synthrm.models.data import plane_points, voxel_walls

    prior, walls = [], []
    cache = os.environ.get("SYNTHRM_CACHE")
    os.environ["SYNTHRM_CACHE"] = ""
    try:
        for eid in entries:
            s = read_sample(root, eid, ["occupancy", "transmission_db", "tx_position"])
            a = s["attrs"]
            origin, vs = np.asarray(a["grid_origin_m"], np.float64), float(a["voxel_size_m"])
            pts = plane_points(origin, s["occupancy"].shape[:2], vs, tuple(a["heights_m"])).reshape(-1, 3)
            t0 = time.perf_counter()
            wall_crossings(s["occupancy"], origin, vs, s["tx_position"], pts, s["transmission_db"])
            prior.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            voxel_walls(s["occupancy"], s["transmission_db"], origin, vs, s["tx_position"])
            walls.append(time.perf_counter() - t0)
    finally:
        if cache is None:
            os.environ.pop("SYNTHRM_CACHE")
        else:
            os.environ["SYNTHRM_CACHE"] = cache
    return float(np.mean(prior)), float(np.mean(walls))


def main(argv: list[str] | None = None) -> list[dict]:
    import onnxruntime

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--resolution", default="128x96")
    ap.add_argument("--width", type=int, default=16, help="outdoor models' base width (default 16; 0: their default)")
    ap.add_argument("--frames", type=int, default=3, help="city frames to generate (label time: their median)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads of PyTorch and onnxruntime (0: default)")
    ap.add_argument("--optimization", default="all", choices=("all", "extended", "basic", "disable"),
                    help="onnxruntime graph optimisation level (default all)")
    ap.add_argument("--voxel-size", type=float, default=0.1)
    ap.add_argument("--no-indoor-onnx", action="store_true", help="time the indoor models in PyTorch only")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any city config setting")
    ap.add_argument("--indoor-set", action="append", default=[], metavar="KEY=VALUE",
                    help="any indoor config setting")
    ap.add_argument("--inputs", nargs="+", default=["rgb", "geometry"],
                    help="outdoor inputs to time (rgb: the three seed models; any other: radiounet-s); each "
                         "also times building the frame's inputs from the stored sample (LoS cache off)")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    w, h = parse_resolution(a.resolution)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        cfg = make_config("city-mix", merge_config({"frames": a.frames, "seed": 0, "camera": {"resolution": [w, h]}},
                                                   parse_overrides(a.set)))
        rep = generate(cfg, Path(d) / "data", progress=False)
        radio_s = rep["stage_median_s"]["radio"]
        frame_s = sum(rep["stage_total_s"].values()) / rep["frames"]
        for inputs in a.inputs:
            # the inputs of one frame, built from the stored sample as training does (no LoS cache)
            first = list_samples(Path(d) / "data")[0][1]
            old, os.environ["SYNTHRM_CACHE"] = os.environ.get("SYNTHRM_CACHE"), ""
            prep_s = _median_time(lambda: OutdoorExamples(Path(d) / "data", inputs=inputs, samples=[first]),
                                  max(1, a.repeats // 2))
            if old is None:
                del os.environ["SYNTHRM_CACHE"]
            else:
                os.environ["SYNTHRM_CACHE"] = old
            ds = OutdoorExamples(Path(d) / "data", inputs=inputs, samples=[first])
            ix = list(range(len(ds)))
            img = torch.stack([ds[i]["image"] for i in ix])
            tx = torch.stack([ds[i]["tx"] for i in ix])
            for name in (outdoor_models() if inputs == "rgb" else ("radiounet-s",)):
                m = build_model(name, a.width, ds.in_ch, ds.tx_dim).eval()
                meta = {"kind": "city", "model": name, "inputs": inputs, "in_ch": ds.in_ch, "tx_dim": ds.tx_dim,
                        "range_db": list(ds.range_db), "model_kwargs": {"name": name, "width": a.width}}
                deployed = OutdoorDB(m, inputs, ds.range_db).eval()
                with torch.no_grad():
                    torch_s = _median_time(lambda: deployed(img, tx), a.repeats)
                onnx_s = _onnx_latency(m, meta, {"image": img.numpy(), "tx": tx.numpy()}, d, a, a.repeats)
                rows.append({"model": name if inputs == "rgb" else f"{name} ({inputs})", "width": a.width or "default",
                             "sample": f"city frame {w}x{h}, {len(ix)} Tx",
                             "parameters": sum(p.numel() for p in m.parameters()), "torch_s": torch_s,
                             "onnx_s": onnx_s, "inputs_s": prep_s,
                             "radio_s": radio_s, "frame_s": frame_s, "radio_vs_torch": radio_s / torch_s,
                             "radio_vs_onnx": radio_s / onnx_s, "frame_vs_onnx": frame_s / onnx_s,
                             "radio_vs_onnx_with_inputs": radio_s / (onnx_s + prep_s),
                             "target_met": radio_s / onnx_s >= TARGET})
    with tempfile.TemporaryDirectory() as d:
        cfg = make_indoor_config(overrides=merge_config({"scenes": 1, "tx_per_scene": 2, "seed": 0,
                                                         "voxel_size_m": a.voxel_size,
                                                         "apartment": {"area_m2": [40, 60]}},
                                                        parse_overrides(a.indoor_set)))
        rep = generate_indoor(cfg, Path(d) / "data", progress=False)
        radio_s = rep["stage_total_s"]["radio"] / cfg.tx_per_scene
        frame_s = sum(rep["stage_total_s"].values()) / cfg.tx_per_scene
        ds = IndoorExamples(Path(d) / "data", ("train", "val", "test"))
        prior_s, walls_s = _indoor_input_marches(Path(d) / "data", [it.entry for it in ds.items])
        b = {k: v[None] for k, v in ds[0].items() if isinstance(v, torch.Tensor)}
        names = INDOOR_INPUT_NAMES
        args = [b[k] for k in names]
        reps = max(1, a.repeats // 2)
        for name in indoor_models():
            m = build_model(name, in_ch=ds.in_ch).eval()
            deployed = IndoorDB(m).eval()
            with torch.no_grad():
                torch_s = _median_time(lambda: deployed(*args), reps)
            onnx_s = float("nan")
            if not a.no_indoor_onnx:
                meta = {"kind": "indoor", "model": name, "pad_shape": list(ds.pad_shape),
                        "heights_m": list(ds.heights_m), "voxel_size_m": ds.voxel_size_m,
                        "frequency_hz": ds.frequency_hz}
                onnx_s = _onnx_latency(m, meta, {k: v.numpy() for k, v in zip(names, args)}, d, a, reps)
            rows.append({"model": name, "width": "default", "sample": f"apartment entry, grid "
                         f"{list(ds.items[0].x.shape[1:])} -> {list(ds.pad_shape)}, {len(cfg.heights_m)} heights",
                         "parameters": sum(p.numel() for p in m.parameters()), "torch_s": torch_s,
                         "onnx_s": onnx_s, "inputs_s": prior_s + walls_s, "prior_s": prior_s, "walls_s": walls_s,
                         "radio_s": radio_s, "frame_s": frame_s,
                         "radio_vs_torch": radio_s / torch_s, "radio_vs_onnx": radio_s / onnx_s,
                         "frame_vs_onnx": frame_s / onnx_s,
                         "radio_vs_onnx_with_inputs": radio_s / (onnx_s + prior_s + walls_s),
                         "target_met": bool(radio_s / onnx_s >= TARGET)})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\ntorch {torch.__version__} ({torch.get_num_threads()} threads), onnxruntime {onnxruntime.__version__} "
          f"({a.threads or 'default'} intra-op threads, graph optimisation {a.optimization}); {os.cpu_count()} CPUs, "
          f"load average {load:.1f}")
    print("label time per frame (city) / entry (indoor): the radio stage, and the whole generate loop")
    print("inputs [ms]: building the frame's model inputs from the stored sample (the geometric LoS included); "
          "indoor: what the options add to an entry's inputs, the multi-wall prior (--prior multi-wall) plus the "
          "wall channels (--indoor-inputs voxels+walls, uncached); the plain ones cost ~0")
    for r in [r for r in rows if "walls_s" in r][:1]:  # the same inputs for every indoor model
        print(f"  indoor: multi-wall prior {1e3 * r['prior_s']:.0f} ms, wall channels {1e3 * r['walls_s']:.0f} ms "
              f"an entry")
    print(f"{'model':<24} {'width':>7} {'params':>9} {'PyTorch [ms]':>13} {'ORT [ms]':>9} {'inputs [ms]':>12} "
          f"{'radio [s]':>10} {'frame [s]':>10} {'radio/PyTorch':>14} {'radio/ORT':>10} {'frame/ORT':>10} "
          f"{'radio/(ORT+inputs)':>19}  sample")
    for r in rows:
        inp = r.get("inputs_s", float("nan"))
        with_inp = r.get("radio_vs_onnx_with_inputs", float("nan"))
        print(f"{r['model']:<24} {r['width']!s:>7} {r['parameters']:>9} {1e3 * r['torch_s']:>13.1f} "
              f"{1e3 * r['onnx_s']:>9.1f} {1e3 * inp:>12.1f} {r['radio_s']:>10.2f} {r['frame_s']:>10.2f} "
              f"{r['radio_vs_torch']:>13.1f}x {r['radio_vs_onnx']:>9.1f}x {r['frame_vs_onnx']:>9.1f}x "
              f"{with_inp:>18.1f}x  {r['sample']}")
    for r in rows:
        if np.isfinite(r["onnx_s"]):
            verdict = "MET" if r["target_met"] else f"NOT met (needs {TARGET / r['radio_vs_onnx']:.1f}x faster)"
            print(f"{TARGET:.0f}x target, {r['model']} (onnxruntime vs the radio stage of the same frame): "
                  f"{r['radio_vs_onnx']:.0f}x, {verdict}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
