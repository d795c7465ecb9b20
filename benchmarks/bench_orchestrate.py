"""Graph-based view orchestration against random views: facade and canyon coverage.

    python benchmarks/bench_orchestrate.py [--seeds 0 1 2] [--views uav vehicle]
        [--candidates 60] [--k 12] [--resolution 256x192] [--set KEY=VALUE ...] [--json out.json]
        [--figures DIR]

For each view kind and seed (the seed also picks the city), renders the candidates,
builds the SIFT sensing graph and its Louvain communities, selects K views, and prints
the facade coverage of the selection against the median of random K-subsets of the same
candidates (and their ratio), the canyon sides seen (and canyons with both sides seen),
the number of communities, how SIFT overlap correlates with the exact geometric overlap,
and the time per stage. ``--set`` takes any key of the city config.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from synthrm.camera.config import parse_resolution
from synthrm.config import make_config, merge_config, parse_overrides
from synthrm.orchestrate import OrchestrateConfig, orchestrate, plan_figure
from synthrm.scene.layout import Layout

STAGES = ("render", "sift", "geometry", "graph", "select", "metrics")


def _row(view: str, seed: int, plan: dict, wall: float) -> dict:
    m = plan["metrics"]
    f, cy, s = m["facade_coverage_m2"], m["canyon"], m["sift_vs_geometry"]
    return {
        "view": view, "seed": seed,
        "facade_selected_m2": f["selected"], "facade_random_median_m2": f["random"]["median"],
        "facade_ratio": f["ratio_to_random_median"], "facade_all_candidates_m2": f["all_candidates"],
        "facade_area_m2": m["facade_area_m2"],
        "canyon_sides": cy["selected"]["sides"],
        "canyon_selected": cy["selected"]["fraction"], "canyon_random_median": cy["random_fraction"]["median"],
        "canyon_all_candidates": cy["all_candidates"]["fraction"],
        "both_sides_selected": cy["selected"]["both_fraction"],
        "both_sides_random_median": cy["random_both_fraction"]["median"],
        "communities": m["communities"], "largest_community": max(m["community_sizes"]),
        "graph_edges": m["graph_edges"],
        "pearson_r": s["pearson_r"], "spearman_r": s["spearman_r"],
        "sift_edge_precision": s["sift_edges_with_geo_overlap"], "sift_recall": s["geo_pairs_found_by_sift"],
        "timings_s": plan["timings_s"], "wall_s": wall,
    }


def _f(x, fmt):
    return "n/a" if x is None else format(x, fmt)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--preset", default="city-mix")
    ap.add_argument("--views", nargs="+", default=["uav", "vehicle"], choices=["uav", "vehicle", "pedestrian"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    ap.add_argument("--candidates", type=int, default=60)
    ap.add_argument("--k", type=int, default=12)
    ap.add_argument("--resolution", default="256x192", help="WIDTHxHEIGHT of the candidate images")
    ap.add_argument("--spp", type=int, default=None, help="samples per pixel (default: the preset's)")
    ap.add_argument("--random-trials", type=int, default=16)
    ap.add_argument("--graph", default="sift", choices=["sift", "geometry"],
                    help="edge weights of the sensing graph (geometry: the exact-overlap oracle)")
    ap.add_argument("--track-length", type=int, default=4, help="candidate views per track (1: independent)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any city config setting")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--figures", help="write each plan's map figure into this folder")
    a = ap.parse_args(argv)
    res = list(parse_resolution(a.resolution))
    settings = OrchestrateConfig(candidates=a.candidates, k=a.k, random_trials=a.random_trials, spp=a.spp,
                                 graph=a.graph, track_length=a.track_length)

    rows = []
    print(f"{a.preset}, {a.candidates} candidates in tracks of {a.track_length} -> K={a.k}, {a.resolution}, graph={a.graph}, "
          f"random baseline: median of {a.random_trials} K-subsets of the same candidates")
    head = (f"{'view':<8}{'seed':>5}{'facade sel':>11}{'rand med':>9}{'ratio':>7}{'canyon sel':>11}"
            f"{'rand':>6}{'both sel':>9}{'rand':>6}{'comms':>6}{'edges':>6}{'pearson':>8}{'spearman':>9}"
            f"{'prec':>6}  " + " ".join(f"{s:>8}" for s in STAGES))
    print(head)
    for view in a.views:
        for seed in a.seeds:
            over = merge_config(parse_overrides(a.set), {"seed": seed, "camera": {"resolution": res, "view": view}})
            cfg = make_config(a.preset, over)
            with tempfile.TemporaryDirectory() as d:
                t0 = time.perf_counter()
                plan = orchestrate(cfg, d, settings, progress=False, seed=seed)
                wall = time.perf_counter() - t0
                if a.figures:
                    plan_figure(plan, Layout.load(Path(d) / plan["scene_dir"]),
                                Path(a.figures) / f"plan_{view}_seed{seed}.png")
            r = _row(view, seed, plan, wall)
            rows.append(r)
            print(f"{view:<8}{seed:>5}{r['facade_selected_m2']:>11.0f}{r['facade_random_median_m2']:>9.0f}"
                  f"{_f(r['facade_ratio'], '.2f'):>7}{_f(r['canyon_selected'], '.0%'):>11}"
                  f"{_f(r['canyon_random_median'], '.0%'):>6}{_f(r['both_sides_selected'], '.0%'):>9}"
                  f"{_f(r['both_sides_random_median'], '.0%'):>6}{r['communities']:>6}{r['graph_edges']:>6}"
                  f"{_f(r['pearson_r'], '.2f'):>8}{_f(r['spearman_r'], '.2f'):>9}"
                  f"{_f(r['sift_edge_precision'], '.2f'):>6}  "
                  + " ".join(f"{r['timings_s'][s]:>7.2f}s" for s in STAGES), flush=True)

    print("\nmedian over seeds:")
    for view in a.views:
        rr = [r for r in rows if r["view"] == view]

        def med(key):
            v = [r[key] for r in rr if r[key] is not None]
            return float(np.median(v)) if v else None

        per_view = (a.candidates * len(rr))
        t = {s: sum(r["timings_s"][s] for r in rr) for s in STAGES}
        print(f"  {view}: facade coverage x{_f(med('facade_ratio'), '.2f')} of random "
              f"({_f(med('facade_selected_m2'), '.0f')} vs {_f(med('facade_random_median_m2'), '.0f')} m^2); "
              f"canyon sides {_f(med('canyon_selected'), '.0%')} vs {_f(med('canyon_random_median'), '.0%')}, "
              f"both sides {_f(med('both_sides_selected'), '.0%')} vs {_f(med('both_sides_random_median'), '.0%')}; "
              f"{_f(med('communities'), '.0f')} communities; SIFT~geometry Pearson {_f(med('pearson_r'), '.2f')}, "
              f"Spearman {_f(med('spearman_r'), '.2f')}; render {t['render'] / per_view:.3f} s/candidate, "
              f"geometry {t['geometry'] / per_view:.3f} s/candidate, SIFT {t['sift'] / len(rr):.2f} s/scene")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        with open(a.json, "w") as fh:
            json.dump({"preset": a.preset, "candidates": a.candidates, "k": a.k, "resolution": a.resolution,
                       "track_length": a.track_length,
                       "graph": a.graph, "random_trials": a.random_trials, "rows": rows}, fh, indent=1)
    return rows


if __name__ == "__main__":
    main()
