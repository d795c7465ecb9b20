"""Combine the ``evaluation.json`` of several runs into the seeds' tables.

    python benchmarks/learning_table.py RUN [RUN ...] [--json out.json]

Outdoor runs: one row per method (each model, then the baselines once), one column block
per test group (SynthRM Table 2: NMSE [dB], MAE [dB], PSNR [dB], SSIM), and per label subset
where a run was also evaluated with ``--label-sources``. Indoor runs: MAE
and RMSE [dB] per split (SenseRay-3D Table III) and MAE per receiver height (Figure 10).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthrm.models.config import label_sources_tag
from synthrm.radio.labels import LABEL_SOURCES


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    rows: dict[tuple[str, str], dict[str, dict]] = {}  # (kind, method) -> group -> metrics
    heights = {}
    for run in a.runs:
        p = Path(run) / "evaluation.json"
        if not p.is_file():
            print(f"{run}: no evaluation.json (run `synthrm evaluate --run {run} --data ...`)")
            continue
        ev = json.loads(p.read_text())
        model = ev["model"]
        kind = "indoor" if model == "senseray3d" else "outdoor"
        for data, r in ev["data"].items():
            tag = label_sources_tag(r.get("label_sources", LABEL_SOURCES))  # `evaluate --label-sources`
            for g, methods in r["groups"].items():
                for m, v in methods.items():
                    rows.setdefault((kind, m), {}).setdefault(g + tag, v)
            for split, ph in r.get("per_height_mae_db", {}).items():
                heights[split] = (r["heights_m"], ph)
    for kind, cols in (("outdoor", (("nmse_db", "NMSE"), ("mae_db", "MAE"), ("psnr_db", "PSNR"), ("ssim", "SSIM"))),
                       ("indoor", (("mae_db", "MAE"), ("rmse_db", "RMSE"), ("nmse_db", "NMSE"), ("ssim", "SSIM")))):
        methods = [m for k, m in rows if k == kind]
        if not methods:
            continue
        groups = sorted({g for (k, m) in rows if k == kind for g in rows[(k, m)]})
        print(f"\n{kind}: " + " | ".join(groups) + "   (" + ", ".join(c for _, c in cols) + "; dB except SSIM)")
        head = f"{'method':<28}" + "".join(f"{g:>30}" for g in groups)
        print(head)
        for m in methods:
            cells = []
            for g in groups:
                v = rows[(kind, m)].get(g)
                cells.append(" ".join(f"{v[k]:6.3f}" if k == "ssim" else f"{v[k]:6.2f}" for k, _ in cols) if v else "-")
            print(f"{m:<28}" + "".join(f"{c:>30}" for c in cells))
    for split, (hs, ph) in heights.items():
        print(f"\nindoor {split}: MAE [dB] per receiver height [m]")
        print(f"{'method':<28}" + "".join(f"{h:>6.1f}" for h in hs))
        for m, v in ph.items():
            print(f"{m:<28}" + "".join(f"{x:6.2f}" for x in v))
    if a.json:
        Path(a.json).write_text(json.dumps({f"{k}/{m}": g for (k, m), g in rows.items()}, indent=1))


if __name__ == "__main__":
    main()
