"""The SynthRM paper's statistics under the choices a measurement makes silently: which pixels
count, which masks, and how sure the mean is (``benchmarks/reproduce.py``,
``docs/reproduction.md``).

The SynthRM paper reports point-biserial r of concept masks with path gain (Table 3,
Figure 10) and the distribution of each map's maximum Pmax (Figure 9), without saying
what a pixel without a value counts as. A ray tracer's map has three kinds of pixels
without a ray-traced value: sky (no surface), surfaces no ray reached (no value, or a
value filled in afterwards), and, with synthrm's labels, filled values (provenance 3-4).
:data:`PIXEL_RULES` names the choices; :func:`counted_values` applies one.

Confidence intervals are over frames (:func:`frame_bootstrap`): the maps of one frame
share a camera view and are not independent, so frames are resampled, not maps.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from synthrm.analysis.correlation import point_biserial, semantic_masks
from synthrm.analysis.stats import signal_stats
from synthrm.radio.labels import MECH_DIFFRACTION, MECH_LOS, MECH_MULTI_EDGE, MECH_NONE, MECH_REFLECTION, RAY_SOURCES
from synthrm.scene.classes import SEMANTIC_CLASSES, SEMANTIC_IDS, check_radio_materials

#: Value [dB] a pixel without a label counts as under the floored rules: the lower end of
#: the learning benchmark's normalisation range (``synthrm.metrics.DEFAULT_RANGE_DB``).
FLOOR_DB = -160.0

#: How pixels count (name -> meaning). ``excluded`` is synthrm's own rule
#: (``synthrm.analysis.concept_correlations``).
PIXEL_RULES: dict[str, str] = {
    "excluded": "all labels (provenance 1-4); sky and pixels without a value left out (synthrm's rule)",
    "rays-only": "Monte Carlo labels only (provenance 1-2); filled labels, sky and the rest left out",
    "floored": f"all labels; non-sky pixels without a value at {FLOOR_DB:g} dB, sky left out",
    "rays-floored": f"Monte Carlo labels; filled and missing non-sky pixels at {FLOOR_DB:g} dB, sky left out "
                    "(a ray tracer's map without any fill)",
    "sky-floored": f"all labels; every other pixel, sky included, at {FLOOR_DB:g} dB (the whole image as a map)",
}


def counted_values(path_gain_db: np.ndarray, source: np.ndarray | None, semantic: np.ndarray, rule: str,
                   floor_db: float = FLOOR_DB) -> np.ndarray:
    """(H, W) float64 values a statistic sees under pixel ``rule`` (:data:`PIXEL_RULES`);
    NaN where a pixel does not count. ``source`` None (labels without provenance, e.g.
    schema 2 or a reference map) counts every finite label as a Monte Carlo one."""
    if rule not in PIXEL_RULES:
        raise ValueError(f"unknown pixel rule {rule!r}; choose one of {list(PIXEL_RULES)}")
    pg = np.asarray(path_gain_db, np.float64)
    sky = np.asarray(semantic) == SEMANTIC_IDS["sky"]
    lab = np.isfinite(pg)
    if rule.startswith("rays") and source is not None:
        lab &= np.isin(source, RAY_SOURCES)
    v = np.where(lab, pg, np.nan)
    if rule in ("floored", "rays-floored"):
        v = np.where(~sky & ~lab, floor_db, v)
    elif rule == "sky-floored":
        v = np.where(lab, pg, floor_db)
    return v


#: Short names of the ``path_gain_mechanism`` codes (``synthrm.radio.labels``), the keys of
#: the per-mechanism statistics.
MECHANISM_KEYS: dict[int, str] = {MECH_NONE: "none", MECH_LOS: "los", MECH_REFLECTION: "reflection",
                                  MECH_DIFFRACTION: "diffraction", MECH_MULTI_EDGE: "multi-edge"}
#: Concepts whose r is computed per mechanism (:func:`r_by_mechanism`).
MECHANISM_CONCEPTS = ("building", "road", "roof")


def r_by_mechanism(values: np.ndarray, masks: dict[str, np.ndarray], mechanism: np.ndarray,
                   concepts=MECHANISM_CONCEPTS) -> dict[str, dict[str, float | None]]:
    """Point-biserial r of each of ``concepts`` (keys of ``masks``) with ``values`` over the
    counted pixels (finite ``values``) of each dominant mechanism separately: {mechanism key
    (:data:`MECHANISM_KEYS`): {concept: r or None}}, for the mechanisms present among the
    counted pixels."""
    v = np.asarray(values, np.float64)
    mech = np.asarray(mechanism)
    ok = np.isfinite(v)
    out = {}
    for code in np.unique(mech[ok]):
        sel = mech == code
        out[MECHANISM_KEYS.get(int(code), str(int(code)))] = {
            c: point_biserial(v, masks[c], valid=sel).r for c in concepts if c in masks}
    return out


def concept_masks(semantic: np.ndarray, material: np.ndarray | None = None,
                  radio_materials: dict | None = None) -> dict[str, np.ndarray]:
    """The seed's Table 3 concepts as (H, W) bool masks: ``road``, ``building`` (facades
    and windows: synthrm's concept), ``building+roof`` (a whole building, as an
    open-vocabulary segmenter prompted with "buildings" outlines it), ``roof``,
    ``pavement`` (roads and sidewalks: what such a segmenter may call "concrete") and
    ``concrete`` (from the material buffer when given, else the classes whose radio
    material is concrete under ``radio_materials``)."""
    m = semantic_masks(semantic, material)
    out = {k: m[k] for k in ("road", "building", "roof")}
    out["building+roof"] = out["building"] | out["roof"]
    out["pavement"] = out["road"] | m["sidewalk"]
    if material is not None:
        out["concrete"] = m.get("material:concrete", np.zeros(np.shape(semantic), bool))
    else:
        table = check_radio_materials(radio_materials or {})
        ids = [SEMANTIC_IDS[c] for c, mat in table.items() if mat == "concrete" and c in SEMANTIC_IDS]
        out["concrete"] = np.isin(semantic, ids)
    return out


def map_statistics(values: np.ndarray) -> dict:
    """The map's Pmax, mean and std [dB] (None without a value) and its counted pixels
    ``n``, over the finite entries of ``values``."""
    v = np.asarray(values, np.float64)
    n = int(np.isfinite(v).sum())
    st = signal_stats(v) if n else {}
    return {"n": n, "pmax_db": st.get("max_db"), "mean_db": st.get("mean_db"), "std_db": st.get("std_db")}


def degrade_mask(mask: np.ndarray, kind: str, amount: float, rng: np.random.Generator) -> np.ndarray:
    """A deliberately degraded copy of a (H, W) bool mask, the errors a segmenter makes:
    ``dilate`` / ``erode`` by ``amount`` pixels (outlines too fat or too thin), ``shift`` by
    ``amount`` pixels in a random direction (misregistration), ``flip`` a fraction
    ``amount`` of the pixels in 4x4 blocks (blotchy false positives and negatives)."""
    from scipy import ndimage

    m = np.asarray(mask, bool)
    k = int(round(amount))
    if kind in ("dilate", "erode"):
        if k <= 0:
            return m.copy()
        st = np.ones((2 * k + 1, 2 * k + 1), bool)
        return ndimage.binary_dilation(m, st) if kind == "dilate" else ndimage.binary_erosion(m, st, border_value=1)
    if kind == "shift":
        a = rng.uniform(0, 2 * np.pi)
        dy, dx = int(round(k * np.sin(a))), int(round(k * np.cos(a)))
        return ndimage.shift(m.astype(np.uint8), (dy, dx), order=0, mode="nearest").astype(bool)
    if kind == "flip":
        h, w = m.shape
        blocks = rng.random((-(-h // 4), -(-w // 4))) < amount
        return m ^ np.kron(blocks, np.ones((4, 4), bool))[:h, :w]
    raise ValueError(f"unknown degradation {kind!r}; choose dilate, erode, shift or flip")


def frame_bootstrap(per_frame: list, stat: Callable[[np.ndarray], float] = np.mean, n_boot: int = 1000,
                    seed: int = 0, level: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """(estimate, low, high): ``stat`` of all values, and its percentile confidence interval
    over frames (the frames resampled with replacement, each keeping all its values).
    ``per_frame`` holds one sequence of values per frame; None and NaN are dropped. An
    estimate or bound that ``stat`` cannot give (too few values) is None."""
    frames = [np.asarray([x for x in f if x is not None], np.float64) for f in per_frame]
    frames = [f[np.isfinite(f)] for f in frames]
    frames = [f for f in frames if f.size]

    def safe(x):
        try:
            return float(stat(x)) if x.size else None
        except ValueError:
            return None

    if not frames:
        return None, None, None
    est = safe(np.concatenate(frames))
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(n_boot):
        pick = rng.integers(len(frames), size=len(frames))
        s = safe(np.concatenate([frames[i] for i in pick]))
        if s is not None and np.isfinite(s):
            boot.append(s)
    if len(boot) < n_boot // 2:
        return est, None, None
    lo, hi = np.percentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return est, float(lo), float(hi)


def density_modes(x: np.ndarray, max_modes: int = 2, grid: int = 512) -> list[float]:
    """Locations of the highest local maxima of a Gaussian kernel density estimate of
    ``x`` (Scott's bandwidth), highest first; [] with fewer than 4 values."""
    from scipy.stats import gaussian_kde

    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    if x.size < 4 or np.ptp(x) == 0:
        return []
    g = np.linspace(x.min() - np.ptp(x) * 0.1, x.max() + np.ptp(x) * 0.1, grid)
    d = gaussian_kde(x)(g)
    peak = np.nonzero((d[1:-1] > d[:-2]) & (d[1:-1] >= d[2:]))[0] + 1
    peak = peak[np.argsort(-d[peak])][:max_modes]
    return [float(g[i]) for i in peak]


#: Deliberately degraded versions of the exact masks (name -> (kind, amount) of
#: :func:`degrade_mask`).
DEGRADATIONS: dict[str, tuple[str, float]] = {
    "exact, dilated 2 px": ("dilate", 2), "exact, shifted 4 px": ("shift", 4),
    "exact, 20 % of 4x4 blocks flipped": ("flip", 0.2),
}


def measure_dataset(root: str | Path, rules=tuple(PIXEL_RULES), segmenter=None,
                    degradations: dict | None = None, labels: dict | None = None, seed: int = 0,
                    controls: bool = False) -> list[dict]:
    """One row per (sample, transmitter) map of a city dataset with a value, with the
    statistics of :func:`map_statistics` and the r of every mask set under every pixel rule.

    Mask sets: ``exact`` (the semantic and material buffers), ``rgb-segmenter`` (the
    classes ``segmenter.predict`` finds in the RGB image, when given) and each of
    ``degradations`` (default :data:`DEGRADATIONS`) applied to the exact masks. ``labels``
    maps sample ids to ``(path_gain_db (T, H, W), path_gain_source or None)``, or with a
    third entry ``path_gain_mechanism`` (T, H, W) or None, used instead of the sample's own
    (e.g. reference labels at another ray budget); then only those samples are measured.

    A row holds ``dataset``, ``frame`` (dataset/sample: the bootstrap's cluster),
    ``sample``, ``tx``, ``district``, ``scene_id``, ``tx_position``, ``tx_context``,
    ``tx_visible`` (the seed's line of sight, "the Tx visible to the camera":
    :func:`synthrm.analysis.geometry.tx_visible_to_camera`), and per rule a dict with
    ``pmax_db``, ``mean_db``, ``std_db``, ``n``, ``pmax_los`` (the pixel holding Pmax is in
    the Tx's line of sight), ``pmax_class`` (its semantic class), ``pmax_mechanism`` (its
    dominant mechanism, :data:`MECHANISM_KEYS`; None for labels without one, schema < 4),
    ``r`` {mask set: {concept: r}} and ``r_by_mechanism`` (the exact masks' r per dominant
    mechanism, :func:`r_by_mechanism`; {} without mechanisms). With ``controls``, a row also
    holds ``controls``: the distance and line-of-sight controls of the exact masks under the
    ``excluded`` rule (or the first of ``rules``), :func:`synthrm.analysis.controls.concept_controls`
    (each pixel's geometric line of sight from the scene's height map, its free-space
    residual at the sample's ``frequency_hz``, default 3.5 GHz), and ``controls_rule``.
    """
    from synthrm.analysis.controls import concept_controls, free_space_residual, pixel_line_of_sight
    from synthrm.analysis.geometry import height_map, line_of_sight, tx_context, tx_visible_to_camera
    from synthrm.dataset.hdf5 import list_samples, read_index, read_sample
    from synthrm.scene.layout import Layout
    from synthrm.camera.pinhole import PinholeCamera

    root = Path(root)
    degradations = DEGRADATIONS if degradations is None else degradations
    index = read_index(root)
    radio_materials = (index.get("config") or {}).get("city", {}).get("radio_materials", {})
    has_mech = int(index.get("schema_version", 2)) >= 4 and "path_gain_mechanism" not in set(index.get("absent", ()))
    scenes: dict[str, tuple] = {}
    rows = []
    keys = ["semantic", "material", "rgb", "depth", "K", "cam_to_world", "path_gain_db", "tx_position"]
    for _, sid in list_samples(root):
        if labels is not None and sid not in labels:
            continue
        s = read_sample(root, sid, keys + (["path_gain_source"] + (["path_gain_mechanism"] if has_mech else [])
                                           if labels is None else []))
        if labels is not None:
            pg_all, src_all, mech_all = (tuple(labels[sid]) + (None,))[:3]
        else:
            pg_all, src_all, mech_all = s["path_gain_db"], s.get("path_gain_source"), s.get("path_gain_mechanism")
        sem = s["semantic"]
        sets = {"exact": concept_masks(sem, s["material"])}
        if segmenter is not None:
            sets["rgb-segmenter"] = concept_masks(segmenter.predict(s["rgb"]), radio_materials=radio_materials)
        rng = np.random.default_rng([seed, int(sid) if sid.isdigit() else 0])
        for name, (kind, amount) in degradations.items():
            sets[name] = {c: degrade_mask(m, kind, amount, rng) for c, m in sets["exact"].items()}
        scene_id = str(s["attrs"].get("scene_id", ""))
        if scene_id not in scenes:
            lay = Layout.load(root / "scenes" / scene_id)
            scenes[scene_id] = (lay, height_map(lay))
        lay, hmap = scenes[scene_id]
        pts = PinholeCamera.from_sample(s).backproject(s["depth"])
        for t in range(len(pg_all)):
            pg = pg_all[t]
            if not np.isfinite(pg).any():
                continue
            txp = np.asarray(s["tx_position"][t], np.float64)
            row = {"dataset": root.name, "frame": f"{root.name}/{sid}", "sample": sid, "tx": t,
                   "district": str(s["attrs"].get("district", "")), "scene_id": scene_id,
                   "tx_position": txp.tolist(), "tx_context": tx_context(lay, txp[:2]),
                   "tx_visible": tx_visible_to_camera(txp, s["K"], s["cam_to_world"], s["depth"])}
            mech = None if mech_all is None else np.asarray(mech_all[t])
            ctl_rule = "excluded" if "excluded" in rules else next(iter(rules), None)
            for rule in rules:
                v = counted_values(pg, None if src_all is None else src_all[t], sem, rule)
                st = map_statistics(v)
                los, cls, mk = None, None, None
                if st["n"]:
                    i = np.unravel_index(np.nanargmax(v), v.shape)
                    cls = SEMANTIC_CLASSES.get(int(sem[i]), str(int(sem[i])))
                    if np.isfinite(pts[i]).all():
                        los = bool(line_of_sight(pts[i][None], txp, hmap, step_m=1.0)[0])
                    if mech is not None:
                        mk = MECHANISM_KEYS.get(int(mech[i]), str(int(mech[i])))
                st["pmax_los"], st["pmax_class"], st["pmax_mechanism"] = los, cls, mk
                st["r"] = {name: {c: point_biserial(v, m).r for c, m in masks.items()} for name, masks in sets.items()}
                st["r_by_mechanism"] = {} if mech is None else r_by_mechanism(v, sets["exact"], mech)
                row[rule] = st
                if controls and rule == ctl_rule:
                    res = free_space_residual(v, pts, txp, float(s["attrs"].get("frequency_hz", 3.5e9)))
                    row["controls"] = concept_controls(v, res, sets["exact"], pixel_line_of_sight(pts, txp, hmap),
                                                       pts[..., 2], float(txp[2]))
                    row["controls_rule"] = rule
            rows.append(row)
    return rows


def _by_frame(rows: list[dict], get) -> list[list]:
    frames: dict[str, list] = {}
    for r in rows:
        frames.setdefault(r["frame"], []).append(get(r))
    return list(frames.values())


def summarise_r(rows: list[dict], concept: str = "building", rule: str = "excluded", masks: str = "exact",
                n_boot: int = 1000, seed: int = 0) -> dict:
    """Mean point-biserial r of ``concept`` over the maps where it is defined, with its 95 %
    confidence interval over frames, the standard deviation over maps, and the counts of
    maps where r is defined / undefined."""
    return _summarise(rows, lambda r: r[rule]["r"].get(masks, {}).get(concept), n_boot, seed)


def _summarise(rows: list[dict], get, n_boot: int, seed: int) -> dict:
    vals = np.array([v for v in map(get, rows) if v is not None], np.float64)
    est, lo, hi = frame_bootstrap(_by_frame(rows, get), np.mean, n_boot, seed)
    return {"mean": est, "lo": lo, "hi": hi, "std": float(vals.std()) if vals.size else None,
            "median": float(np.median(vals)) if vals.size else None,
            "defined": int(vals.size), "undefined": int(len(rows) - vals.size), "frames": len(_by_frame(rows, get))}


def summarise_controls(rows: list[dict], concepts=("building", "road", "roof"), n_boot: int = 1000, seed: int = 0) -> dict:
    """Mean over the maps of every control (rows' ``controls``, :func:`concept_controls`),
    each with its 95 % interval over frames (``sensitivity.summarise_r``'s summary: ``mean``,
    ``lo``, ``hi``, ``std``, ``median``, ``defined``, ``undefined``, ``frames``):

    ``{"r": {control: {concept: summary}}, "road_minus_building": {control: summary of the
    per-map difference r(road) - r(building), over maps where both are defined},
    "los_share": {concept: summary}, "median_db": {concept: {"los", "nlos": summary}},
    "roof_split": {name: summary}, "roof_above_share": summary, "maps": rows with controls}``.
    {} when no row carries controls (rows measured without them)."""
    from synthrm.analysis.controls import CONTROLS, ROOF_SPLITS

    rows = [r for r in rows if r.get("controls")]
    if not rows:
        return {}
    s = lambda get: _summarise(rows, get, n_boot, seed)  # noqa: E731

    def diff(ctl):
        def get(r):
            a, b = r["controls"]["r"][ctl].get("road"), r["controls"]["r"][ctl].get("building")
            return None if a is None or b is None else a - b
        return get

    out = {"maps": len(rows),
           "r": {ctl: {c: s(lambda r, ctl=ctl, c=c: r["controls"]["r"][ctl].get(c)) for c in concepts}
                 for ctl in CONTROLS},
           "road_minus_building": {ctl: s(diff(ctl)) for ctl in CONTROLS},
           "los_share": {c: s(lambda r, c=c: r["controls"]["los_share"].get(c)) for c in concepts},
           "median_db": {c: {k: s(lambda r, c=c, k=k: (r["controls"]["median_db"].get(c) or {}).get(k))
                             for k in ("los", "nlos")} for c in concepts}}
    if any("roof_split" in r["controls"] for r in rows):
        out["roof_split"] = {k: s(lambda r, k=k: r["controls"].get("roof_split", {}).get(k)) for k in ROOF_SPLITS}
        out["roof_above_share"] = s(lambda r: r["controls"].get("roof_above_share"))
    return out


def summarise_r_by_mechanism(rows: list[dict], concept: str = "building", rule: str = "excluded",
                             n_boot: int = 1000, seed: int = 0) -> dict[str, dict]:
    """{mechanism key: :func:`summarise_r`-like summary} of ``concept``'s r computed over the
    pixels of each dominant mechanism separately (the rows' ``r_by_mechanism``), with the
    same 95 % interval over frames; a mechanism appears when some map has pixels of it.
    {} for rows without mechanisms."""
    mechs = [m for m in MECHANISM_KEYS.values() if any(m in r[rule].get("r_by_mechanism", {}) for r in rows)]
    out = {}
    for m in mechs:
        sub = [r for r in rows if m in r[rule].get("r_by_mechanism", {})]
        out[m] = _summarise(sub, lambda r, m=m: r[rule]["r_by_mechanism"][m].get(concept), n_boot, seed)
    return out


def summarise_pmax(rows: list[dict], rule: str = "excluded", n_boot: int = 1000, seed: int = 0) -> dict:
    """Sarle's bimodality coefficient of the maps' Pmax with its 95 % confidence interval
    over frames, the two highest density modes [dB], Pmax of the maps whose maximum is
    in / out of the Tx's line of sight (count, median), and the two other tests of
    bimodality over the maps (:mod:`synthrm.analysis.stats`): Hartigan's dip and its p-value
    (``dip``, ``dip_p``; None under 4 maps) and two Gaussians against one (``gmm``:
    ``delta_bic`` > 0 favours two, their means and stds [dB] and weights; None under 5 maps
    or when all Pmax are equal); with rows that carry them, the splits of
    :func:`pmax_mechanism_split` (``tx_visible``, ``by_mechanism``)."""
    from synthrm.analysis.stats import bimodality_coefficient, dip_test, gaussian_mixture_bic

    get = lambda r: r[rule]["pmax_db"]  # noqa: E731
    est, lo, hi = frame_bootstrap(_by_frame(rows, get), bimodality_coefficient, n_boot, seed)
    pm = np.array([v for v in map(get, rows) if v is not None], np.float64)
    out = {"bc": est, "lo": lo, "hi": hi, "maps": int(pm.size), "modes_db": density_modes(pm)}
    pm = pm[np.isfinite(pm)]
    dt = dip_test(pm, n_sim=n_boot, seed=seed) if pm.size >= 4 else None
    out["dip"], out["dip_p"] = (dt["dip"], dt["p"]) if dt else (None, None)
    try:
        g = gaussian_mixture_bic(pm, seed=seed)
        out["gmm"] = {k: g[k] for k in ("delta_bic", "means", "stds", "weights")}
    except ValueError:
        out["gmm"] = None
    for name, flag in (("los", True), ("nlos", False)):
        v = np.array([r[rule]["pmax_db"] for r in rows if r[rule]["pmax_los"] is flag], np.float64)
        out[f"{name}_maps"] = int(v.size)
        out[f"{name}_median_db"] = float(np.median(v)) if v.size else None
    out.update(pmax_mechanism_split(rows, rule))
    return out


def _count_median(v: list) -> dict:
    v = np.asarray(v, np.float64)
    return {"maps": int(v.size), "median_db": float(np.median(v)) if v.size else None}


def pmax_mechanism_split(rows: list[dict], rule: str = "excluded") -> dict:
    """Pmax of the maps (those with a Pmax) split two more ways, as the seed explains its
    two modes (count and median [dB] of each group; each split partitions the maps):
    ``tx_visible`` {"visible", "hidden"} by the seed's own line of sight, the Tx visible to
    the camera (rows' ``tx_visible``), and ``by_mechanism`` {mechanism key: ...} by the
    dominant mechanism at the map's maximum (``pmax_mechanism``; ``unknown`` for labels
    without one). A split is left out when no row has its field (rows measured before)."""
    have = [r for r in rows if r[rule].get("pmax_db") is not None]
    out = {}
    if any("tx_visible" in r for r in rows):
        out["tx_visible"] = {k: _count_median([r[rule]["pmax_db"] for r in have if bool(r.get("tx_visible")) is flag])
                             for k, flag in (("visible", True), ("hidden", False))}
    if any("pmax_mechanism" in r[rule] for r in rows):
        groups: dict[str, list] = {}
        for r in have:
            groups.setdefault(r[rule].get("pmax_mechanism") or "unknown", []).append(r[rule]["pmax_db"])
        order = list(MECHANISM_KEYS.values())
        out["by_mechanism"] = {k: _count_median(groups[k])
                               for k in sorted(groups, key=lambda k: (order.index(k) if k in order else 99, k))}
    return out


def pmax_figure(groups: dict[str, list[dict]], out: str | Path, rule: str = "excluded") -> Path:
    """Histograms of Pmax per group of rows (e.g. per district), stacked by whether the
    maximum lies in the Tx's line of sight (the paper's explanation of its two modes)."""
    from synthrm.figures import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, len(groups), figsize=(3.8 * len(groups), 3.2), squeeze=False, sharey=False)
    allv = [r[rule]["pmax_db"] for rs in groups.values() for r in rs if r[rule]["pmax_db"] is not None]
    bins = np.linspace(min(allv), max(allv), 25) if allv else 10
    for ax, (name, rs) in zip(axes[0], groups.items()):
        los = [r[rule]["pmax_db"] for r in rs if r[rule]["pmax_los"] is True]
        nlos = [r[rule]["pmax_db"] for r in rs if r[rule]["pmax_los"] is not True and r[rule]["pmax_db"] is not None]
        ax.hist([los, nlos], bins=bins, stacked=True, label=[f"max in LoS ({len(los)})", f"not in LoS ({len(nlos)})"],
                color=["tab:orange", "tab:blue"])
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("Pmax of the map [dB]")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("maps")
    return save_figure(fig, out)


def summarise_gap(rows_a: list[dict], rows_b: list[dict], concept: str = "building", rule: str = "excluded",
                  masks: str = "exact", n_boot: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Difference of the mean r of ``concept`` between two groups of maps (e.g. downtown -
    margin, the paper's Figure 10 separation), with a 95 % interval from resampling the
    frames of each group independently."""
    def frames(rows):
        fs = [np.asarray([x for x in f if x is not None], np.float64)
              for f in _by_frame(rows, lambda r: r[rule]["r"].get(masks, {}).get(concept))]
        return [f for f in fs if f.size]

    fa, fb = frames(rows_a), frames(rows_b)
    if not fa or not fb:
        return {"mean": None, "lo": None, "hi": None}
    est = float(np.concatenate(fa).mean() - np.concatenate(fb).mean())
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(n_boot):
        a = np.concatenate([fa[i] for i in rng.integers(len(fa), size=len(fa))])
        b = np.concatenate([fb[i] for i in rng.integers(len(fb), size=len(fb))])
        boot.append(a.mean() - b.mean())
    lo, hi = np.percentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return {"mean": est, "lo": float(lo), "hi": float(hi)}
