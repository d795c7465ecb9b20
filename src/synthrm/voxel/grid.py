"""Semantic point cloud from RGB-D scans (seed eqs. 10-11) and its voxel grid."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.errors import ConfigError
from synthrm.camera.pinhole import PinholeCamera


@dataclass
class VoxelGrid:
    """A regular grid of voxels: index (i, j, k) covers
    ``origin + [i, j, k] * voxel_size_m`` to ``... + voxel_size_m`` [m]."""

    origin: np.ndarray
    """(3,) float64 corner of voxel (0, 0, 0), world [m]."""
    voxel_size_m: float
    """Edge length of a voxel [m]."""
    shape: tuple[int, int, int]
    """(X, Y, Z) number of voxels."""
    occupancy: np.ndarray
    """(X, Y, Z) uint8: 1 where at least one scanned point falls."""
    label: np.ndarray
    """(X, Y, Z) int16: the most frequent semantic id of the voxel's points; -1 if empty."""

    def centers(self) -> np.ndarray:
        """(X, Y, Z, 3) float64 voxel centres [m]."""
        idx = np.stack(np.meshgrid(*[np.arange(n) for n in self.shape], indexing="ij"), -1)
        return self.origin + (idx + 0.5) * self.voxel_size_m

    def index_of(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) int64 voxel indices of world points (may lie outside the grid)."""
        return np.floor((np.asarray(points, np.float64) - self.origin) / self.voxel_size_m).astype(np.int64)


def fuse_scans(scans, label_key: str = "semantic") -> tuple[np.ndarray, np.ndarray]:
    """One labelled point cloud in world coordinates from RGB-D frames.

    Args:
        scans: iterable of dicts with ``depth`` (H, W) z-depth [m] (NaN: nothing),
            ``K`` (3, 3), ``cam_to_world`` (4, 4) and the ``label_key`` image (H, W) ids.
        label_key: which per-pixel ids label the points: ``semantic`` (class ids) or
            ``material`` (radio material ids, as a material segmentation would give).

    Returns:
        (points (N, 3) float64 [m], labels (N,) int16).
    """
    pts, lab = [], []
    for n, s in enumerate(scans):
        if label_key not in s:
            raise ConfigError(f"voxel: scan {n} has no {label_key!r} image; scan with it or label by another key")
        p = PinholeCamera.from_sample(s).backproject(s["depth"])
        ok = np.isfinite(p).all(-1)
        pts.append(p[ok])
        lab.append(np.asarray(s[label_key])[ok].astype(np.int16))
    if not pts or sum(len(p) for p in pts) == 0:
        raise ConfigError("voxel: the scan set is empty (no frame, or no pixel hit a surface); "
                          "scan the scene from at least one viewpoint that sees it")
    return np.concatenate(pts), np.concatenate(lab)


def voxelize(points: np.ndarray, labels: np.ndarray, voxel_size_m: float = 0.1,
             origin: np.ndarray | None = None, shape: tuple[int, int, int] | None = None) -> VoxelGrid:
    """Voxelize a labelled point cloud; each voxel takes its points' majority label.

    The grid defaults to the points' bounding box (origin snapped down to the voxel
    size). Points outside a given grid are ignored.
    """
    if not (isinstance(voxel_size_m, (int, float)) and voxel_size_m > 0):
        raise ConfigError(f"voxel_size_m: must be > 0 m, got {voxel_size_m!r}")
    points = np.asarray(points, np.float64).reshape(-1, 3)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if len(points) == 0:
        raise ConfigError("voxel: no point to voxelize (empty scan set)")
    if origin is None:
        origin = np.floor(points.min(0) / voxel_size_m) * voxel_size_m
    origin = np.asarray(origin, np.float64)
    if shape is None:
        shape = tuple(int(x) for x in np.floor((points.max(0) - origin) / voxel_size_m) + 1)
    idx = np.floor((points - origin) / voxel_size_m).astype(np.int64)
    inside = np.all((idx >= 0) & (idx < np.asarray(shape)), axis=1)
    idx, labels = idx[inside], labels[inside]
    flat = np.ravel_multi_index(idx.T, shape)
    occ = np.zeros(int(np.prod(shape)), np.uint8)
    occ[flat] = 1
    lab = np.full(int(np.prod(shape)), -1, np.int16)
    if len(flat):
        # majority label per voxel: count (voxel, label) pairs, keep the largest per voxel
        nl = int(labels.max()) + 1
        pair, count = np.unique(flat * nl + labels, return_counts=True)
        vox, lb = pair // nl, pair % nl
        order = np.lexsort((-count, vox))
        first = np.unique(vox[order], return_index=True)[1]
        lab[vox[order][first]] = lb[order][first]
    return VoxelGrid(origin=origin, voxel_size_m=float(voxel_size_m), shape=tuple(shape),
                     occupancy=occ.reshape(shape), label=lab.reshape(shape))
