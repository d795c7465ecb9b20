"""Dataset-level analysis: one row per (sample, transmitter) with the signal statistics
and the concept correlations, and per-district summaries (the seed's Figure 9, Table 3)."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from synthrm.analysis.correlation import CONCEPTS, concept_correlations, semantic_masks
from synthrm.analysis.stats import bimodality_coefficient, signal_stats
from synthrm.dataset.hdf5 import list_samples, read_sample
from synthrm.errors import DatasetError


def analyse_dataset(roots: list[str | Path]) -> dict:
    """Rows and summaries over city datasets ``roots``.

    Returns ``{"rows": [...], "districts": {district: summary}, "undefined": {...}}``: a row
    holds dataset, sample, tx, district, scene_id, tx_position, ``mean_db``, ``max_db``,
    ``std_db``, ``labelled_fraction`` and ``r_<concept>`` (None where undefined); a
    district summary holds the number of maps, per concept the mean and median r over
    the maps where it is defined and how many were undefined, and the bimodality
    coefficient of the per-map maxima.
    """
    rows = []
    for root in roots:
        for _, sid in list_samples(root):
            try:
                s = read_sample(root, sid, ["semantic", "material", "path_gain_db", "tx_position"])
            except KeyError:
                raise DatasetError(f"{root}: sample {sid} has no radio labels; analysis needs them "
                                   f"(generate without --no-radio)") from None
            masks = semantic_masks(s["semantic"], s["material"])
            for t, pg in enumerate(s["path_gain_db"]):
                if not np.isfinite(pg).any():
                    continue  # a Tx that reached no visible face: nothing to describe
                row = {"dataset": Path(root).name, "sample": sid, "tx": t,
                       "district": str(s["attrs"].get("district", "")), "scene_id": str(s["attrs"].get("scene_id", "")),
                       "tx_position": [float(v) for v in s["tx_position"][t]], **signal_stats(pg)}
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
        mx = np.array([r["max_db"] for r in rs])
        summ["max_db_bimodality"] = bimodality_coefficient(mx) if mx.size >= 4 else None
        for k in ("mean_db", "max_db", "std_db"):
            v = np.array([r[k] for r in rs])
            summ[k] = {"mean": float(v.mean()), "std": float(v.std())}
        districts[d] = summ
    return {"rows": rows, "districts": districts}


def correlation_table(result: dict, concepts=tuple(CONCEPTS)) -> str:
    """Markdown table like the seed's Table 3: mean r per concept (rows) and district
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
