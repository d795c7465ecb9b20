"""Combine the ``evaluation.json`` of several runs into the learning benchmark's tables.

    python benchmarks/learning_table.py RUN [RUN ...] [--json out.json] [--md out.md]
                                        [--curves curves.png] [--boot 2000] [--pair RUN_A RUN_B ...]

Outdoor runs: per test group (district) every model and baseline with its MAE [dB] and a
95 % interval over test frames (bootstrap of the frames, seeded; a frame's MAE is the mean
of its transmitters' MAEs), then the verdict: the best model against the best physics
baseline (free space, log-distance, TR 38.901 UMi with geometric LoS), their difference with
the paired bootstrap interval and whether the two intervals overlap; then MAE per dominant
mechanism, label provenance, semantic class and geometric line of sight. Runs trained on a
share of the data (``train_fraction``) make the learning curves (``--curves``); ``--pair A B``
adds run A's MAE minus run B's, paired over the frames both score. Indoor runs:
MAE and RMSE [dB] per split with a 95 % interval over test apartments, and MAE per receiver
height (SenseRay-3D Figure 10).
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from synthrm.dataset.hdf5 import read_index
from synthrm.errors import DatasetError
from synthrm.models.config import label_sources_tag
from synthrm.models.registry import MODELS
from synthrm.radio.labels import LABEL_SOURCES

#: Rows that are physics, not learned.
BASELINES = ("free-space (Friis)", "log-distance", "TR 38.901 UMi (geometric LoS)", "multi-wall (P.1238 style)",
             "TR 38.901 InH-office")


def unit_means(per_example: list, units: list) -> dict[str, float]:
    """Mean of the examples' MAEs per unit (frame or apartment); examples without a value skipped."""
    acc = defaultdict(list)
    for v, u in zip(per_example, units):
        if v is not None and np.isfinite(v):
            acc[u].append(v)
    return {u: float(np.mean(v)) for u, v in acc.items()}


#: SenseRay-3D's test MAE on unseen apartments (seed 004, Table III) [dB].
SEED_INDOOR_MAE_DB = 4.27


