"""Reproduce the seeds' findings on synthrm data, side by side, and measure why they differ.

    python benchmarks/reproduce.py [--quick] [--scale K] [--work DIR] [--out docs/reproduction.md]
        [--reference ../shared/radio-reference] [--learning-runs DIR] [--skip-learning]
        [--seed-offset K] [--rerun OTHER/results.json]

Generates its own data in ``--work`` (resumable: a rerun keeps what is complete), measures
SynthRM Table 3, Figures 9, 10 and 11, Table 2 and SenseRay-3D Table III / Figure 10 next
to the seeds' values, runs the experiment grids that explain the differences (transmitter
placement and height, camera altitude and pitch, how pixels count, masks, label budget),
and writes ``--out`` (default ``docs/reproduction.md``) with its figures and all numbers
(``docs/reproduction/results.json``). Every table and number in it comes from this run.

Sizes: the default took 26 min on a shared 2-core machine (128x96 frames, 1e6 rays per Tx;
``--scale 4``: four times the frames, roughly four times the time); ``--quick`` is a smoke
run of a few frames (about a minute). ``--doc-only`` rewrites the page from its saved
results; ``--refresh-learning`` recomputes only the learning rows from the finished runs,
``--refresh-grid`` Table 3, the grid, the combination, the preset and Figures 9 and 10 from
the same data (measured again; a dataset removed from ``--work`` is made again). ``--learning-runs DIR`` takes the learning rows from the runs of
``benchmarks/learning_protocol.sh`` (its ``runs/`` folder) instead of training small ones.

Verdicts that survive a rerun: ``--seed-offset K`` (0, or >= 100) shifts the seed of every
generated dataset and training run; ``--rerun OTHER/results.json`` pairs every estimate of
this run with that independent run's (``benchmarks/reproduce_verdicts.py``), and the page
prints a verdict only when both runs hold it. For example::

    python benchmarks/reproduce.py --work other --seed-offset 1000 --out other/reproduction.md
    python benchmarks/reproduce.py --doc-only --rerun other/reproduction/results.json

The rerun's learning rows come from ``SEED_OFFSET=1000 bash benchmarks/learning_protocol.sh
OUT tables`` (Table 2) and ``... OUT indoor-tables`` (Table III / Figure 10), read into the
rerun this page keeps with ``--refresh-rerun-learning OUT/runs``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
DEFAULT_REFERENCE = HERE.parents[1] / "shared" / "radio-reference"

from reproduce_setup import (  # noqa: E402 (after the path set-up)
    BASE_CAMERA,
    CAMERA_VARIANTS,
    CANYON_VARIANTS,
    LABEL_BASE,
    LABEL_SUBSET,
    LABEL_VARIANTS,
    PAPER_DISTRICTS,
    REDUCED_RADIO,
    SEED_TABLE2,
    SEED_TABLE3,
    SIZES,
    TX_VARIANTS,
    data_seed,
    grid_params,
)


def tx_radio(v) -> dict:
    """The radio overrides of a ``TX_VARIANTS`` entry."""
    from synthrm.config import SEED_RADIO

    return {"tx_placement": "district", **SEED_RADIO} if v == "SEED_RADIO" else dict(v)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data
def city_config(preset: str, frames: int, res, seed: int, camera: dict | None = None, radio: dict | None = None,
                extra: dict | None = None):
    from synthrm.config import make_config, merge_config

    over = {"frames": frames, "seed": seed, "camera": {"resolution": list(res), **(camera or {})},
            "radio": {**REDUCED_RADIO, **(radio or {})}}
    return make_config(preset, merge_config(over, extra or {}))


def generate(cfg, out: Path) -> Path:
    from synthrm.generate import generate as gen

    t0 = time.perf_counter()
    rep = gen(cfg, out, progress=False, log=lambda m: None)
    if rep["frames"]:
        log(f"generated {out.name}: {rep['frames']} frames in {time.perf_counter() - t0:.0f} s")
    return out


def relabel(src: Path, out: Path, radio: dict) -> Path:
    from synthrm.generate.relabel import relabel as rl

    t0 = time.perf_counter()
    rep = rl(src, out, radio=radio, progress=False, log=lambda m: None)
    if rep["samples"]:
        log(f"relabelled {out.name}: {rep['samples']} frames in {time.perf_counter() - t0:.0f} s")
    return out


def labels_in_memory(root: Path, radio: dict, sample_ids: list[str], defaults: bool = True,
                     mechanism: bool = False) -> dict:
    """{sample id: (path_gain_db, path_gain_source)} recomputed with ``radio`` (on top of
    this synthrm's defaults, or with ``defaults`` False the dataset's own settings) on the
    stored transmitters and views, without writing; with ``mechanism`` the
    ``path_gain_mechanism`` too, as a third entry."""
    from synthrm.dataset.hdf5 import read_index, read_sample
    from synthrm.generate.relabel import SampleRelabeller, relabel_config

    cfg = relabel_config(read_index(root)["config"], radio, {}, defaults=defaults)
    work = SampleRelabeller(root, cfg, new_tx=False, log=lambda m: None)
    out = {}
    for sid in sample_ids:
        vas, fr = work.frame(read_sample(root, sid))
        a = fr.arrays(vas)
        out[sid] = (a["path_gain_db"], a["path_gain_source"]) + ((a["path_gain_mechanism"],) if mechanism else ())
    return out


def stored_labels(root: Path, sample_ids: list[str]) -> dict:
    """{sample id: (path_gain_db, path_gain_source or None)} as stored (schema 2: no provenance)."""
    from synthrm.dataset.hdf5 import read_sample

    out = {}
    for sid in sample_ids:
        s = read_sample(root, sid)
        out[sid] = (s["path_gain_db"], s.get("path_gain_source"))
    return out


def seed_distance(dt: dict, mg: dict) -> float:
    """How far a (downtown, margin) pair of mean r is from the seed's (0.80, 0.11)."""
    if dt.get("mean") is None or mg.get("mean") is None:
        return float("inf")
    return abs(dt["mean"] - SEED_TABLE3["building"]["downtown"][0]) + abs(mg["mean"] - SEED_TABLE3["building"]["margin"][0])


