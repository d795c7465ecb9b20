"""Controls for what a concept's point-biserial r reflects (issue 25: the roof sign and
Roads vs Buildings explained by an experiment, not a sentence).

Our r(Roofs) is negative where the SynthRM seed's is positive, and our Roads score higher
than Buildings where the seed's score lower. Two geometric explanations are testable on the
labels we already have, map by map:

* **distance**: a concept's pixels may simply lie nearer or farther from the Tx than the
  rest (roofs are high and far from a Tx at 1.6 m, roads run past it). The *distance
  control* computes r on the path gain's residual over free space,
  ``path_gain_db - (-fspl_db(d))`` [dB], d the 3D distance [m] from the Tx to the pixel's
  surface point (:func:`free_space_residual`): a residual r of the other sign than the raw
  r says the raw sign is a distance effect.
* **line of sight**: a concept's pixels may mostly lie in or out of the Tx's geometric
  line of sight (a Tx at 1.6 m sees no roof: the roof's own building blocks the ray). The
  *line-of-sight control* computes r within the pixels in sight and within those out of
  sight separately (:func:`pixel_line_of_sight`), so the contrast between the two is not
  part of r; the roof is also split into sub-masks by sight and by its height relative to
  the Tx.

:func:`concept_controls` measures one map, :func:`synthrm.analysis.sensitivity.summarise_controls` averages the maps
with 95 % intervals over frames (``synthrm.analysis.sensitivity.frame_bootstrap``).
``synthrm.analysis.sensitivity.measure_dataset`` (``controls=True``) stores the per-map
results in each row's ``controls``; ``benchmarks/reproduce.py`` summarises the base rows.
"""
from __future__ import annotations

import numpy as np

from synthrm.analysis.correlation import point_biserial
from synthrm.radio.physics import fspl_db

#: Concepts the controls are computed for.
CONTROL_CONCEPTS = ("building", "road", "roof")
#: The controls: name -> what r is computed on / over. ``raw`` is Table 3's r (over the same
#: pixels as the others: those with a value and a surface point).
CONTROLS: dict[str, str] = {
    "raw": "path gain [dB], every counted pixel (Table 3's r)",
    "residual": "path gain over free space at the pixel's distance to the Tx [dB] (distance control)",
    "in_los": "path gain, only the pixels in the Tx's geometric line of sight",
    "in_nlos": "path gain, only the pixels out of the Tx's geometric line of sight",
}
#: The roof's sub-masks (:func:`roof_split_masks`), each scored against all other counted pixels.
ROOF_SPLITS = ("roof in LoS", "roof out of LoS", "roof above Tx", "roof at or below Tx")
#: Nearest distance [m] the free-space term is evaluated at (a pixel nearer counts as this far).
MIN_DISTANCE_M = 1.0


def free_space_residual(path_gain_db: np.ndarray, points_m: np.ndarray, tx_m, frequency_hz: float,
                        min_distance_m: float = MIN_DISTANCE_M) -> np.ndarray:
    """(H, W) float64 residual [dB] of the path gain over free space: ``path_gain_db`` (H, W)
    [dB] minus the Friis path gain ``-fspl_db(d, frequency_hz)`` [dB] at d, the 3D distance
    [m] from ``tx_m`` (3,) [m] to each pixel's surface point ``points_m`` (H, W, 3) [m],
    clamped below at ``min_distance_m``. NaN where the path gain or the point is not finite
    (sky). 0 dB means the pixel receives what free space would give at its distance."""
    pg = np.asarray(path_gain_db, np.float64)
    p = np.asarray(points_m, np.float64)
    if p.shape != pg.shape + (3,):
        raise ValueError(f"points {p.shape} do not match the map {pg.shape} (expected {pg.shape + (3,)})")
    d = np.linalg.norm(p - np.asarray(tx_m, np.float64).reshape(3), axis=-1)
    ok = np.isfinite(pg) & np.isfinite(d)
    d = np.maximum(np.where(ok, d, 1.0), min_distance_m)
    return np.where(ok, pg + fspl_db(d, frequency_hz), np.nan)


def pixel_line_of_sight(points_m: np.ndarray, tx_m, hmap, step_m: float = 1.0) -> np.ndarray:
    """(H, W) bool: whether each pixel's surface point ``points_m`` (H, W, 3) [m] is in the
    geometric line of sight of ``tx_m`` (3,) [m] over the scene's height map ``hmap``
    (``synthrm.analysis.geometry.height_map``), by
    :func:`synthrm.analysis.geometry.line_of_sight_sweep` (False on sky)."""
    from synthrm.analysis.geometry import line_of_sight_sweep

    p = np.asarray(points_m, np.float64)
    return line_of_sight_sweep(p.reshape(-1, 3), tx_m, hmap, step_m=step_m).reshape(p.shape[:-1])


