"""One apartment at the default indoor settings (5 Tx, 11 heights, 0.1 m voxels): time per
stage and scan quality.

    python benchmarks/bench_indoor.py [--scenes 1] [--seed 0] [--set KEY=VALUE ...] [--json out.json]

Prints seconds per stage (scene, scan, voxel, radio, write) per apartment and, per
apartment, the wall-voxel recall of the scans (share of the true geometry's visible wall
voxels that are occupied; walls closer than 0.1 m behind furniture do not count) and the
occupied voxels lying away from every true surface. ``--set`` takes any key of the indoor
config (``synthrm config show --preset indoor-apartment``).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.ndimage import binary_dilation

from synthrm.config import make_indoor_config, merge_config, parse_overrides
from synthrm.dataset.hdf5 import list_samples, read_sample
from synthrm.generate.indoor import build_scene, generate_indoor, grid_frame
from synthrm.voxel import voxelize


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--scenes", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any indoor config setting")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    cfg = make_indoor_config(overrides=merge_config({"scenes": a.scenes, "seed": a.seed}, parse_overrides(a.set)))
    rows = []
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        rep = generate_indoor(cfg, d, progress=True)
        total = time.perf_counter() - t
        for k in range(a.scenes):
            _, _, apt = build_scene(cfg, Path(d), k)
            e = read_sample(d, [s for _, s in list_samples(d) if s.startswith(f"{cfg.preset}-{k:04d}")][0])
            o, sh = grid_frame(apt, cfg)
            occ = e["occupancy"] > 0
            wall = apt.surface_points(0.03, ("wall",), clear_m=0.1)
            tw = voxelize(wall, np.zeros(len(wall)), cfg.voxel_size_m, o, sh).occupancy > 0
            allp = apt.surface_points(0.03)
            near = binary_dilation(voxelize(allp, np.zeros(len(allp)), cfg.voxel_size_m, o, sh).occupancy > 0)
            rows.append({"area_m2": apt.width_m * apt.depth_m, "rooms": len(apt.rooms),
                         "scans": e["attrs"]["num_scans"], "wall_recall": float((occ & tw).sum() / tw.sum()),
                         "off_surface": float((occ & ~near).sum() / occ.sum()),
                         "filled_fraction": float(e["fill_mask"].mean())})
            r = rows[-1]
            print(f"apartment {k}: {r['area_m2']:.0f} m^2, {r['rooms']} rooms, {r['scans']} scans, "
                  f"wall recall {r['wall_recall']:.3f}, off-surface occupied {r['off_surface']:.4f}, "
                  f"ground truth filled {r['filled_fraction']:.3f}")
    per = {k: v / a.scenes for k, v in rep["stage_total_s"].items()}
    print(f"\nper apartment ({cfg.tx_per_scene} Tx, {len(cfg.heights_m)} heights, {cfg.voxel_size_m} m voxels, "
          f"{cfg.radio.samples_per_tx:.0e} rays/Tx, max_depth {cfg.radio.max_depth}): {total / a.scenes:.1f} s")
    for k, v in per.items():
        print(f"  {k:<8} {v:7.1f} s  {v / sum(per.values()):6.1%}")
    out = {"per_apartment_s": per, "total_s": total, "apartments": rows}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