# --------------------------------------------------------------------------- experiments
class Repro:
    def __init__(self, a):
        self.a = a
        self.size = dict(SIZES["quick" if a.quick else "default"])
        for k in ("base", "camera", "canyon_drives", "budget", "train", "seg_train"):
            self.size[k] = max(1, int(round(self.size[k] * a.scale)))
        self.work = Path(a.work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.out = Path(a.out)
        self.figdir = self.out.parent / self.out.stem
        self.figdir.mkdir(parents=True, exist_ok=True)
        self.offset = a.seed_offset
        self.res: dict = {"size": self.size, "commands": {}, "seconds": {}, "seed_offset": self.offset}
        self.t0 = time.perf_counter()

    def seed(self, name: str, k: int = 0) -> int:
        """The seed of dataset ``name`` (``reproduce_setup.DATA_SEEDS``), shifted by ``--seed-offset``."""
        return data_seed(name, self.offset, k)

    def timed(self, name, fn):
        t = time.perf_counter()
        out = fn()
        self.res["seconds"][name] = round(time.perf_counter() - t, 1)
        log(f"{name}: {self.res['seconds'][name]:.0f} s")
        return out

    # ---- data
    def base_data(self):
        s = self.size
        self.base = {}
        for i, d in enumerate(PAPER_DISTRICTS):
            self.base[d] = generate(city_config(f"city-{d}", s["base"], s["res"], self.seed("base", i)),
                                    self.work / f"base-{d}")
        self.tx_data = {}
        for name, radio in TX_VARIANTS.items():
            radio = tx_radio(radio)
            for d in ("downtown", "margin"):
                key = (name, d)
                if not radio:
                    self.tx_data[key] = self.base[d]
                else:
                    slug = "-".join(f"{k}{v}" for k, v in radio.items()).replace("_", "").replace(".", "p")
                    self.tx_data[key] = relabel(self.base[d], self.work / f"tx-{slug}-{d}", radio)
        self.label_data = self.label_variants()
        self.cam_data = {}
        for j, (name, cam) in enumerate(CAMERA_VARIANTS.items()):
            for i, d in enumerate(("downtown", "margin")):
                self.cam_data[(name, d)] = generate(city_config(f"city-{d}", s["camera"], s["res"],
                                                                self.seed("camera", 2 * j + i), cam),
                                                    self.work / f"cam{j}-{d}")

    def label_variants(self) -> dict:
        """The base downtown and margin frames relabelled with each of ``LABEL_VARIANTS``,
        {(name, district): (folder, labels)}: a relabelled dataset (labels None), or for the
        variants of ``LABEL_SUBSET`` the base folder and the labels of its first
        ``size["budget"]`` frames recomputed in memory (``labels_in_memory``, the dataset's
        own settings plus the variant's; same transmitters and ray seeds).

        What it adds to a full run: diffraction off relabels all 2 x ``size["base"]`` frames
        (48 at the default size) and is cheap (no diffraction stage: 0.16 s a frame against
        1.7 s for the base labels, one 128x96 frame of a tiny city, 2 Tx, 1e5 rays, on the
        loaded 2-core machine). max_depth 20 cost 18 s a frame there, 11x the base labels
        (the chain search of the exact diffraction and the Monte Carlo pass follow paths up
        to 20 interactions): all 48 frames would add about as much as the run's whole data
        stage, so it runs on 2 x ``size["budget"]`` frames (12 at the default size; a few
        minutes; recomputed on every pass, like the budget rows)."""
        from synthrm.dataset.hdf5 import list_samples

        out = {}
        for k, (name, radio) in enumerate(LABEL_VARIANTS.items()):
            for d in ("downtown", "margin"):
                if name in LABEL_SUBSET:
                    ids = [sid for _, sid in list_samples(self.base[d])][: self.size["budget"]]
                    out[(name, d)] = (self.base[d], labels_in_memory(self.base[d], radio, ids, defaults=False,
                                                                     mechanism=True))
                else:
                    out[(name, d)] = (relabel(self.base[d], self.work / f"labels-v{k}-{d}", radio), None)
        return out

    def segmenter(self):
        from synthrm.analysis.segment import RGBSegmenter
        from synthrm.dataset.hdf5 import list_samples, read_sample

        root = generate(city_config("city-mix", self.size["train"], self.size["res"], self.seed("train-mix")),
                        self.work / "train-mix")
        self.train_mix = root
        ids = [sid for _, sid in list_samples(root)][: self.size["seg_train"]]
        ss = [read_sample(root, sid, ["rgb", "semantic"]) for sid in ids]
        self.seg = RGBSegmenter().fit([x["rgb"] for x in ss], [x["semantic"] for x in ss])
        self.res["segmenter"] = {"fitted_on": f"{len(ids)} frames of {root.name} (other cities)"}

    # ---- measurement
    def measure(self):
        from synthrm.analysis.segment import class_iou
        from synthrm.analysis.sensitivity import measure_dataset
        from synthrm.dataset.hdf5 import list_samples, read_sample

        self.rows = {}
        for d, root in self.base.items():
            self.rows[("base", d)] = measure_dataset(root, segmenter=self.seg, controls=True)
        for key, root in self.tx_data.items():
            if root not in self.base.values():
                rows = measure_dataset(root, degradations={}, controls=True)
                if "drone" in key[0]:
                    rows = [r for r in rows if r["tx"] == 0]
                self.rows[("tx",) + key] = rows
            else:
                self.rows[("tx",) + key] = self.rows[("base", key[1])]
        for key, root in self.cam_data.items():
            self.rows[("cam",) + key] = measure_dataset(root, degradations={})
        for key, (root, labels) in getattr(self, "label_data", {}).items():
            self.rows[("labels",) + key] = measure_dataset(root, degradations={}, labels=labels)
        iou = {}
        for d, root in self.base.items():
            pred, true = [], []
            for _, sid in list_samples(root):
                s = read_sample(root, sid, ["rgb", "semantic"])
                pred.append(self.seg.predict(s["rgb"]))
                true.append(s["semantic"])
            iou[d] = class_iou(pred, true, [1, 2, 3, 4, 5])
        self.res["segmenter"]["iou"] = iou

    def budget(self):
        """Label budget rows: our downtown frames at the CPU default budget, and the
        reference frames at every budget."""
        from synthrm.analysis.sensitivity import measure_dataset
        from synthrm.dataset.hdf5 import list_samples

        out = {}
        root = self.base["downtown"]
        ids = [sid for _, sid in list_samples(root)][: self.size["budget"]]
        cpu = labels_in_memory(root, {}, ids)
        red = stored_labels(root, ids)
        out["downtown"] = {"frames": len(ids),
                           "reduced (1e6 rays, this page's data)": measure_dataset(root, degradations={}, labels=red),
                           "CPU default (5e6-2e7 rays)": measure_dataset(root, degradations={}, labels=cpu)}
        ref = Path(self.a.reference)
        out["reference"] = None
        if ref.is_dir():
            out["reference"] = {}
            for d in sorted(p for p in ref.iterdir() if p.is_dir() and (p / "index.json").is_file()):
                npz = np.load(ref / f"reference_{d.name}.npz")
                ids = [sid for _, sid in list_samples(d)]
                if self.a.quick:
                    ids = ids[:1]
                refl = {sid: (npz[f"{sid}/path_gain_db"], None) for sid in ids}
                rays = {sid: int(npz[f"{sid}/rays_per_tx"]) for sid in ids}
                sets = {"stored (2e6 rays, schema 2)": stored_labels(d, ids),
                        "reduced (1e6 rays, this page's data)": labels_in_memory(d, REDUCED_RADIO, ids),
                        "CPU default (5e6-2e7 rays)": labels_in_memory(d, {}, ids),
                        "seed budget (2^31 or 2e8 rays)": refl}
                out["reference"][d.name] = {"frames": len(ids), "rays": rays,
                                            "rows": {k: measure_dataset(d, degradations={}, labels=v, rules=(
                                                "excluded", "rays-only")) for k, v in sets.items()}}
        self.budget_rows = out

    def combination(self):
        """The grid's closest level of each factor together: Tx placement and camera on new
        data, then the pixel rule and mask set that came closest."""
        from synthrm.analysis.sensitivity import DEGRADATIONS, measure_dataset, summarise_r

        g = self.res["grid"]
        best = {k: min(g[k], key=lambda row: row["distance"]) for k in ("tx", "camera", "pixels", "masks")}
        tx_name, cam_name = best["tx"]["setting"], best["camera"]["setting"]
        rule, masks, concept = best["pixels"]["rule"], best["masks"]["masks"], best["masks"]["concept"]
        radio = tx_radio(TX_VARIANTS[tx_name])
        rows = {}
        for d in ("downtown", "margin"):
            if cam_name in CAMERA_VARIANTS:
                src = self.cam_data[(cam_name, d)]
                root = relabel(src, self.work / f"combo-{d}", radio) if radio else src
            else:
                root = self.tx_data[(tx_name, d)]
            rs = measure_dataset(root, segmenter=self.seg if masks == "rgb-segmenter" else None,
                                 degradations={masks: DEGRADATIONS[masks]} if masks in DEGRADATIONS else {},
                                 rules=(rule,))
            if "drone" in tx_name:
                rs = [r for r in rs if r["tx"] == 0]
            rows[d] = rs
        dt = summarise_r(rows["downtown"], concept, rule, masks)
        mg = summarise_r(rows["margin"], concept, rule, masks)
        self.res["combination"] = {"tx": tx_name, "camera": cam_name, "rule": rule, "masks": masks, "concept": concept,
                                   "downtown": dt, "margin": mg, "distance": seed_distance(dt, mg),
                                   "share_ge_0p8_downtown": share_ge(rows["downtown"], concept, rule, masks, 0.8)}

    def grid(self):
        """The experiment grid of Table 3's Buildings row and Figure 9's bimodality."""
        from synthrm.analysis.sensitivity import (
            DEGRADATIONS,
            PIXEL_RULES,
            summarise_gap,
            summarise_pmax,
            summarise_r,
        )

        def cell(dt_rows, mg_rows, rule="excluded", masks="exact", concept="building"):
            dt, mg = summarise_r(dt_rows, concept, rule, masks), summarise_r(mg_rows, concept, rule, masks)
            return {"downtown": dt, "margin": mg, "gap": summarise_gap(dt_rows, mg_rows, concept, rule, masks),
                    "pmax": summarise_pmax(dt_rows + mg_rows, rule), "distance": seed_distance(dt, mg),
                    "share_ge_0p8_downtown": share_ge(dt_rows, concept, rule, masks, 0.8)}

        b_dt, b_mg = self.rows[("base", "downtown")], self.rows[("base", "margin")]
        g = {"tx": [], "camera": [], "pixels": [], "masks": []}
        for name in TX_VARIANTS:
            g["tx"].append({"setting": name, **cell(self.rows[("tx", name, "downtown")],
                                                    self.rows[("tx", name, "margin")])})
        g["camera"].append({"setting": BASE_CAMERA, **cell(b_dt, b_mg)})
        for name in CAMERA_VARIANTS:
            g["camera"].append({"setting": name, **cell(self.rows[("cam", name, "downtown")],
                                                        self.rows[("cam", name, "margin")])})
        for rule in PIXEL_RULES:
            g["pixels"].append({"setting": rule, "rule": rule, **cell(b_dt, b_mg, rule=rule)})
        # interactions: a view with more sky or more far, unreached surface weighs the floor more
        g["pixels x camera"] = []
        for name in CAMERA_VARIANTS:
            for rule in ("sky-floored", "rays-floored"):
                g["pixels x camera"].append({"setting": f"{name}, {rule}", "rule": rule, **cell(
                    self.rows[("cam", name, "downtown")], self.rows[("cam", name, "margin")], rule=rule)})
        mask_sets = [("exact", "building", "exact masks, Buildings = facades (synthrm)"),
                     ("exact", "building+roof", "exact masks, Buildings = facades + roofs"),
                     ("rgb-segmenter", "building", "RGB segmenter, Buildings = facades"),
                     ("rgb-segmenter", "building+roof", "RGB segmenter, Buildings = facades + roofs")]
        mask_sets += [(n, "building", n) for n in DEGRADATIONS]
        for masks, concept, label in mask_sets:
            g["masks"].append({"setting": label, "masks": masks, "concept": concept,
                               **cell(b_dt, b_mg, masks=masks, concept=concept)})
        # labels: the same frames relabelled, one factor changed (per-map differences against the base)
        if any(k[0] == "labels" for k in self.rows):
            g["labels"] = [{"setting": LABEL_BASE, **cell(b_dt, b_mg)}]
            for name in LABEL_VARIANTS:
                dt, mg = self.rows[("labels", name, "downtown")], self.rows[("labels", name, "margin")]
                if name in LABEL_SUBSET:  # the base labels of the same frames beside it (the same setting)
                    frames = {r["frame"] for r in dt + mg}
                    s_dt, s_mg = ([r for r in x if r["frame"] in frames] for x in (b_dt, b_mg))
                    g["labels"].append({"setting": f"{LABEL_BASE}, the {len(frames)} frames of the next row",
                                        "params": grid_params("labels", {"setting": LABEL_BASE}), **cell(s_dt, s_mg)})
                g["labels"].append({"setting": name, **cell(dt, mg),
                                    "paired": {"downtown": paired(dt, b_dt), "margin": paired(mg, b_mg)}})
        for block, rows in g.items():
            for row in rows:
                row["params"] = grid_params(block, row)
        self.res["grid"] = g

    def table3(self):
        from synthrm.analysis.sensitivity import summarise_controls
        from synthrm.analysis.sensitivity import MECHANISM_CONCEPTS, summarise_r, summarise_r_by_mechanism

        t = {}
        for c in SEED_TABLE3:
            t[c] = {d: summarise_r(self.rows[("base", d)], c) for d in PAPER_DISTRICTS}
        # the seed's Concrete vs Buildings: with any one segmentation concrete = facades + roofs
        t["building+roof"] = {d: summarise_r(self.rows[("base", d)], "building+roof") for d in PAPER_DISTRICTS}
        t["concrete (RGB segmenter)"] = {d: summarise_r(self.rows[("base", d)], "concrete", masks="rgb-segmenter")
                                         for d in PAPER_DISTRICTS}
        t["pavement as concrete"] = {d: summarise_r(self.rows[("base", d)], "pavement") for d in PAPER_DISTRICTS}
        # r computed over the pixels of each dominant mechanism separately (labels v3 carry it)
        bm = {d: {c: summarise_r_by_mechanism(self.rows[("base", d)], c) for c in MECHANISM_CONCEPTS}
              for d in PAPER_DISTRICTS}
        if any(v for x in bm.values() for v in x.values()):
            t["by_mechanism"] = bm
        # what the sign of r(Buildings) follows: the surface that holds the map's maximum
        by = {}
        for d in PAPER_DISTRICTS:
            rs = self.rows[("base", d)]
            by[d] = {}
            for cls in sorted({r["excluded"]["pmax_class"] for r in rs if r["excluded"]["pmax_class"]}):
                sub = [r for r in rs if r["excluded"]["pmax_class"] == cls]
                by[d][cls] = {"maps": len(sub), "share": len(sub) / len(rs), "r": summarise_r(sub)}
        t["by_pmax_class"] = by
        self.res["table3"] = t
        # what the roof's sign and Roads vs Buildings follow: the distance and line-of-sight
        # controls of the base rows (synthrm.analysis.controls; measured with controls=True)
        cc = {d: summarise_controls(self.rows[("base", d)]) for d in PAPER_DISTRICTS}
        if any(cc.values()):
            self.res["concept_controls"] = cc
        # the same controls with the Tx elsewhere (higher than the roofs, or anywhere): does the roof's sign follow
        # the Tx height? Each Tx variant's downtown and margin rows, the default's being the base rows
        bt = {}
        for name in TX_VARIANTS:
            per = {d: summarise_controls(self.rows[("tx", name, d)]) for d in ("downtown", "margin")}
            if all(per.values()):
                bt[name] = per
        if bt:
            self.res["concept_controls_by_tx"] = bt

    def fig9(self):
        from synthrm.analysis.figures import statistics_figure
        from synthrm.analysis.sensitivity import pmax_figure, summarise_pmax

        f = {}
        pooled = []
        for d in PAPER_DISTRICTS:
            rs = self.rows[("base", d)]
            pooled += rs
            f[d] = {"excluded": summarise_pmax(rs), "rays-only": summarise_pmax(rs, "rays-only")}
        f["all"] = {"excluded": summarise_pmax(pooled), "rays-only": summarise_pmax(pooled, "rays-only")}
        tx_dist = self.rows[("tx", "anywhere in the district (seed Fig. 8)", "downtown")] + \
            self.rows[("tx", "anywhere in the district (seed Fig. 8)", "margin")]
        f["district Tx (downtown + margin)"] = {"excluded": summarise_pmax(tx_dist)}
        self.res["fig9"] = f
        rows = [{"district": r["district"], "mean_db": r["excluded"]["mean_db"], "max_db": r["excluded"]["pmax_db"],
                 "std_db": r["excluded"]["std_db"]} for r in pooled]
        statistics_figure({"rows": rows}, self.figdir / "fig9_statistics.png")
        pmax_figure({**{d: self.rows[("base", d)] for d in PAPER_DISTRICTS}, "Tx anywhere (downtown + margin)": tx_dist},
                    self.figdir / "fig9_pmax_los.png")

    def fig10(self):
        from synthrm.analysis.figures import correlation_cdf_figure, tx_map_figure

        def rows_of(rs, concept="building"):
            return [{"district": r["district"], f"r_{concept}": r["excluded"]["r"]["exact"][concept]} for r in rs]

        near = rows_of(self.rows[("base", "downtown")] + self.rows[("base", "margin")])
        far = rows_of(self.rows[("tx", "anywhere in the district (seed Fig. 8)", "downtown")] +
                      self.rows[("tx", "anywhere in the district (seed Fig. 8)", "margin")])
        correlation_cdf_figure({"rows": near}, self.figdir / "fig10_cdf_near.png", concepts=("building",))
        correlation_cdf_figure({"rows": far}, self.figdir / "fig10_cdf_district.png", concepts=("building",))
        for name, key in (("near", ("base", "downtown")),
                          ("district", ("tx", "anywhere in the district (seed Fig. 8)", "downtown"))):
            rs = self.rows[key]
            res = {"rows": [{"dataset": r["dataset"], "scene_id": r["scene_id"], "tx_position": r["tx_position"],
                             "mean_db": r["excluded"]["mean_db"]} for r in rs]}
            root = self.base["downtown"] if name == "near" else self.tx_data[(key[1], "downtown")]
            tx_map_figure(root, res, self.figdir / f"fig8_tx_{name}.png")

    # ---- item 4: the seed's setting as a preset
    def preset(self):
        """Data made with the ``seed-downtown`` / ``seed-margin`` presets (this page's ray
        budget), measured like the grid's rows."""
        from synthrm.analysis.sensitivity import measure_dataset, summarise_gap, summarise_pmax, summarise_r

        s = self.size
        rows = {}
        for i, d in enumerate(("downtown", "margin")):
            root = generate(city_config(f"seed-{d}", s["camera"], s["res"], self.seed("preset", i)),
                            self.work / f"preset-{d}")
            rows[d] = measure_dataset(root, degradations={}, rules=("excluded", "rays-only"))
        pooled = rows["downtown"] + rows["margin"]
        self.res["preset"] = {
            "downtown": summarise_r(rows["downtown"]), "margin": summarise_r(rows["margin"]),
            "gap": summarise_gap(rows["downtown"], rows["margin"]), "pmax": summarise_pmax(pooled),
            "pmax_by_district": {d: summarise_pmax(rows[d]) for d in rows},
            "share_ge_0p8_downtown": share_ge(rows["downtown"], "building", "excluded", "exact", 0.8)}
        self.res["commands"]["preset"] = (f"synthrm generate --preset seed-downtown --frames {s['camera']} "
                                          f"--resolution {s['res'][0]}x{s['res'][1]} --samples-per-tx 1000000 "
                                          f"--seed {self.seed('preset')} --out data/seed-downtown")

    # ---- Figure 11
    def fig11(self):
        """Figure 11 on ``size["canyon_drives"]`` drives of ``size["canyon"]`` frames, each
        drive in a downtown city of its own; per variant the canyon contrast (upper - street
        level facades) and the seed's second claim (:func:`synthrm.analysis.canyon.nlos_facade_share`),
        with 95 % intervals over drives (over frames when there is one drive)."""
        from synthrm.analysis.canyon import canyon_figure
        from synthrm.config import make_config

        s = self.size
        drives = s.get("canyon_drives", 1)
        over = {"frames": s["canyon"] * drives, "frames_per_scene": s["canyon"], "seed": self.seed("canyon"),
                "camera": {"resolution": list(s["canyon_res"])}}
        base = generate(make_config("canyon-drive", over), self.work / "canyon")
        self.res["commands"]["fig11"] = (f"synthrm generate --preset canyon-drive --frames {s['canyon'] * drives} "
                                         + (f"--set frames_per_scene={s['canyon']} " if drives > 1 else "")
                                         + f"--resolution {s['canyon_res'][0]}x{s['canyon_res'][1]} "
                                         f"--seed {self.seed('canyon')} --out data/canyon")
        out = {}
        for k, (name, (gen_over, radio)) in enumerate(CANYON_VARIANTS.items()):
            if gen_over:
                from synthrm.config import merge_config

                root = generate(make_config("canyon-drive", merge_config(over, gen_over)), self.work / f"canyon-v{k}")
            elif radio:
                root = relabel(base, self.work / f"canyon-v{k}", radio)
            else:
                root = base
            frames = canyon_frames(root)
            if k == 0:
                first = [f for f in frames if f["drive"] == frames[0]["drive"]]
                canyon_figure(first, [f"frame {f['sample']}" for f in first],
                              self.figdir / "fig11_height_profiles.png")
                self.canyon_strip(root, [f["sample"] for f in first])
            for f in frames:
                f.pop("points")
            out[name] = {"frames": frames, "summary": canyon_summary(frames)}
        self.res["fig11"] = out

    def canyon_strip(self, root: Path, ids: list[str]) -> None:
        """RGB and path gain of up to six frames of ``ids`` (one drive), evenly spaced."""
        from synthrm.figures import pyplot, save_figure
        from synthrm.dataset.hdf5 import read_sample

        plt = pyplot()
        pick = ids if len(ids) <= 6 else [ids[int(round(i))] for i in np.linspace(0, len(ids) - 1, 6)]
        ss = [read_sample(root, sid, ["rgb", "path_gain_db"]) for sid in pick]
        vals = np.concatenate([x["path_gain_db"][0][np.isfinite(x["path_gain_db"][0])] for x in ss])
        lo, hi = np.percentile(vals, [2, 99.5])
        fig, ax = plt.subplots(2, len(ss), figsize=(2.7 * len(ss), 4.3), squeeze=False)
        for j, (sid, x) in enumerate(zip(pick, ss)):
            ax[0, j].imshow(x["rgb"])
            im = ax[1, j].imshow(x["path_gain_db"][0], vmin=lo, vmax=hi, cmap="viridis")
            ax[0, j].set_title(f"frame {sid}", fontsize=8)
            for a in ax[:, j]:
                a.axis("off")
        fig.colorbar(im, ax=ax[1, -1], fraction=0.05, label="path gain [dB]")
        save_figure(fig, self.figdir / "fig11_frames.png")

    # ---- learning
    def learning(self):
        import torch

        from synthrm.config import make_indoor_config
        from synthrm.models.config import TrainConfig
        from synthrm.generate.indoor import generate_indoor
        from synthrm.models.evaluate import evaluate
        from synthrm.models.train import train

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        lr = {"outdoor": {}, "indoor": None, "source": "small runs of this script"}
        runs = self.work / "runs"
        if self.a.learning_runs:
            found = sorted(p for p in Path(self.a.learning_runs).iterdir() if (p / "evaluation.json").is_file())
            seeds = sorted({_train_config(p).get("seed", 0) for p in found if (p / "run.json").is_file()})
            lr["source"] = (f"the runs in {os.path.relpath(self.a.learning_runs)} (benchmarks/learning_protocol.sh"
                            + (f"; training seed {', '.join(map(str, seeds))}" if seeds != [0] else "") + ")")
            from synthrm.models.registry import MODELS

            roles = table_roles(found)
            lr["roles"] = {run.name: role for run, role in roles.items()}
            for run in found:
                if run not in roles:
                    continue  # learning-curve points and ablations: docs/learning.md has them
                ev = json.loads((run / "evaluation.json").read_text())
                indoor = MODELS.get(ev["model"], "model").kind == "indoor"
                for r in ev["data"].values():
                    if Path(r.get("path", "")).is_dir():
                        # Table III shows SenseRay-3D's three splits, our other models' val and test
                        splits = [s for s in present_splits(r["path"])
                                  if ev["model"] == "senseray3d" or s != "train"] if indoor else None
                        evaluate(run, r["path"], splits=splits, progress=False)
                ev = json.loads((run / "evaluation.json").read_text())
                if ev["model"] == "senseray3d":  # the seed's Table III model
                    lr["indoor"] = {"run": str(run), "eval": ev, "log": _log(run), "train_entries": _n_examples(run)}
                elif indoor:  # other indoor models (the floor-plan U-Net), kept beside it
                    lr.setdefault("indoor_other", {})[run.name] = {"run": str(run), "eval": ev, "log": _log(run)}
                else:
                    lr["outdoor"][run.name] = {"run": str(run), "eval": ev, "log": _log(run), "role": roles[run],
                                               "epochs": _train_config(run).get("epochs")}
                    if roles[run] == "seed" and ev["model"] == "radiounet-s":  # Table 2's normalisation block
                        lr["outdoor"][run.name]["normalisation"] = self.normalisation(run)
            # the seed's RadioUNet-S first: Table 2's baselines and normalisation read the first run
            lr["outdoor"] = dict(sorted(lr["outdoor"].items(), key=lambda kv: (
                kv[1]["role"] != "seed", kv[1]["eval"]["model"] != "radiounet-s", kv[0])))
            # a refresh from runs of one part (say, a rerun's SenseRay-3D alone) keeps the others
            self.res["learning"] = merge_learning(self.res.get("learning"), lr)
            return
        s = self.size
        run = runs / "radiounet-s"
        cfg = TrainConfig(model="radiounet-s", width=16, epochs=s["epochs"], restart_epochs=s["epochs"],
                          patience=s["epochs"], seed=self.seed("training"))
        train(cfg, self.train_mix, run, resume=(run / "last.pt").exists(), progress=False, log=lambda m: None)
        for d in PAPER_DISTRICTS:
            evaluate(run, self.base[d], progress=False)
        ev = json.loads((run / "evaluation.json").read_text())
        lr["outdoor"]["radiounet-s"] = {"run": str(run), "eval": ev, "log": _log(run),
                                        "normalisation": self.normalisation(run)}
        over = {k: v for k, v in s["indoor"].items()}
        over.update({"seed": self.seed("indoor"), "voxel_size_m": 0.2})
        icfg = make_indoor_config("indoor-apartment", over)
        ind = self.work / "indoor"
        generate_indoor(icfg, ind, progress=False, log=lambda m: None)
        irun = runs / "senseray3d"
        tcfg = TrainConfig(model="senseray3d", width=12, epochs=s["indoor_epochs"], restart_epochs=s["indoor_epochs"],
                           patience=s["indoor_epochs"], batch_size=2, seed=self.seed("training"))
        train(tcfg, ind, irun, resume=(irun / "last.pt").exists(), progress=False, log=lambda m: None)
        evaluate(irun, ind, splits=present_splits(ind), progress=False)
        lr["indoor"] = {"run": str(irun), "eval": json.loads((irun / "evaluation.json").read_text()), "log": _log(irun),
                        "train_entries": _n_examples(irun),
                        "config": {"scenes": icfg.scenes, "tx_per_scene": icfg.tx_per_scene,
                                   "voxel_size_m": icfg.voxel_size_m, "area_m2": list(icfg.apartment.area_m2)}}
        self.res["learning"] = lr

    def normalisation(self, run: Path) -> dict:
        """Why Table 2's numbers differ: our RadioUNet-S predictions scored (a) under other
        normalisations of the maps (the fixed -160..-40 dB range, ours; min-max per map; a
        fixed range whose lower end makes the truth's RMS equal to what the seed's PSNR and
        NMSE imply, sqrt(MSE / NMSE)) and (b) on the Monte Carlo labels only (provenance
        1-2); the free-space error of the labels by provenance; and the seed-style SSIM
        (``ssim_image``: whole image, per-map min-max, unlabelled pixels at 0). On the test
        sets the run was evaluated on (its ``evaluation.json``: the same predictions as Table
        2's rows), else on this script's own district data."""
        from synthrm.metrics import radio_metrics, ssim_image
        from synthrm.models.data import OutdoorExamples
        from synthrm.models.evaluate import outdoor_predictions
        from synthrm.models.train import load_model
        from synthrm.radio.physics import fspl_db

        model, meta = load_model(run)
        lo, hi = meta["range_db"]
        mse = 10 ** (-SEED_TABLE2["radiounet-s"]["mix"][2] / 10)
        seed_rms = float(np.sqrt(mse / SEED_TABLE2["radiounet-s"]["mix"][0]))
        out = {"seed_truth_rms_mix": seed_rms}
        ev = json.loads((run / "evaluation.json").read_text()) if (run / "evaluation.json").is_file() else {}
        tested = {grp: r["path"] for r in ev.get("data", {}).values() for grp in r["groups"]
                  if grp in PAPER_DISTRICTS and Path(r.get("path", "")).is_dir()}
        for d in PAPER_DISTRICTS:
            root = Path(tested[d]) if d in tested else self.base[d]
            ds = OutdoorExamples(root, inputs=meta["inputs"], range_db=(lo, hi))
            pred, _ = outdoor_predictions(model, ds, (lo, hi))
            truth = np.stack([it.path_gain_db for it in ds.items]).astype(np.float64)
            src = np.stack([it.source for it in ds.items])
            dist = np.stack([it.distance_m for it in ds.items]).astype(np.float64)
            valid = np.isfinite(truth)
            rays = valid & np.isin(src, (1, 2))

            def norm(x, a, b):
                return np.clip((x - a) / (b - a), 0, 1)

            # the lower end of a fixed range (upper end -40 dB) at which the truth's RMS is the seed's
            a_lo, a_hi = -160.0, hi - 1.0
            for _ in range(60):
                mid = (a_lo + a_hi) / 2
                rms = np.sqrt(np.mean(norm(truth[valid], mid, hi) ** 2))
                a_lo, a_hi = (mid, a_hi) if rms > seed_rms else (a_lo, mid)
            implied = (a_lo + a_hi) / 2
            tmin = np.nanmin(np.where(valid, truth, np.inf), axis=(1, 2), keepdims=True)
            tmax = np.nanmax(np.where(valid, truth, -np.inf), axis=(1, 2), keepdims=True)
            span = np.maximum(tmax - tmin, 1e-6)
            cases = {"fixed -160..-40 dB (ours)": (norm(pred, lo, hi), norm(truth, lo, hi), valid),
                     "fixed -160..-40 dB, Monte Carlo labels only (1-2)": (norm(pred, lo, hi), norm(truth, lo, hi), rays),
                     "min-max per map": (np.clip((pred - tmin) / span, 0, 1), np.clip((truth - tmin) / span, 0, 1),
                                         valid),
                     f"fixed {implied:.0f}..-40 dB (truth RMS = the seed's)": (norm(pred, implied, hi),
                                                                             norm(truth, implied, hi), valid)}
            res = {}
            for name, (p_, t_, v_) in cases.items():
                m = radio_metrics(p_, t_, v_, range_db=(0.0, 1.0))
                res[name] = {"nmse": m["nmse"], "mae": m["mae_db"], "psnr_db": m["psnr_db"], "ssim": m.get("ssim"),
                             "truth_rms": float(np.sqrt(np.mean(t_[v_] ** 2))),
                             "mae_db": float(np.mean(np.abs(pred - truth)[v_]))}
            res["implied_low_db"] = float(implied)
            # SSIM the way the seed most plausibly computed it (synthrm.metrics.ssim_image),
            # on the same predictions as Table 2's row of this model and district
            res["ssim_image"] = ssim_image(pred, truth, valid)
            ok = valid & np.isfinite(dist)
            fr = np.abs(-fspl_db(np.maximum(np.where(ok, dist, 1.0), 0.01), 3.5e9) - truth)
            res["friis_mae_db_by_source"] = {int(k): {"mae_db": float(fr[ok & (src == k)].mean()),
                                                      "share": float((ok & (src == k)).sum() / ok.sum())}
                                             for k in (1, 2, 3, 4) if (ok & (src == k)).any()}
            out[d] = res
        return out


def canyon_frames(root: Path) -> list[dict]:
    """:func:`synthrm.analysis.canyon.canyon_frame` of every frame of a ``canyon-drive``
    dataset (each scene one drive in a city of its own), with the sample id, its ``drive``
    (scene), the canyon contrast on the Monte Carlo labels alone and the seed's second
    claim (``nlos_facades``: :func:`synthrm.analysis.canyon.nlos_facade_share`)."""
    from synthrm.analysis.canyon import canyon_frame, nlos_facade_share
    from synthrm.analysis.geometry import height_map
    from synthrm.analysis.sensitivity import counted_values
    from synthrm.dataset.hdf5 import list_samples, read_sample
    from synthrm.scene.layout import Layout

    scenes, frames = {}, []
    for _, sid in list_samples(root):
        smp = read_sample(root, sid)
        scene = smp["attrs"]["scene_id"]
        if scene not in scenes:
            lay = Layout.load(root / "scenes" / scene)
            scenes[scene] = (lay, height_map(lay))
        lay, hmap = scenes[scene]
        fr = canyon_frame(smp, lay, hmap)
        rays = canyon_frame(smp, lay, hmap, pixel_values=counted_values(
            smp["path_gain_db"][0], smp["path_gain_source"][0], smp["semantic"], "rays-only"))
        fr["rays_only_contrast_db"] = rays["canyon"]["contrast_db"]
        fr["nlos_facades"] = nlos_facade_share(smp, hmap)
        fr["sample"], fr["drive"] = sid, scene
        frames.append(fr)
    return frames


def canyon_summary(frames: list[dict]) -> dict:
    """Fig. 11 over the frames of :func:`canyon_frames`: the canyon contrasts over the frames
    with the Tx in the canyon, the LoS shares, and the share of NLoS facade pixels with
    significant gain (``nlos_share``, pooled over every frame, and ``nlos_share_by_mechanism``);
    95 % intervals over drives, each keeping all its frames (over frames with one drive;
    ``bootstrap_over`` says which)."""
    from synthrm.analysis.canyon import pooled_share
    from synthrm.analysis.sensitivity import frame_bootstrap

    drives = list(dict.fromkeys(f.get("drive") for f in frames))
    by_drive = len(drives) > 1

    def groups(fs, get):
        if not by_drive:
            return [[get(f)] for f in fs]
        return [[get(f) for f in fs if f.get("drive") == d] for d in drives]

    inc = [f for f in frames if f["tx_in_canyon"]]
    summ = {}
    for key in ("contrast_db", "friis_contrast_db"):
        summ[key] = dict(zip(("mean", "lo", "hi"), frame_bootstrap(groups(inc, lambda f, key=key: f["canyon"][key]))))
    summ["rays_only_contrast_db"] = dict(zip(("mean", "lo", "hi"), frame_bootstrap(
        groups(inc, lambda f: f["rays_only_contrast_db"]))))
    summ["other_contrast_db"] = dict(zip(("mean", "lo", "hi"), frame_bootstrap(
        groups(inc, lambda f: f["other"]["contrast_db"]))))
    for band in ("street", "upper"):
        v = [f["canyon"][band]["los_share"] for f in inc if f["canyon"][band]["los_share"] is not None]
        summ[f"los_share_{band}"] = float(np.mean(v)) if v else None
    summ["frames_in_canyon"] = len(inc)
    summ["frames_10db"] = sum(1 for f in inc if (f["canyon"]["contrast_db"] or -99) >= 10)
    summ["drives"] = len(drives)
    summ["bootstrap_over"] = "drives" if by_drive else "frames"
    nl = [f["nlos_facades"] for f in frames if f.get("nlos_facades")]
    if nl:
        ok = lambda q: q["reference_db"] is not None  # noqa: E731 (a map without LoS facades has no reference)
        summ["nlos_share"] = pooled_share(groups(frames, lambda f: (f["nlos_facades"]["within"], f["nlos_facades"][
            "nlos_pixels"] if ok(f["nlos_facades"]) else 0)))
        summ["nlos_share"]["within_db"] = nl[0]["within_db"]
        mechs = list(dict.fromkeys(m for q in nl for m in q["by_mechanism"]))
        summ["nlos_share_by_mechanism"] = {m: pooled_share(groups(frames, lambda f, m=m: (
            f["nlos_facades"]["by_mechanism"].get(m, {}).get("within", 0),
            f["nlos_facades"]["by_mechanism"].get(m, {}).get("pixels", 0) if ok(f["nlos_facades"]) else 0)))
            for m in mechs}
    return summ


def present_splits(root) -> list[str]:
    from synthrm.dataset.hdf5 import read_index

    have = set(read_index(root).get("splits", {}).values())
    return [s for s in ("train", "val", "test") if s in have]


def table_roles(runs: list[Path]) -> dict[Path, str]:
    """Which learning runs the page's Table 2 / Table III show, and as what: ``seed``, for each
    outdoor model of the seed (``SEED_TABLE2``), its run trained the seed's way (RGB + Tx, MSE,
    no augmentation or weighting, all of the training frames) with the lowest validation MAE
    (of, say, 15 epochs and until validation flattens: never chosen on test); ``ours``, the
    other full-share outdoor run with the lowest validation MAE; ``indoor``, every indoor run
    on all training apartments. Learning-curve points (``train_fraction`` < 1), ensembles and
    the other ablations stay in ``docs/learning.md``."""
    from synthrm.models.registry import MODELS

    roles, best = {}, {}  # best: (role, model) -> (validation MAE [dB], run)
    for run in runs:
        meta = json.loads((run / "run.json").read_text()) if (run / "run.json").is_file() else {}
        tc = meta.get("train_config", {})
        if float(tc.get("train_fraction", 1.0)) < 1 or meta.get("model") == "ensemble":
            continue  # a learning-curve point, an ensemble of runs (synthrm ensemble): docs/learning.md
        model = tc.get("model") or meta.get("model")
        if MODELS.get(model, "model").kind == "indoor":
            roles[run] = "indoor"
            continue
        seed_way = model in SEED_TABLE2 and tc.get("inputs", "rgb") == "rgb" and tc.get("loss", "mse") == "mse" and \
            tc.get("augment", "none") == "none" and tc.get("label_weighting", "none") == "none"
        key = ("seed", model) if seed_way else ("ours", None)
        val = min((h["val_mae_db"] for h in _log(run)), default=float("inf"))
        if key not in best or val < best[key][0]:
            best[key] = (val, run)
    for (role, _), (_, run) in best.items():
        roles[run] = role
    return roles


#: The parts of the learning rows that ``--learning-runs`` fills, and what each is on the page.
LEARNING_PARTS = {"outdoor": "Table 2", "indoor": "Table III, SenseRay-3D", "indoor_other": "Table III, ours"}


def merge_learning(prev: dict | None, new: dict) -> dict:
    """The learning rows after ``--learning-runs`` (``new``) over the saved ones (``prev``):
    a part the new runs fill replaces the saved one (Table 2's outdoor runs, whose roles are
    chosen among themselves; SenseRay-3D), a part they lack is kept, and our other indoor
    models are merged by run name (a new run replaces a saved one of its name). So a rerun's
    SenseRay-3D alone, or a folder of new floor-plan runs, refreshes its rows and leaves the
    rest. ``source`` names each part's runs when they differ (``sources``: part -> runs)."""
    if not prev or prev.get("source") == "small runs of this script":
        return {**new, "sources": {k: new["source"] for k in LEARNING_PARTS if new.get(k)}}
    psrc = prev.get("sources") or {k: prev["source"] for k in LEARNING_PARTS if prev.get(k)}
    out, sources = dict(new), {}
    for k in ("outdoor", "indoor"):
        if new.get(k):
            sources[k] = new["source"]
        elif prev.get(k):
            out[k], sources[k] = prev[k], psrc.get(k, prev["source"])
    old_other, new_other = prev.get("indoor_other") or {}, new.get("indoor_other") or {}
    if old_other or new_other:
        out["indoor_other"] = {**old_other, **new_other}
        srcs = ([psrc.get("indoor_other", prev["source"])] if set(old_other) - set(new_other) else []) + \
            ([new["source"]] if new_other else [])
        sources["indoor_other"] = " and ".join(dict.fromkeys(srcs))
    dropped = set(prev.get("outdoor") or {}) if new.get("outdoor") else set()
    out["roles"] = {**{n: r for n, r in (prev.get("roles") or {}).items() if n not in dropped},
                    **(new.get("roles") or {})}
    out["sources"] = sources
    by = dict.fromkeys(sources.values())
    out["source"] = next(iter(by)) if len(by) == 1 else "; ".join(
        f"{', '.join(LEARNING_PARTS[k] for k in sources if sources[k] == v)}: {v}" for v in by)
    return out


def _train_config(run: Path) -> dict:
    """A run's ``train_config`` (its ``run.json``), {} when it has none."""
    p = run / "run.json"
    return json.loads(p.read_text()).get("train_config", {}) if p.is_file() else {}


def _log(run: Path) -> list:
    p = run / "log.json"
    return json.loads(p.read_text()) if p.is_file() else []


def _n_examples(run: Path) -> int | None:
    """Training examples of a run (its ``run.json``), None when it does not say."""
    p = run / "run.json"
    return len(json.loads(p.read_text()).get("train_examples", [])) if p.is_file() else None


def share_ge(rows, concept, rule, masks, thr) -> float | None:
    v = [r[rule]["r"].get(masks, {}).get(concept) for r in rows]
    v = [x for x in v if x is not None]
    return float(np.mean(np.array(v) >= thr)) if v else None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few frames (minutes)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the frame counts (4: the full size)")
    ap.add_argument("--work", default="repro_work", help="folder of the generated data and runs (resumable)")
    ap.add_argument("--out", default=str(HERE.parent / "docs" / "reproduction.md"))
    ap.add_argument("--reference", default=str(DEFAULT_REFERENCE),
                    help="seed-budget reference frames (../shared/radio-reference); the row is skipped without it")
    ap.add_argument("--learning-runs", help="take Table 2 / Table III from these runs (learning_protocol.sh's runs/)")
    ap.add_argument("--skip-learning", action="store_true", help="leave the learning rows out")
    ap.add_argument("--doc-only", action="store_true",
                    help="rewrite --out from the results.json next to it (no new measurement)")
    ap.add_argument("--seed-offset", type=int, default=0,
                    help="add K (0, or >= 100) to the seed of every generated dataset and training run: an "
                         "independent rerun (use its own --work and --out)")
    ap.add_argument("--rerun", metavar="RESULTS_JSON",
                    help="results.json of an independent run (another --seed-offset): every estimate is paired with "
                         "it and a verdict is printed only when both runs hold it")
    ap.add_argument("--refresh-learning", action="store_true",
                    help="recompute only the learning rows from the finished runs and data in --work (evaluation, "
                         "no training), merge them into the saved results and rewrite --out")
    ap.add_argument("--refresh-rerun-learning", metavar="RUNS",
                    help="recompute the learning rows of the independent rerun kept in --out's results.json from "
                         "its runs in RUNS (learning_protocol.sh with the rerun's SEED_OFFSET; they replace the "
                         "parts RUNS has runs for), pair the estimates again and rewrite --out")
    ap.add_argument("--refresh-grid", action="store_true",
                    help="measure the datasets in --work again (generation resumes: only a removed dataset is made "
                         "again) and recompute Table 3, the experiment grid, the combination, the preset and "
                         "Figures 9 and 10 (not the budget rows, Figure 11 or learning), merge them into the saved "
                         "results and rewrite --out")
    a = ap.parse_args(argv)
    if not a.scale > 0:
        raise SystemExit("--scale: must be > 0")
    try:
        data_seed("base", a.seed_offset)
    except ValueError as e:
        raise SystemExit(f"--seed-offset: {str(e).split(': ', 1)[1]}") from None
    rerun = load_rerun(a.rerun) if a.rerun else None
    from reproduce_doc import write_doc

    if a.doc_only:
        res, figdir = saved_results(a.out, "write the page from", "--doc-only")
        if rerun is not None:
            res["rerun"] = attach_rerun(res, rerun, a.rerun)
        write_doc(res, Path(a.out), figdir)
        log(f"wrote {a.out} from {figdir / 'results.json'}")
        return

    if a.refresh_rerun_learning:
        refresh_rerun_learning(a)
        return

    if a.refresh_learning or a.refresh_grid:
        what = "learning" if a.refresh_learning else "grid"
        if a.refresh_learning and a.refresh_grid:
            raise SystemExit("--refresh-learning and --refresh-grid: give one at a time")
        saved, _ = saved_results(a.out, "refresh", f"--refresh-{what}")
        r = Repro(a)
        r.res = saved
        r.size = r.res["size"]
        r.offset = r.res.get("seed_offset", 0)  # the run's own seeds, whatever --seed-offset says
        r.base = {d: r.work / f"base-{d}" for d in PAPER_DISTRICTS}
        r.train_mix = r.work / "train-mix"
        t = time.perf_counter()
        if a.refresh_grid:  # the same data (generation resumes), measured again
            r.base_data()
            r.segmenter()
            r.measure()
            r.table3()
            r.grid()
            r.combination()
            r.preset()
            r.fig9()
            r.fig10()
        else:
            r.learning()
        r.res.setdefault("refreshed", {})[what] = round(time.perf_counter() - t, 1)
        r.res = portable(r.res)
        if rerun is not None:
            r.res["rerun"] = attach_rerun(r.res, rerun, a.rerun)
        write_doc(r.res, r.out, r.figdir)
        log(f"refreshed the {what} rows of {r.out}")
        return
    r = Repro(a)
    cmd = "python benchmarks/reproduce.py" + (" --quick" if a.quick else "") + \
        (f" --scale {a.scale:g}" if a.scale != 1 else "") + (" --skip-learning" if a.skip_learning else "") + \
        (f" --learning-runs {a.learning_runs}" if a.learning_runs else "") + \
        (f" --seed-offset {a.seed_offset}" if a.seed_offset else "")
    r.res["commands"]["reproduce"] = cmd
    r.timed("data", r.base_data)
    r.timed("segmenter", r.segmenter)
    r.timed("measure", r.measure)
    r.timed("budget", r.budget)
    r.table3()
    r.grid()
    r.timed("combination", r.combination)
    r.timed("preset", r.preset)
    r.fig9()
    r.fig10()
    r.timed("fig11", r.fig11)
    if not a.skip_learning:
        r.timed("learning", r.learning)
    r.res["seconds"]["total"] = round(time.perf_counter() - r.t0, 1)
    prev_p = r.figdir / "results.json"
    if prev_p.is_file():  # an earlier pass of the same command on the same --work: keep its timings
        prev = json.loads(prev_p.read_text())
        if prev.get("size") == json.loads(json.dumps(r.size)) and prev.get("commands", {}).get("reproduce") == cmd:
            r.res["previous_runs"] = prev.get("previous_runs", []) + [{"seconds": prev["seconds"]}]
    r.res["budget"] = summarise_budget(r.budget_rows)
    r.res["reference_folder"] = str(a.reference) if Path(a.reference).is_dir() else None
    r.res = portable(r.res)
    if rerun is not None:
        r.res["rerun"] = attach_rerun(r.res, rerun, a.rerun)
    write_doc(r.res, r.out, r.figdir)
    log(f"wrote {r.out} in {r.res['seconds']['total']:.0f} s")


def saved_results(out: str, to: str, flag: str) -> tuple[dict, Path]:
    """The results saved beside the page ``out`` (``<page folder>/<page stem>/results.json``)
    and that folder; SystemExit naming ``flag`` when there are none to ``to``."""
    figdir = Path(out).parent / Path(out).stem
    p = figdir / "results.json"
    if not p.is_file():
        raise SystemExit(f"{p}: no results to {to}; run without {flag} first")
    return json.loads(p.read_text()), figdir


def refresh_rerun_learning(a) -> None:
    """``--refresh-rerun-learning RUNS``: the learning rows of the rerun kept in the page's
    results (its slimmed copy, all its verdicts read) recomputed from the rerun's runs in
    RUNS and merged (:func:`merge_learning`), the estimates paired again, the page
    rewritten. No copy of the rerun's own results folder is needed: a fresh clone has only
    the page's."""
    from reproduce_doc import write_doc
    from reproduce_verdicts import rerun_summary

    out = Path(a.out)
    res, figdir = saved_results(a.out, "refresh", "--refresh-rerun-learning")
    if not res.get("rerun"):
        raise SystemExit(f"{figdir / 'results.json'}: no independent rerun attached; attach one first "
                         "(--doc-only --rerun OTHER/results.json)")
    if not Path(a.refresh_rerun_learning).is_dir():
        raise SystemExit(f"--refresh-rerun-learning: {a.refresh_rerun_learning}: no such folder of runs")
    a.learning_runs = a.refresh_rerun_learning
    r = Repro(a)
    r.res = res["rerun"]["results"]
    r.size, r.offset = r.res["size"], r.res.get("seed_offset", 0)
    t = time.perf_counter()
    r.learning()
    r.res.setdefault("refreshed", {})["learning"] = round(time.perf_counter() - t, 1)
    full = {k: v for k, v in res.items() if k != "rerun"}
    res["rerun"] = rerun_summary(full, portable(r.res), res["rerun"]["source"])
    write_doc(res, out, figdir)
    log(f"refreshed the rerun's learning rows of {out} from {a.refresh_rerun_learning}")


def load_rerun(path: str) -> dict:
    """The results of an independent run (``--rerun``)."""
    p = Path(path)
    if not p.is_file():
        raise SystemExit(f"--rerun: {p}: no such file (the results.json next to the other run's page)")
    try:
        return json.loads(p.read_text())
    except ValueError as e:
        raise SystemExit(f"--rerun: {p}: not a results file ({e})") from None


def attach_rerun(res: dict, rerun: dict, path: str) -> dict:
    """The ``rerun`` entry of ``res``: the agreement of every estimate with the independent
    run ``rerun`` (``reproduce_verdicts.rerun_summary``); refused when both used the same seeds."""
    from reproduce_verdicts import rerun_summary

    if rerun.get("seed_offset", 0) == res.get("seed_offset", 0):
        raise SystemExit(f"--rerun: {path} was made with the same seeds as this run (seed offset "
                         f"{res.get('seed_offset', 0)}); make it with another --seed-offset")
    return rerun_summary(res, rerun, os.path.relpath(path))


#: Keys of the results whose values are folders or files: stored relative to the working
#: directory, so that results.json names no folder of the machine it ran on.
PATH_KEYS = ("path", "run", "root", "reference_folder")


def portable(obj):
    """``obj`` with every absolute path under :data:`PATH_KEYS` made relative to the
    working directory."""
    if isinstance(obj, dict):
        return {k: (os.path.relpath(v) if k in PATH_KEYS and isinstance(v, str) and os.path.isabs(v) else portable(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [portable(v) for v in obj]
    return obj


def summarise_budget(b: dict) -> dict:
    from synthrm.analysis.sensitivity import summarise_pmax, summarise_r

    out = {"downtown": {"frames": b["downtown"]["frames"]}, "reference": None}
    base = b["downtown"]["CPU default (5e6-2e7 rays)"]
    for k, rows in b["downtown"].items():
        if k == "frames":
            continue
        out["downtown"][k] = {"r": summarise_r(rows), "r_rays": summarise_r(rows, rule="rays-only"),
                              "pmax": summarise_pmax(rows), **paired(rows, base)}
    if b["reference"]:
        out["reference"] = {}
        for d, v in b["reference"].items():
            ref = v["rows"]["seed budget (2^31 or 2e8 rays)"]
            out["reference"][d] = {"frames": v["frames"], "rays": v["rays"], "sets": {}}
            for k, rows in v["rows"].items():
                out["reference"][d]["sets"][k] = {"r": summarise_r(rows), "r_rays": summarise_r(rows, rule="rays-only"),
                                                  **paired(rows, ref)}
    return out


def paired(rows: list[dict], ref: list[dict]) -> dict:
    """Per-map differences against the same maps of ``ref``: mean r_building difference
    and mean absolute Pmax difference. Maps are matched by sample id and Tx (a relabelled
    dataset keeps the sample ids; its rows' ``frame`` names its own folder)."""
    def ident(r):
        return r.get("sample", r["frame"]), r["tx"]

    key = {ident(r): r for r in ref}
    dr, dp = [], []
    for r in rows:
        q = key.get(ident(r))
        if q is None:
            continue
        a, b = r["excluded"]["r"]["exact"]["building"], q["excluded"]["r"]["exact"]["building"]
        if a is not None and b is not None:
            dr.append(a - b)
        if r["excluded"]["pmax_db"] is not None and q["excluded"]["pmax_db"] is not None:
            dp.append(abs(r["excluded"]["pmax_db"] - q["excluded"]["pmax_db"]))
    return {"mean_r_diff": float(np.mean(dr)) if dr else None, "mean_abs_r_diff": float(np.mean(np.abs(dr))) if dr
            else None, "mean_abs_pmax_diff_db": float(np.mean(dp)) if dp else None, "paired_maps": len(dr)}


if __name__ == "__main__":
    main()
