"""A small RGB-only semantic segmenter for the city classes, to measure how much the
seed's masks (SAM 3 on RGB) can move its correlations (``docs/reproduction.md``).

No open segmentation model ships inside a package this project can install (torchvision
is unavailable and model hubs are out of reach), so this is a classic pixel classifier:
quadratic discriminant analysis (one Gaussian per class, full covariance) on colour,
local texture and image row, fitted on frames other than the ones it segments. It makes
the kinds of error a real segmenter makes on these images (facades vs roofs of one
colour, sidewalks vs roads, shadows), and its per-class IoU says how good it is.
"""
from __future__ import annotations

import numpy as np

from synthrm.scene.classes import SEMANTIC_CLASSES

#: Regularisation added to each class covariance (features are O(1)).
COV_EPS = 1e-4


def pixel_features(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 9) float64 features of an sRGB8 image (H, W, 3): R, G, B and luminance in
    [0, 1]; chroma (max - min); local mean and standard deviation of luminance over 5x5
    pixels (texture: window grids, lane markings); horizontal and vertical gradient
    magnitude; image row / height (sky above, ground below)."""
    from scipy import ndimage

    x = np.asarray(rgb, np.float64) / 255.0
    lum = x @ np.array([0.2126, 0.7152, 0.0722])
    mean = ndimage.uniform_filter(lum, 5, mode="nearest")
    sq = ndimage.uniform_filter(lum ** 2, 5, mode="nearest")
    std = np.sqrt(np.maximum(sq - mean ** 2, 0.0))
    gx = np.abs(ndimage.sobel(lum, axis=1, mode="nearest"))
    gy = np.abs(ndimage.sobel(lum, axis=0, mode="nearest"))
    h, w = lum.shape
    row = np.broadcast_to((np.arange(h)[:, None] + 0.5) / h, (h, w))
    return np.stack([x[..., 0], x[..., 1], x[..., 2], x.max(-1) - x.min(-1), mean, std, gx, gy, row], -1)


class RGBSegmenter:
    """Per-pixel quadratic discriminant analysis of semantic class from RGB features."""

    def __init__(self):
        self.classes: np.ndarray | None = None
        self.means = self.inv_covs = self.log_norms = None

    def fit(self, images: list[np.ndarray], semantics: list[np.ndarray], max_per_class: int = 20000,
            seed: int = 0) -> "RGBSegmenter":
        """Fit on sRGB8 images (H, W, 3) and their semantic id maps (H, W); at most
        ``max_per_class`` pixels per class (a seeded random subset)."""
        rng = np.random.default_rng(seed)
        feats = np.concatenate([pixel_features(im).reshape(-1, 9) for im in images])
        labels = np.concatenate([np.asarray(s).reshape(-1) for s in semantics])
        classes = np.unique(labels)
        means, icovs, norms = [], [], []
        total = len(labels)
        for c in classes:
            idx = np.flatnonzero(labels == c)
            if len(idx) > max_per_class:
                idx = rng.choice(idx, max_per_class, replace=False)
            f = feats[idx]
            cov = np.cov(f, rowvar=False) + COV_EPS * np.eye(f.shape[1]) if len(f) > 1 else np.eye(f.shape[1])
            sign, logdet = np.linalg.slogdet(cov)
            means.append(f.mean(0))
            icovs.append(np.linalg.inv(cov))
            norms.append(-0.5 * logdet + np.log(np.sum(labels == c) / total))
        self.classes = classes.astype(np.uint8)
        self.means, self.inv_covs, self.log_norms = np.array(means), np.array(icovs), np.array(norms)
        return self

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """(H, W) uint8 semantic ids of an sRGB8 image."""
        if self.classes is None:
            raise RuntimeError("RGBSegmenter: call fit first")
        f = pixel_features(rgb)
        h, w = f.shape[:2]
        f = f.reshape(-1, 9)
        score = np.empty((len(f), len(self.classes)))
        for k in range(len(self.classes)):
            d = f - self.means[k]
            score[:, k] = self.log_norms[k] - 0.5 * np.einsum("ij,jk,ik->i", d, self.inv_covs[k], d)
        return self.classes[np.argmax(score, 1)].reshape(h, w)


def class_iou(pred: np.ndarray, truth: list[np.ndarray] | np.ndarray, ids: list[int] | None = None) -> dict[str, float]:
    """Intersection over union per semantic class name, pooled over all pixels of
    ``pred`` and ``truth`` (arrays or lists of arrays of the same shapes)."""
    p = np.concatenate([np.asarray(a).ravel() for a in (pred if isinstance(pred, list) else [pred])])
    t = np.concatenate([np.asarray(a).ravel() for a in (truth if isinstance(truth, list) else [truth])])
    ids = sorted(set(np.unique(t).tolist())) if ids is None else ids
    out = {}
    for c in ids:
        union = np.sum((p == c) | (t == c))
        out[SEMANTIC_CLASSES.get(int(c), str(c))] = float(np.sum((p == c) & (t == c)) / union) if union else float("nan")
    return out
