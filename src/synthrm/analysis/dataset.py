"""Dataset-level analysis: one row per (sample, transmitter) with the signal statistics
and the concept correlations, and per-district summaries (the SynthRM paper's Figure 9, Table 3)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from synthrm.analysis.correlation import CONCEPTS, concept_correlations, semantic_masks
from synthrm.analysis.geometry import CONTEXTS
from synthrm.analysis.stats import bimodality_coefficient, signal_stats
from synthrm.dataset.hdf5 import list_samples, read_index, read_radio_sample
from synthrm.errors import DatasetError


def analyse_dataset(roots: list[str | Path], los_stride: int = 2, progress: bool = False) -> dict:
    """Rows and summaries over city datasets ``roots``.

    Returns ``{"rows": [...], "districts": {district: summary}}``: a row holds dataset,
    sample, tx, district, scene_id, tx_position, ``mean_db``, ``max_db``, ``std_db``,
    ``labelled_fraction``, the LoS split (``los_fraction`` of labelled pixels whose
    segment to the Tx clears the buildings, ``los_mean_db``, ``nlos_mean_db``), the Tx's
    urban ``tx_context`` and ``r_<concept>`` (None where undefined); a district summary
    holds the number of maps, per concept the mean and median r over the maps where it
    is defined and how many were undefined, Tx contexts, the LoS summary and the
    bimodality coefficient of the per-map maxima. The LoS split uses every
    ``los_stride``-th pixel in each direction (1 m steps along each segment).

    A dataset without scene folders or semantic buffers (imported, ``docs/interop.md``)
    gets the signal statistics only: LoS fields and ``tx_context`` None, no ``r_`` fields.
    """
    from synthrm.analysis.geometry import height_map, line_of_sight, tx_context
    from synthrm.scene.layout import Layout
    from synthrm.camera.pinhole import PinholeCamera

    from tqdm.auto import tqdm

    rows = []
    for root in roots:
        scenes: dict[str, tuple | None] = {}
        absent = set(read_index(root).get("absent", ()))
        keys = [k for k in ("semantic", "material") if k not in absent]
        for _, sid in tqdm(list_samples(root), desc=f"analyse {Path(root).name}", disable=not progress, leave=False):
            s = read_radio_sample(root, sid, keys + ["path_gain_db", "tx_position", "depth", "K", "cam_to_world"])
            masks = semantic_masks(s["semantic"], s.get("material")) if "semantic" in s else {}
            scene_id = str(s["attrs"].get("scene_id", ""))
            if scene_id not in scenes:
                folder = Path(root) / "scenes" / scene_id
                lay = Layout.load(folder) if scene_id and folder.is_dir() else None
                scenes[scene_id] = (lay, height_map(lay)) if lay is not None else None
            scene = scenes[scene_id]
            pts = PinholeCamera.from_sample(s).backproject(s["depth"])[::los_stride, ::los_stride]
            for t, pg in enumerate(s["path_gain_db"]):
                if not np.isfinite(pg).any():
                    continue  # a Tx that reached no visible face: nothing to describe
                row = {"dataset": Path(root).name, "sample": sid, "tx": t,
                       "district": str(s["attrs"].get("district", "")), "scene_id": scene_id,
                       "tx_position": [float(x) for x in s["tx_position"][t]], **signal_stats(pg),
                       "los_fraction": None, "los_mean_db": None, "nlos_mean_db": None, "tx_context": None}
                if scene is not None:
                    lay, hmap = scene
                    sub = pg[::los_stride, ::los_stride]
                    lab = np.isfinite(sub)
                    los = line_of_sight(pts[lab], s["tx_position"][t], hmap, step_m=1.0)
                    v = sub[lab]
                    row.update(los_fraction=float(los.mean()),
                               los_mean_db=float(v[los].mean()) if los.any() else None,
                               nlos_mean_db=float(v[~los].mean()) if (~los).any() else None,
                               tx_context=tx_context(lay, s["tx_position"][t][:2]))
                for name, r in concept_correlations(pg, masks).items():
                    row[f"r_{name}"] = r.r
                rows.append(row)
    if not rows:
        raise DatasetError(f"{', '.join(map(str, roots))}: no path-gain map with a value to analyse")
    by = defaultdict(list)
    for r in rows:
        by[r["district"]].append(r)
    districts = {}
    for d, rs in sorted(by.items()):
        summ = {"maps": len(rs), "concepts": {}}
        names = sorted({k[2:] for r in rs for k in r if k.startswith("r_")},
                       key=lambda n: (n not in CONCEPTS, n))
        for name in names:
            vals = [r.get(f"r_{name}") for r in rs]
            ok = np.array([v for v in vals if v is not None], np.float64)
            summ["concepts"][name] = {"mean_r": float(ok.mean()) if ok.size else None,
                                      "median_r": float(np.median(ok)) if ok.size else None,
                                      "defined": int(ok.size), "undefined": int(len(vals) - ok.size)}
        summ["tx_contexts"] = {c: sum(r["tx_context"] == c for r in rs) for c in CONTEXTS}
        los_gap = [r["los_mean_db"] - r["nlos_mean_db"] for r in rs
                   if r["los_mean_db"] is not None and r["nlos_mean_db"] is not None]
        los_f = [r["los_fraction"] for r in rs if r["los_fraction"] is not None]
        summ["los_fraction_mean"] = float(np.mean(los_f)) if los_f else None
        summ["los_minus_nlos_db_median"] = float(np.median(los_gap)) if los_gap else None
        mx = np.array([r["max_db"] for r in rs])
        summ["max_db_bimodality"] = bimodality_coefficient(mx) if mx.size >= 4 else None
        for k in ("mean_db", "max_db", "std_db"):
            v = np.array([r[k] for r in rs])
            summ[k] = {"mean": float(v.mean()), "std": float(v.std())}
        districts[d] = summ
    return {"rows": rows, "districts": districts}


def correlation_table(result: dict, concepts=tuple(CONCEPTS)) -> str:
    """Markdown table like the SynthRM paper's Table 3: mean r per concept (rows) and district
    (columns); ``n/a`` where the concept was never defined (e.g. no roofs in view)."""
    ds = list(result["districts"])
    lines = ["| concept | " + " | ".join(ds) + " |", "|---|" + "---|" * len(ds)]
    for c in concepts:
        cells = []
        for d in ds:
            v = result["districts"][d]["concepts"].get(c)
            cells.append("n/a" if not v or v["mean_r"] is None else f"{v['mean_r']:+.2f} ({v['defined']})")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