def bootstrap_ci(values: np.ndarray, boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(mean, lo, hi): the mean of ``values`` (one per unit) and its 95 % percentile bootstrap interval."""
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    if v.size == 1:
        return float(v[0]), float(v[0]), float(v[0])
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, (boot, v.size))].mean(1)
    return float(v.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def voxel_tag(r: dict, kind: str) -> str:
    """``" (voxel materials sensed)"`` for an indoor dataset whose voxels carry the scans'
    materials (``voxel_materials``; the multi-wall baseline reads them too, so its rows
    differ): a group of its own. ``""`` for the seed's lookup or an unreadable dataset."""
    if kind != "indoor":
        return ""
    try:
        vm = (read_index(r.get("path", "")).get("config") or {}).get("voxel_materials", "semantic")
    except (DatasetError, OSError):
        return ""
    return "" if vm == "semantic" else f" (voxel materials {vm})"


def collect(runs: list[str]) -> tuple[dict, list]:
    """(groups, curves): ``groups[(kind, group)][method]`` = {"units": {unit: mae}, "metrics": .., "run": ..};
    ``curves``: (run, train_fraction, train examples, best val MAE, {group: test MAE}, label, epochs)
    per run (training frames outdoors, entries indoors; epochs as planned: ``train --epochs``)."""
    groups: dict = defaultdict(dict)
    curves = []
    for run in runs:
        p = Path(run) / "evaluation.json"
        if not p.is_file():
            print(f"{run}: no evaluation.json (run `synthrm evaluate --run {run} --data ...`)")
            continue
        ev = json.loads(p.read_text())
        meta = json.loads((Path(run) / "run.json").read_text()) if (Path(run) / "run.json").is_file() else {}
        # the run's own kind (an ensemble is no registry model), else its model's
        kind = {"indoor": "indoor", "city": "outdoor"}.get(meta.get("kind")) or MODELS.get(ev["model"], "model").kind
        test = {}
        for data, r in ev["data"].items():
            ltag = label_sources_tag(r.get("label_sources", LABEL_SOURCES))
            tag = ltag + voxel_tag(r, kind)
            if kind == "indoor" and meta.get("data") and r.get("path") and \
                    Path(r["path"]).resolve() != Path(meta["data"]).resolve():
                tag += f" on {Path(r['path']).name}"  # apartments of another dataset (bench_indoor_unseen.py)
            for g, methods in r["groups"].items():
                units = (r.get("example_frames", {}).get(g) if kind == "outdoor"
                         else r.get("example_scenes", {}).get(g))
                for m, v in methods.items():
                    if m in BASELINES and m in groups[(kind, g + tag)]:
                        continue  # a baseline scores the same on every run's evaluation
                    name = m if m in BASELINES else f"{m} [{Path(run).name}]"
                    u = unit_means(v.get("per_example_mae_db", []), units or [])
                    groups[(kind, g + tag)][name] = {"units": u, "metrics": v, "run": str(run)}
                    if m not in BASELINES and not ltag:
                        test[g] = float(np.mean(list(u.values()))) if u else v.get("mae_db")
        if kind == "indoor" and meta:
            hist = json.loads((Path(run) / "log.json").read_text()) if (Path(run) / "log.json").is_file() else []
            tc = meta.get("train_config", {})
            curves.append((Path(run).name, float(tc.get("train_fraction", 1.0)), len(meta.get("train_examples", [])),
                           min((h["val_mae_db"] for h in hist), default=float("nan")), test,
                           f"{meta.get('model')} (indoor, {tc.get('loss', 'mse')}"
                           + (f", {tc['augment']}" if tc.get("augment", "none") != "none" else "") + ")"
                           + (f" on {Path(meta['data']).name}" if meta.get("data") else ""),
                           int(tc.get("epochs", 0))))
        if kind == "outdoor" and meta:
            hist = []
            lp = Path(run) / "log.json"
            if lp.is_file():
                hist = json.loads(lp.read_text())
            tc = meta.get("train_config", {})
            extra = [tc.get("loss", "mse")] + (["std"] if tc.get("label_weighting") == "std" else []) + \
                ([tc["augment"]] if tc.get("augment", "none") != "none" else [])
            curves.append((Path(run).name, float(tc.get("train_fraction", 1.0)), len(meta.get("train_samples", [])),
                           min((h["val_mae_db"] for h in hist), default=float("nan")), test,
                           f"{meta.get('model')} ({', '.join([meta.get('inputs', 'rgb'), *extra])})"
                           + (f" on {Path(meta['data']).name}" if meta.get("data") else ""),
                           int(tc.get("epochs", 0))))
    return groups, curves


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--json")
    ap.add_argument("--md", help="also write the tables as markdown")
    ap.add_argument("--curves", help="learning-curve figure (PNG) from runs trained on shares of the data")
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples of the 95 %% intervals")
    ap.add_argument("--pair", nargs=2, action="append", default=[], metavar=("RUN_A", "RUN_B"),
                    help="also the paired difference A - B of two runs' MAE [dB] (run folder names) on every "
                         "group both score, with its 95 %% interval over the common frames / apartments")
    a = ap.parse_args(argv)
    names = {Path(r).name for r in a.runs}
    for x in {x for pair in a.pair for x in pair} - names:
        ap.error(f"--pair: no run named {x!r} among the runs given ({', '.join(sorted(names))})")
    groups, curves = collect(a.runs)
    md, out = [], {"groups": {}, "verdicts": {}, "curves": curves, "pairs": []}
    for (kind, g), methods in sorted(groups.items()):
        unit = "frames" if kind == "outdoor" else "apartments"
        split = g.split(" (")[0] if kind == "indoor" else ("val" if g.endswith("(val)") else "test")
        which = {"val": "validation", "train": "training"}.get(split, "test")
        md.append(f"\n### {kind}: {g}\n\n| method | MAE [dB], 95 % interval over {which} {unit} | {unit} | RMSE [dB] | "
                  f"NMSE [dB] | SSIM |\n|---|---|---|---|---|---|")
        stats = {}
        for m, v in sorted(methods.items(), key=lambda kv: np.mean(list(kv[1]["units"].values()) or [np.inf])):
            mean, lo, hi = bootstrap_ci(list(v["units"].values()), a.boot)
            stats[m] = (mean, lo, hi)
            r = v["metrics"]
            md.append(f"| {m} | {mean:.2f} [{lo:.2f}, {hi:.2f}] | {len(v['units'])} | {r.get('rmse_db', np.nan):.2f} | "
                      f"{r.get('nmse_db', np.nan):.2f} | {r.get('ssim', np.nan):.3f} |")
        out["groups"][f"{kind}/{g}"] = {m: {"mae_db": s[0], "ci95": [s[1], s[2]]} for m, s in stats.items()}
        models = [m for m in stats if m not in BASELINES]
        bases = [m for m in stats if m in BASELINES]
        if models and bases:
            bm = min(models, key=lambda m: stats[m][0])
            bb = min(bases, key=lambda m: stats[m][0])
            ua, ub = methods[bm]["units"], methods[bb]["units"]
            common = sorted(set(ua) & set(ub))
            diff = bootstrap_ci([ub[u] - ua[u] for u in common], a.boot)
            overlap = not (stats[bm][2] < stats[bb][1])
            verdict = {"best_model": bm, "best_baseline": bb, "gain_db": diff[0], "gain_ci95": [diff[1], diff[2]],
                       "intervals_overlap": overlap, "meets_3db": diff[0] >= 3.0 and not overlap}
            out["verdicts"][f"{kind}/{g}"] = verdict
            target = ""
            if kind == "outdoor":
                target = f"; 3 dB target {'met' if verdict['meets_3db'] else 'not met'}"
            elif split == "test":
                verdict["below_seed_indoor"] = stats[bm][0] < SEED_INDOOR_MAE_DB
                target = (f"; the SenseRay-3D paper's {SEED_INDOOR_MAE_DB} dB on unseen apartments "
                          f"{'met' if verdict['below_seed_indoor'] else 'not met'} "
                          f"({stats[bm][0]:.2f} [{stats[bm][1]:.2f}, {stats[bm][2]:.2f}])")
            md.append(f"\nBest model **{bm}** vs best physics baseline **{bb}**: {diff[0]:+.2f} dB "
                      f"[{diff[1]:+.2f}, {diff[2]:+.2f}] (paired over {len(common)} {unit}); intervals "
                      f"{'overlap' if overlap else 'do not overlap'}{target}.")
            for m in models:  # every model against free space and the log-distance fit
                for b in ("free-space (Friis)", "log-distance"):
                    if b in stats:
                        verdict.setdefault("beats", {}).setdefault(m, {})[b] = stats[m][0] < stats[b][0]
        for part in ("mechanism", "provenance", "semantic", "los"):
            key = f"mae_db_by_{part}"
            names = sorted({n for v in methods.values() for n in v["metrics"].get(key, {})})
            if not names:
                continue
            px = {n: max(v["metrics"].get(key, {}).get(n, {}).get("pixels", 0) for v in methods.values())
                  for n in names}
            md.append(f"\nMAE [dB] by {part} (share of labelled pixels):\n\n| method | "
                      + " | ".join(f"{n} ({px[n] / max(sum(px.values()), 1):.0%})" for n in names)
                      + " |\n|---|" + "---|" * len(names))
            for m, v in methods.items():
                cells = [v["metrics"].get(key, {}).get(n, {}).get("mae_db") for n in names]
                md.append(f"| {m} | " + " | ".join("-" if c is None else f"{c:.2f}" for c in cells) + " |")
    if a.pair:
        md.append("\n### paired differences between runs\n\n| A | B | group | A - B [dB], 95 % interval | "
                  "common units |\n|---|---|---|---|---|")
        for ra, rb in a.pair:
            for (kind, g), methods in sorted(groups.items()):
                ma = [m for m in methods if m.endswith(f" [{ra}]")]
                mb = [m for m in methods if m.endswith(f" [{rb}]")]
                if len(ma) != 1 or len(mb) != 1:
                    continue
                ua, ub = methods[ma[0]]["units"], methods[mb[0]]["units"]
                common = sorted(set(ua) & set(ub))
                d = bootstrap_ci([ua[u] - ub[u] for u in common], a.boot)
                out["pairs"].append({"a": ra, "b": rb, "group": f"{kind}/{g}", "diff_db": d[0],
                                     "ci95": [d[1], d[2]], "units": len(common)})
                md.append(f"| {ra} | {rb} | {kind}/{g} | {d[0]:+.2f} [{d[1]:+.2f}, {d[2]:+.2f}] | {len(common)} |")
    if curves:
        md.append("\n### learning curves\n\n| run | model | train share | train frames / entries | epochs | "
                  "best val MAE [dB] | test MAE per group [dB] |\n|---|---|---|---|---|---|---|")
        for name, frac, n, val, test, label, epochs in sorted(curves, key=lambda c: (c[5], c[6], c[1])):
            md.append(f"| {name} | {label} | {frac:g} | {n} | {epochs} | {val:.2f} | "
                      + ", ".join(f"{g} {v:.2f}" for g, v in sorted(test.items()) if v is not None) + " |")
        if a.curves:
            best_base = {g.split("/", 1)[1]: min((v["mae_db"], m) for m, v in ms.items() if m in BASELINES)
                         for g, ms in out["groups"].items() if any(m in BASELINES for m in ms)}
            _curves_figure([c for c in curves if "(indoor" not in c[5]], a.curves, best_base)
    text = "\n".join(md) + "\n"
    print(text)
    if a.md:
        Path(a.md).write_text(text)
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return out


def _family(label: str, labels: list[str]) -> str:
    """One line of the curves for the runs on datasets that differ only by a trailing frame
    count (``mix_train192`` and its extension ``mix_train384``: the larger holds the
    smaller's frames): ``"... on mix_train192 / 384"``; any other label unchanged."""
    m = re.fullmatch(r"(.* on )(.*?)(\d+)", label)
    if not m:
        return label
    sizes = sorted({int(x.group(3)) for x in (re.fullmatch(r"(.* on )(.*?)(\d+)", lab) for lab in labels)
                    if x and x.group(1) == m.group(1) and x.group(2) == m.group(2)})
    return f"{m.group(1)}{m.group(2)}" + " / ".join(map(str, sizes))


def _with_epochs(label: str, epochs: int) -> str:
    """``label`` with the epoch count inside its first brackets: ``"radiounet-s (geometry, l1,
    60 epochs) on mix_train"``."""
    return label.replace(")", f", {epochs} epochs)", 1) if ")" in label else f"{label}, {epochs} epochs"


def equal_step_sets(curves, tolerance: float = 0.1) -> list[list[tuple]]:
    """The runs of one model and setting (on one dataset or its extensions: ``mix_train``,
    ``mix_train192``, ...) trained on different frame counts for the same number of frame
    passes (training frames x epochs, the optimiser steps at a fixed batch and Tx count,
    within ``tolerance``) where at least one was trained longer than the usual epoch count:
    the control that separates more data from more steps. Each set sorted by frames, two
    runs at least."""
    if not curves:
        return []
    usual = Counter(c[6] for c in curves).most_common(1)[0][0]
    line = lambda label: re.sub(r"\d+$", "", label)  # noqa: E731  (mix_train, mix_train192, ...: one line)
    sets, seen = [], set()
    for c in sorted(curves, key=lambda c: c[2]):
        if c[6] == usual or c[0] in seen:
            continue
        passes = c[2] * c[6]
        same = {}
        for d in sorted(curves, key=lambda d: d[5] != c[5]):  # one run per frame count, c's dataset first
            if line(d[5]) == line(c[5]) and d[2] != c[2] and abs(d[2] * d[6] - passes) <= tolerance * passes:
                same.setdefault(d[2], d)
        if same:
            group = sorted([c, *same.values()], key=lambda d: d[2])
            seen.update(d[0] for d in group)
            sets.append(group)
    return sets


def _curves_figure(curves, path: str, baselines: dict | None = None) -> None:
    """Test MAE per group and best validation MAE against training frames, one line per
    model, training setting and training dataset (each its own held-out validation scenes;
    a single run: a marker; runs with other than the usual epoch count apart, the epochs in
    their label); runs at equal optimiser steps (``equal_step_sets``) joined dotted; the best
    physics baseline of each test group dashed."""
    from synthrm.figures import pyplot

    plt = pyplot()
    from matplotlib.ticker import ScalarFormatter

    by = defaultdict(list)
    labels = [c[5] for c in curves]
    usual = Counter(c[6] for c in curves).most_common(1)[0][0] if curves else 0
    for name, frac, n, val, test, label, epochs in curves:
        fam = _family(label, labels)
        by[fam if epochs == usual else _with_epochs(fam, epochs)].append((n, val, test))
    groups = sorted({g for c in curves for g in c[4] if "(val)" not in g})
    fig, axes = plt.subplots(1, len(groups) + 1, figsize=(3.6 * (len(groups) + 1), 3.2), squeeze=False)
    for label, pts in by.items():
        pts.sort()
        ns = [p[0] for p in pts]
        style = "o-" if len(pts) > 1 else "s"
        axes[0][0].plot(ns, [p[1] for p in pts], style, label=label, ms=4)
        for ax, g in zip(axes[0][1:], groups):
            ax.plot(ns, [p[2].get(g, np.nan) for p in pts], style, label=label, ms=4)
    for k, pts in enumerate(equal_step_sets(curves)):
        ns = [p[2] for p in pts]
        lab = "equal steps: " + ", ".join(f"{p[2]}x{p[6]}" for p in pts) + " (frames x epochs)"
        ls = (":", "-.", "--")[k % 3]
        axes[0][0].plot(ns, [p[3] for p in pts], ls, color="0.3", lw=1.3, label=lab)
        for ax, g in zip(axes[0][1:], groups):
            ax.plot(ns, [p[4].get(g, np.nan) for p in pts], ls, color="0.3", lw=1.3)
    for ax, g in zip(axes[0], ["mix (val)"] + groups):
        if baselines and g in baselines:
            v, m = baselines[g]
            ax.axhline(v, color="k", ls="--", lw=1, label=f"best baseline: {m}" if ax is axes[0][0] else None)
    for ax, t in zip(axes[0], ["validation (held-out mix scenes)"] + [f"test: {g}" for g in groups]):
        ax.set_title(t, fontsize=9)
        ax.set_xscale("log", base=2)  # the curves are read per doubling of the data
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.set_xlabel("training frames (log scale)")
        ax.set_ylabel("MAE [dB]")
        ax.grid(alpha=0.3)
    if axes[0][0].get_legend_handles_labels()[0]:
        axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