def roof_split_masks(roof: np.ndarray, los: np.ndarray, height_m: np.ndarray, tx_height_m: float) -> dict:
    """The roof mask (H, W) bool split four ways, {name (:data:`ROOF_SPLITS`): (H, W) bool}:
    in / out of the Tx's line of sight (``los`` (H, W) bool), and above / at or below the
    Tx's height ``tx_height_m`` [m] (``height_m`` (H, W): each pixel's surface height [m],
    NaN on sky). Each pair partitions the roof."""
    roof, los = np.asarray(roof, bool), np.asarray(los, bool)
    above = np.asarray(height_m, np.float64) > tx_height_m
    return {"roof in LoS": roof & los, "roof out of LoS": roof & ~los,
            "roof above Tx": roof & above, "roof at or below Tx": roof & ~above}


def _median(x: np.ndarray) -> float | None:
    return float(np.median(x)) if x.size else None


def concept_controls(values: np.ndarray, residual: np.ndarray, masks: dict[str, np.ndarray], los: np.ndarray,
                     height_m: np.ndarray, tx_height_m: float, concepts=CONTROL_CONCEPTS) -> dict:
    """The controls of one map.

    ``values`` (H, W) [dB]: the counted path gain (NaN where a pixel does not count,
    ``synthrm.analysis.sensitivity.counted_values``); ``residual`` (H, W) [dB]: its residual
    over free space (:func:`free_space_residual`); ``masks``: {concept: (H, W) bool};
    ``los`` (H, W) bool (:func:`pixel_line_of_sight`); ``height_m`` (H, W) [m] the surface
    height of each pixel and ``tx_height_m`` [m] the Tx's.

    The pixels are those where both ``values`` and ``residual`` are finite. Returns
    ``{"r": {control (:data:`CONTROLS`): {concept: r or None}}, "los_share": {concept: share
    of its pixels in line of sight or None}, "median_db": {concept: {"los", "nlos": median
    path gain [dB] of its pixels in / out of sight, or None}}, "roof_split": {name
    (:data:`ROOF_SPLITS`): r of that sub-mask against all other pixels}, "roof_above_share":
    share of the roof pixels above the Tx (None without roof), "pixels": {concept: count},
    "los_pixels": count of pixels in sight}``."""
    v = np.asarray(values, np.float64)
    res = np.asarray(residual, np.float64)
    los = np.asarray(los, bool)
    ok = np.isfinite(v) & np.isfinite(res)
    cs = [c for c in concepts if c in masks]
    r = {"raw": {c: point_biserial(v, masks[c], valid=ok).r for c in cs},
         "residual": {c: point_biserial(res, masks[c], valid=ok).r for c in cs},
         "in_los": {c: point_biserial(v, masks[c], valid=ok & los).r for c in cs},
         "in_nlos": {c: point_biserial(v, masks[c], valid=ok & ~los).r for c in cs}}
    share, med, pixels = {}, {}, {}
    for c in cs:
        m = ok & np.asarray(masks[c], bool)
        pixels[c] = int(m.sum())
        share[c] = float((m & los).sum() / m.sum()) if m.any() else None
        med[c] = {"los": _median(v[m & los]), "nlos": _median(v[m & ~los])}
    out = {"r": r, "los_share": share, "median_db": med, "pixels": pixels, "los_pixels": int((ok & los).sum())}
    if "roof" in masks:
        split = roof_split_masks(masks["roof"], los, height_m, tx_height_m)
        out["roof_split"] = {k: point_biserial(v, m, valid=ok).r for k, m in split.items()}
        roof = ok & np.asarray(masks["roof"], bool)
        out["roof_above_share"] = float((roof & split["roof above Tx"]).sum() / roof.sum()) if roof.any() else None
    return out


def sign_reading(e: dict | None) -> str | None:
    """The sign of an estimate by its 95 % interval: ``+`` (wholly above 0), ``-`` (wholly
    below), ``0`` (it holds 0); None without an interval."""
    if not e or e.get("lo") is None or e.get("hi") is None:
        return None
    return "+" if e["lo"] > 0 else "-" if e["hi"] < 0 else "0"


def control_reading(raw: dict | None, ctl: dict | None) -> str | None:
    """What a control does to the sign of an estimate (interval signs, :func:`sign_reading`):
    ``flips`` (both signed, opposite), ``keeps`` (both signed, the same), ``removes`` (raw
    signed, the control's interval holds 0), ``creates`` (raw holds 0, the control signed),
    ``none`` (both hold 0); None when either has no interval."""
    a, b = sign_reading(raw), sign_reading(ctl)
    if a is None or b is None:
        return None
    if a == "0":
        return "none" if b == "0" else "creates"
    return "removes" if b == "0" else "keeps" if a == b else "flips"


__all__ = ["CONTROLS", "CONTROL_CONCEPTS", "ROOF_SPLITS", "concept_controls", "control_reading",
           "free_space_residual", "pixel_line_of_sight", "roof_split_masks", "sign_reading"]
