"""Point-biserial correlation between a semantic concept's mask and a path-gain map
(SynthRM paper, eq. 3).

``r = (M1 - M0) / s_n * sqrt(n1 n0 / n^2)`` over the valid pixels (finite path gain):
M1, M0 the mean path gain [dB] on and off the mask, s_n the population standard
deviation of all n values, n1 + n0 = n. It equals Pearson's r between the 0/1 mask and the
values (``scipy.stats.pointbiserialr``). When the mask is constant over the valid pixels
(or the values are), r is undefined: :func:`point_biserial` returns ``None`` with the
reason, never NaN.

Masks come from our exact semantic / material buffers (:func:`semantic_masks`) or from any
external segmenter: :func:`concept_correlations` takes a dict of name -> (H, W) bool.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.scene.classes import MATERIAL_CLASSES, SEMANTIC_IDS

#: Concepts of the SynthRM paper's Table 3 and the semantic classes that make them.
CONCEPTS = {"road": ("road",), "building": ("facade", "window"), "roof": ("roof",), "ground": ("ground",),
            "sidewalk": ("sidewalk",)}
#: Concepts of optional scene content (glass windows, street objects): a mask only where present.
EXTRA_CONCEPTS = {"window": ("window",), "vegetation": ("vegetation",), "pole": ("pole",)}


@dataclass
class PointBiserial:
    """r, or ``None`` with ``reason`` when undefined; counts on / off the mask."""

    r: float | None
    n1: int
    n0: int
    reason: str = ""


def point_biserial(values: np.ndarray, mask: np.ndarray, valid: np.ndarray | None = None) -> PointBiserial:
    """Point-biserial r between ``mask`` (bool, any shape) and ``values`` (same shape) over
    entries where ``valid`` (default: finite values) holds."""
    v = np.asarray(values, np.float64)
    m = np.asarray(mask, bool)
    if v.shape != m.shape:
        raise ValueError(f"values {v.shape} and mask {m.shape} differ in shape")
    ok = np.isfinite(v) if valid is None else (np.asarray(valid, bool) & np.isfinite(v))
    v, m = v[ok], m[ok]
    n1, n = int(m.sum()), int(m.size)
    n0 = n - n1
    if n1 == 0 or n0 == 0:
        return PointBiserial(None, n1, n0, "undefined: the mask is constant over the valid pixels "
                                           f"({'none' if n1 == 0 else 'all'} of {n} pixels)")
    s = v.std()
    if s == 0:
        return PointBiserial(None, n1, n0, "undefined: the path gain is constant over the valid pixels")
    r = (v[m].mean() - v[~m].mean()) / s * np.sqrt(n1 * n0 / n ** 2)
    return PointBiserial(float(r), n1, n0)


def semantic_masks(semantic: np.ndarray, material: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Concept masks (H, W) bool from our buffers: the ``CONCEPTS``, the ``EXTRA_CONCEPTS``
    present in the view and, with the material
    buffer, one mask per radio material present (``material:<name>``)."""
    sem = np.asarray(semantic)
    out = {c: np.isin(sem, [SEMANTIC_IDS[k] for k in classes]) for c, classes in CONCEPTS.items()}
    for c, classes in EXTRA_CONCEPTS.items():
        m = np.isin(sem, [SEMANTIC_IDS[k] for k in classes])
        if m.any():
            out[c] = m
    if material is not None:
        mat = np.asarray(material)
        for mid in np.unique(mat):
            if int(mid) != 0:
                out[f"material:{MATERIAL_CLASSES[int(mid)]}"] = mat == mid
    return out


def concept_correlations(path_gain_db: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, PointBiserial]:
    """r of each concept mask with one path-gain map (H, W) [dB] (NaN = no value)."""
    return {name: point_biserial(path_gain_db, m) for name, m in masks.items()}
