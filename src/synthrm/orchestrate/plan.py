"""The orchestration plan: candidates -> sensing graph -> communities -> selected views,
with coverage metrics against random choices, stored as JSON.

Plan keys (``read_plan`` checks them): ``synthrm_version``, ``config`` (the full
``GenerateConfig``), ``seed``, ``preset``, ``scene_id``, ``scene_dir`` (relative to the
dataset root), ``resolution`` [W, H], ``settings`` (the orchestration options),
``candidates`` (per view: ``index``, ``cam_to_world`` 4x4, ``community``), ``selected``
(candidate indices in the order they were picked), ``communities`` (lists of candidate
indices), ``metrics``, ``edges`` (every pair with a SIFT or geometric overlap: ``i``,
``j``, ``sift``, ``geo``) and ``timings_s``.
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from synthrm.config import GenerateConfig, config_diff, from_dict
from synthrm.errors import ConfigError, DatasetError
from synthrm.files import atomic_write_json
from synthrm.orchestrate.config import OrchestrateConfig

PLAN_KEYS = ("synthrm_version", "config", "seed", "preset", "scene_id", "scene_dir", "resolution",
             "candidates", "selected", "communities", "metrics", "edges")


def orchestrate(cfg: GenerateConfig, root: str | Path, settings: OrchestrateConfig | None = None,
                progress: bool = True, **overrides) -> dict:
    """Plan which ``settings.k`` of ``settings.candidates`` views of scene 0 to simulate.

    Renders the candidates (:func:`~synthrm.orchestrate.candidates.render_candidates`),
    measures their SIFT and geometric overlap, builds the sensing graph and its Louvain
    communities, selects ``k`` views (:func:`~synthrm.orchestrate.select.select_views`)
    and compares their coverage with ``random_trials`` random k-subsets of the same
    candidates.

    Parameters
    ----------
    cfg : GenerateConfig
        City, camera and render settings; ``cfg.seed`` picks the city.
    root : path
        Dataset folder; the scene is made or reused in ``root/scenes/``.
    settings : OrchestrateConfig, optional
        The orchestration settings (default ``OrchestrateConfig()``).
    progress : bool
        tqdm bar on stderr while rendering.
    **overrides
        :class:`OrchestrateConfig` fields on top of ``settings`` (``candidates=8, k=3``);
        checked before anything is rendered.

    Returns
    -------
    dict
        The plan (see the module docstring); ``write_plan`` stores it.
    """
    from synthrm import __version__
    from synthrm.orchestrate.candidates import render_candidates, scene_paths
    from synthrm.orchestrate.graph import communities as louvain
    from synthrm.orchestrate.graph import community_labels, sensing_graph
    from synthrm.orchestrate.overlap import compare_overlaps, geometric_overlap, sift_overlap, surface_cells
    from synthrm.orchestrate.select import (
        canyon_coverage,
        facade_area,
        facade_coverage,
        objective_value,
        random_subsets,
        select_views,
    )
    from synthrm.scene.layout import Layout
    from synthrm.seeds import Stream, stream

    o = from_dict(OrchestrateConfig, {**dataclasses.asdict(settings or OrchestrateConfig()), **overrides},
                  "orchestrate")
    candidates, k, graph, cell_m = o.candidates, o.k, o.graph, o.cell_m
    seed = cfg.seed if o.seed is None else int(o.seed)
    opts = dict(o.select_options)
    root = Path(root)
    t: dict[str, float] = {}

    t0 = time.perf_counter()
    cands = render_candidates(cfg, root, candidates, seed, progress=progress, spp=o.spp, track_length=o.track_length)
    t["render"] = time.perf_counter() - t0
    scene_id, scene_dir = scene_paths(cfg, root)
    layout = Layout.load(scene_dir)

    t0 = time.perf_counter()
    sift = sift_overlap([c.rgb for c in cands], blur_sigma=o.sift_blur_sigma)
    t["sift"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cells = surface_cells(cands, cell_m)
    geo = geometric_overlap(cells)
    t["geometry"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    G = sensing_graph(sift if graph == "sift" else geo, o.min_weight)
    comms = louvain(G, seed)
    labels = community_labels(comms, len(cands))
    t["graph"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    selected = select_views(cells, comms, k, o.min_per_community, seed, layout=layout, **opts)
    t["select"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    obj = {n: opts[n] for n in ("facade_weight", "other_weight", "side_weight", "margin_m", "min_side_area_m2")
           if n in opts}
    canyon_opts = {n: opts[n] for n in ("margin_m",) if n in opts}
    if "min_side_area_m2" in opts:
        canyon_opts["min_area_m2"] = opts["min_side_area_m2"]
    rand = random_subsets(len(cands), k, o.random_trials, stream(seed, Stream.SPLIT))
    fac_sel = facade_coverage(cells, selected)
    fac_rand = np.array([facade_coverage(cells, r) for r in rand])
    can_sel = canyon_coverage(cells, selected, layout, **canyon_opts)
    can_rand = [canyon_coverage(cells, r, layout, **canyon_opts) for r in rand]
    obj_sel = objective_value(cells, selected, layout=layout, **obj)
    obj_rand = np.array([objective_value(cells, r, layout=layout, **obj) for r in rand])
    total = facade_area(layout)

    def stats(v):
        v = np.asarray([x for x in v if x is not None], np.float64)
        return {"mean": float(v.mean()), "median": float(np.median(v))} if v.size else {"mean": None, "median": None}

    def ratio(a, b):
        return float(a / b) if b else None

    frac = [r["fraction"] for r in can_rand]
    both = [r["both_fraction"] for r in can_rand]
    metrics = {
        "facade_area_m2": total,
        "facade_coverage_m2": {
            "selected": fac_sel, "random": stats(fac_rand), "random_trials": int(o.random_trials),
            "ratio_to_random_mean": ratio(fac_sel, fac_rand.mean()),
            "ratio_to_random_median": ratio(fac_sel, np.median(fac_rand)),
            "all_candidates": facade_coverage(cells, range(len(cands))),
        },
        "facade_coverage_fraction": {"selected": ratio(fac_sel, total),
                                     "random_mean": ratio(fac_rand.mean(), total)},
        "canyon": {"selected": can_sel, "random_fraction": stats(frac), "random_both_fraction": stats(both),
                   "all_candidates": canyon_coverage(cells, range(len(cands)), layout, **canyon_opts)},
        "objective": {"selected": obj_sel, "random": stats(obj_rand)},
        "communities": len(comms),
        "community_sizes": [len(c) for c in comms],
        "graph_edges": G.number_of_edges(),
        "sift_vs_geometry": compare_overlaps(sift, geo, o.min_weight),
    }
    t["metrics"] = time.perf_counter() - t0

    iu, ju = np.triu_indices(len(cands), 1)
    keep = (sift[iu, ju] > 0) | (geo[iu, ju] > 0)
    edges = [{"i": int(i), "j": int(j), "sift": round(float(sift[i, j]), 6), "geo": round(float(geo[i, j]), 6)}
             for i, j in zip(iu[keep], ju[keep])]
    try:
        scene_rel = str(scene_dir.relative_to(root))
    except ValueError:
        scene_rel = str(scene_dir)
    return {
        "synthrm_version": __version__,
        "config": json.loads(json.dumps(cfg.to_dict())),
        "seed": seed, "preset": cfg.preset, "scene_id": scene_id, "scene_dir": scene_rel,
        "resolution": list(cfg.camera.resolution),
        "settings": {**{n: v for n, v in dataclasses.asdict(o).items() if n != "seed"},
                     "spp": o.spp or cfg.render.spp, "select_options": opts},
        "candidates": [{"index": c.index, "cam_to_world": np.round(c.cam_to_world, 9).tolist(),
                        "community": int(labels[c.index])} for c in cands],
        "selected": [int(v) for v in selected],
        "communities": [sorted(int(i) for i in c) for c in comms],
        "metrics": metrics,
        "edges": edges,
        "timings_s": t,
    }


def write_plan(path: str | Path, plan: dict) -> Path:
    """Write a plan as JSON (atomically: a temporary file renamed over ``path``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_json(path, plan)


def read_plan(path: str | Path) -> dict:
    """Read and check a plan written by :func:`write_plan`.

    Raises
    ------
    DatasetError
        The file is missing, is not valid JSON (e.g. truncated), misses keys, or holds
        inconsistent candidates / selection; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such plan file; make one with `synthrm orchestrate --scene PRESET --out {path}`")
    try:
        plan = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DatasetError(f"{path}: not a valid plan file (corrupt or truncated JSON: {e}); "
                           "make it again with `synthrm orchestrate`") from None
    if not isinstance(plan, dict):
        raise DatasetError(f"{path}: not a plan file (expected a JSON object, got {type(plan).__name__})")
    missing = [key for key in PLAN_KEYS if key not in plan]
    if missing:
        raise DatasetError(f"{path}: plan file misses keys {missing}; make it again with `synthrm orchestrate`")
    cands = plan["candidates"]
    try:
        n = len(cands)
        for i, c in enumerate(cands):
            m = np.asarray(c["cam_to_world"], np.float64)
            if m.shape != (4, 4) or not np.all(np.isfinite(m)) or int(c["index"]) != i:
                raise ValueError(f"candidate {i}: bad index or cam_to_world of shape {m.shape}")
            int(c["community"])
        sel = [int(v) for v in plan["selected"]]
    except (TypeError, KeyError, ValueError) as e:
        raise DatasetError(f"{path}: malformed candidates or selection ({e}); make it again with `synthrm orchestrate`") from None
    bad = [v for v in sel if not 0 <= v < n]
    if bad or len(set(sel)) != len(sel):
        raise DatasetError(f"{path}: selected views {sel} must be distinct candidate indices in [0, {n - 1}]")
    return plan


def load_plan_views(cfg: GenerateConfig) -> list:
    """The (cam_to_world (4, 4), community) of each frame from ``cfg.plan``; checks that the
    plan was made for this city (preset, seed, city settings, camera view) and that
    ``cfg.frames`` and ``frames_per_scene`` cover its views."""
    plan = read_plan(cfg.plan)
    pc = plan["config"]
    mine = cfg.to_json()
    diffs = []
    # the poses are world-space: resolution and field of view may differ, the city may not
    for key in ("seed", "preset"):
        if pc.get(key) != mine.get(key):
            diffs.append(f"{key}: {pc.get(key)!r} in the plan, {mine.get(key)!r} now")
    diffs += config_diff(pc.get("city", {}), mine["city"], "city.")
    if pc.get("camera", {}).get("view") != cfg.camera.view:
        diffs.append(f"camera.view: {pc.get('camera', {}).get('view')!r} in the plan, {cfg.camera.view!r} now")
    if diffs:
        raise ConfigError(f"{cfg.plan}: the plan was made for another scene or camera ({'; '.join(diffs[:3])}); "
                          "generate with the plan's settings or re-run `synthrm orchestrate`")
    views = plan_poses(plan)
    if cfg.frames != len(views) or cfg.frames_per_scene < len(views):
        raise ConfigError(f"{cfg.plan}: the plan selects {len(views)} views, all in one city; set frames to "
                          f"{len(views)} and frames_per_scene >= {len(views)} (the CLI does this with --plan)")
    return views


def config_from_plan(plan_path: str | Path, preset: str | None = None, overrides: dict | None = None):
    """The ``GenerateConfig`` that generates a plan's selected views: the plan's own config
    (its city, seed, camera) as the base, ``frames`` and ``frames_per_scene`` the number of
    selected views (all in the plan's scene), ``plan`` the plan file, then ``overrides``;
    ``preset`` (default the plan's) picks the preset under them."""
    from synthrm.config import make_config, merge_config

    plan = read_plan(plan_path)
    base = {k: v for k, v in plan["config"].items() if k != "preset"}
    over = dict(overrides or {})
    n = len(plan["selected"])
    data = merge_config(base, {**over, "plan": str(plan_path), "frames": over.get("frames", n),
                               "frames_per_scene": n})
    return make_config(preset or plan["config"].get("preset", "city-mix"), data)


def plan_poses(plan: dict) -> list[tuple[np.ndarray, int]]:
    """The selected views of a plan, in order: (cam_to_world (4, 4) float64, community)."""
    c = plan["candidates"]
    return [(np.asarray(c[v]["cam_to_world"], np.float64), int(c[v]["community"])) for v in plan["selected"]]


def summary(plan: dict) -> str:
    """A few lines of a plan's metrics for a terminal."""
    m = plan["metrics"]
    f, cy = m["facade_coverage_m2"], m["canyon"]

    def pct(x):
        return "n/a" if x is None else f"{x:.0%}"

    def times(x):
        return "n/a" if x is None else f"x{x:.2f}"

    lines = [
        f"{plan['scene_id']}: {len(plan['selected'])} of {len(plan['candidates'])} views, "
        f"{m['communities']} communities, {m['graph_edges']} graph edges",
        f"facade coverage: {f['selected']:.0f} m^2 selected vs {f['random']['mean']:.0f} m^2 random mean "
        f"({times(f['ratio_to_random_mean'])}); all candidates {f['all_candidates']:.0f} of "
        f"{m['facade_area_m2']:.0f} m^2",
        f"canyon sides seen: {pct(cy['selected']['fraction'])} selected vs {pct(cy['random_fraction']['mean'])} "
        f"random mean; both sides: {pct(cy['selected']['both_fraction'])} vs {pct(cy['random_both_fraction']['mean'])}",
    ]
    s = m["sift_vs_geometry"]
    r = "n/a" if s["pearson_r"] is None else f"Pearson {s['pearson_r']:.2f}, Spearman {s['spearman_r']:.2f}"
    lines.append(f"SIFT vs geometry over {s['pairs']} pairs: {r}; SIFT edges {s['sift_edges']}, "
                 f"with geometric overlap {pct(s['sift_edges_with_geo_overlap'])}")
    return "\n".join(lines)
