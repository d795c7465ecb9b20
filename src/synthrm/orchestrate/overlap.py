"""Pairwise visual overlap of candidate views: from SIFT matches and from exact geometry.

* :func:`sift_overlap`: what a camera-only system can measure. SIFT keypoints, Lowe's
  ratio test, epipolar verification (fundamental matrix, RANSAC); the weight of a pair is
  its verified matches over the smaller keypoint count.
* :func:`geometric_overlap`: the ground truth the renderer knows. Each view's visible
  surface is a set of surface cells (world voxels of edge ``cell_m`` split by the facing
  axis of the surface); the overlap of a pair is the area both see over the smaller of
  the two visible areas.
* :func:`compare_overlaps`: how well the first predicts the second.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from synthrm.errors import ConfigError

LOWE_RATIO = 0.75
"""Lowe's ratio test: keep a match when best distance < ratio x second-best distance."""
MIN_INLIERS = 8
"""Fewer verified matches than this: no overlap (the 8-point fundamental matrix)."""
RANSAC_THRESHOLD_PX = 1.0
"""Largest epipolar distance of an inlier [px], at 256 px image width (scaled with width)."""


# --------------------------------------------------------------------------- SIFT
def sift_features(img: np.ndarray, max_features: int = 2000, blur_sigma: float = 0.0,
                  contrast_threshold: float = 0.02):
    """SIFT keypoints of one image.

    Parameters
    ----------
    img : (H, W, 3) uint8 RGB or (H, W) uint8 gray
    max_features : int
        Keep at most this many keypoints (the strongest; 0 = all).
    blur_sigma : float
        Gaussian blur of the gray image before detection [px] (0 = none): suppresses
        keypoints on path-tracing noise.
    contrast_threshold : float
        OpenCV's ``contrastThreshold`` (its default is 0.04). The procedural city has
        untextured materials, so a lower threshold keeps the weaker shading and shadow
        corners that make most of the matchable features.

    Returns
    -------
    points : (P, 2) float32 pixel coordinates (u, v)
    descriptors : (P, 128) float32, or None when P = 0
    """
    import cv2

    g = np.asarray(img)
    if g.ndim == 3:
        g = cv2.cvtColor(np.ascontiguousarray(g[..., :3]), cv2.COLOR_RGB2GRAY)
    if g.dtype != np.uint8:
        raise ConfigError(f"sift_features: expected a uint8 image, got {g.dtype}")
    if blur_sigma > 0:
        g = cv2.GaussianBlur(g, (0, 0), blur_sigma)
    sift = cv2.SIFT_create(nfeatures=int(max_features), contrastThreshold=float(contrast_threshold))
    kp, des = sift.detectAndCompute(g, None)
    pts = np.array([k.pt for k in kp], np.float32).reshape(-1, 2)
    return pts, (des if des is not None and len(kp) else None)


def _ratio_matches(d1: np.ndarray, d2: np.ndarray) -> dict[int, int]:
    """{i: j}: descriptor i of d1 whose nearest neighbour j in d2 passes Lowe's ratio test."""
    import cv2

    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(d1, d2, k=2)
    return {m[0].queryIdx: m[0].trainIdx for m in knn
            if len(m) == 2 and m[0].distance < LOWE_RATIO * m[1].distance}


def _verified_matches(f1, f2, width: int, mutual: bool = True) -> int:
    """Ratio-test matches between two feature sets (kept in both directions when
    ``mutual``) that are inliers of a RANSAC fundamental matrix; 0 below MIN_INLIERS."""
    import cv2

    (p1, d1), (p2, d2) = f1, f2
    if d1 is None or d2 is None or len(p1) < 2 or len(p2) < 2:
        return 0
    fwd = _ratio_matches(d1, d2)
    if mutual:
        back = _ratio_matches(d2, d1)
        fwd = {i: j for i, j in fwd.items() if back.get(j) == i}
    if len(fwd) < MIN_INLIERS:
        return 0
    a = p1[list(fwd)]
    b = p2[list(fwd.values())]
    if np.allclose(a, b, atol=1e-3):  # the same image: F is undefined, every match holds
        return len(fwd)
    thr = max(RANSAC_THRESHOLD_PX * width / 256.0, 0.5)
    _, mask = cv2.findFundamentalMat(a, b, cv2.FM_RANSAC, thr, 0.999, 2000)
    if mask is None or mask.shape[0] != len(fwd):  # degenerate configuration: try a homography
        _, mask = cv2.findHomography(a, b, cv2.RANSAC, 3 * thr)
    n = int(mask.sum()) if mask is not None else 0
    return n if n >= MIN_INLIERS else 0


def sift_overlap(imgs: Sequence[np.ndarray], max_features: int = 2000, blur_sigma: float = 0.0,
                 contrast_threshold: float = 0.02, mutual: bool = True,
                 progress: bool = False) -> np.ndarray:
    """Visual overlap of every pair of images from verified SIFT matches.

    For a pair (i, j): SIFT keypoints of the gray images, 2-nearest-neighbour matching of
    i's descriptors in j's, Lowe's ratio test (0.75), kept only when the same pair also
    passes it from j to i (``mutual``), then the inliers of a fundamental matrix fitted by
    RANSAC (a homography when the fundamental matrix is degenerate). The weight is
    ``inliers / min(#keypoints_i, #keypoints_j)``, 0 with fewer than 8 inliers. Matching
    runs once per unordered pair, so the matrix is symmetric.

    The mutual check matters on untextured renders: with a dozen one-way matches between
    unrelated views (building corners look alike), RANSAC still finds 8 "inliers", since a
    fundamental matrix fits any 7 correspondences exactly.

    Parameters
    ----------
    imgs : sequence of N (H, W, 3) uint8 RGB images
    max_features, blur_sigma, contrast_threshold : see :func:`sift_features`
    mutual : bool
        Keep only matches that pass the ratio test in both directions.
    progress : bool
        tqdm bar over the pairs (stderr).

    Returns
    -------
    (N, N) float64 in [0, 1], symmetric; the diagonal is 1 (a view fully overlaps itself).
    """
    import sys

    from tqdm import tqdm

    feats = [sift_features(im, max_features, blur_sigma, contrast_threshold) for im in imgs]
    n = len(feats)
    w = np.eye(n)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for i, j in tqdm(pairs, desc="sift pairs", unit="pair", disable=not progress, file=sys.stderr,
                     dynamic_ncols=True):
        k = min(len(feats[i][0]), len(feats[j][0]))
        if k:
            w[i, j] = w[j, i] = min(1.0, _verified_matches(feats[i], feats[j], imgs[i].shape[1], mutual) / k)
    return w


# --------------------------------------------------------------------------- geometry
@dataclass
class SurfaceCells:
    """The visible surface of N views as cells shared between views. C: number of cells.

    A cell is a world voxel of edge ``cell_m`` (a point on a surface is moved half a cell
    along its normal first, so that a surface lying on a voxel boundary, like the ground
    at z = 0, does not flicker between two voxels) together with the axis the surface
    faces (+-x, +-y, +-z). Each cell counts its area once: ``cell_m**2`` [m^2], the area a
    surface parallel to a voxel face cuts out of it.
    """

    cell_m: float
    """Cell edge [m]."""
    views: list[np.ndarray]
    """N sorted int64 arrays of the cells each view sees (indices into the arrays below)."""
    area: np.ndarray
    """(C,) float64 area of each cell [m^2]."""
    semantic: np.ndarray
    """(C,) uint8 semantic id of each cell."""
    center: np.ndarray
    """(C, 3) float64 voxel centre [m]."""
    normal: np.ndarray
    """(C, 3) float64 unit facing axis of the surface in the cell (towards the cameras)."""

    @property
    def n_views(self) -> int:
        return len(self.views)

    def incidence(self):
        """(N, C) scipy.sparse CSR matrix: 1 where view i sees cell c."""
        from scipy.sparse import csr_matrix

        idx = np.concatenate(self.views) if self.views else np.zeros(0, np.int64)
        ptr = np.concatenate([[0], np.cumsum([len(v) for v in self.views])])
        return csr_matrix((np.ones(len(idx)), idx, ptr), shape=(len(self.views), len(self.area)))


MAX_SUBDIVISION = 8


def _on_plane(o: np.ndarray, d: np.ndarray, n: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Where rays o + s d (d: (P, 3)) meet the planes {x : n.(x - o) = t} (n: (P, 3),
    t: (P,)); NaN for rays parallel to their plane."""
    den = np.einsum("ij,ij->i", d, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(np.abs(den) > 1e-12, t / den, np.nan)
    return o + d * s[:, None]


def _view_points(c, cell_m: float):
    """World points sampling the surface each pixel of candidate ``c`` sees: the pixel
    centre, plus an s x s grid over the pixel's footprint on the plane of its surface when
    that footprint is wider than half a cell (s = 2, 4 or 8; points farther than 4 cells
    from the pixel centre, on grazing surfaces, are dropped). Returns (points (P, 3) [m],
    normals (P, 3), semantic ids (P,))."""
    hit = c.semantic > 0
    pos = c.position[hit].astype(np.float64)
    nrm = c.normal[hit].astype(np.float64)
    sem = c.semantic[hit]
    vv, uu = np.nonzero(hit)
    o = c.camera.center
    pix_to_world = c.camera.cam_to_world[:3, :3] @ np.linalg.inv(c.camera.K)
    t = np.einsum("ij,ij->i", pos - o, nrm)  # plane offset along the normal from the camera

    def at(sel, du, dv):  # surface-plane points of pixels ``sel`` at sub-pixel offsets
        uv1 = np.stack([uu[sel] + 0.5 + du, vv[sel] + 0.5 + dv, np.ones(len(sel))], -1)
        return _on_plane(o, uv1 @ pix_to_world.T, nrm[sel], t[sel])

    every = np.arange(len(pos))
    with np.errstate(invalid="ignore"):
        ext = np.fmax(np.linalg.norm(at(every, 0.5, 0) - at(every, -0.5, 0), axis=1),
                      np.linalg.norm(at(every, 0, 0.5) - at(every, 0, -0.5), axis=1))
    ext = np.where(np.isfinite(ext), ext, np.inf)  # footprint edge [m]
    sub = np.ones(len(pos), np.int64)
    for s in (2, 4, MAX_SUBDIVISION):  # footprint / s <= cell / 2
        sub[ext > cell_m * s / 4] = s
    pts, nrms, sems = [pos], [nrm], [sem]
    for s in (2, 4, MAX_SUBDIVISION):
        sel = np.nonzero(sub == s)[0]
        offs = (np.arange(s) + 0.5) / s - 0.5
        for du in offs if len(sel) else ():
            for dv in offs:
                p = at(sel, du, dv)
                with np.errstate(invalid="ignore"):
                    keep = np.linalg.norm(p - pos[sel], axis=1) <= cell_m * MAX_SUBDIVISION / 2
                pts.append(p[keep])
                nrms.append(nrm[sel][keep])
                sems.append(sem[sel][keep])
    return np.concatenate(pts), np.concatenate(nrms), np.concatenate(sems)


def _facing_axis(n: np.ndarray) -> np.ndarray:
    """(P, 3) normals -> (P,) int in 0..5: argmax |n_k| * 2 + (n_k < 0)."""
    k = np.argmax(np.abs(n), axis=1)
    return k * 2 + (n[np.arange(len(n)), k] < 0)


_AXES = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], np.float64)


def surface_cells(cands: Sequence, cell_m: float = 1.0) -> SurfaceCells:
    """The surface cells every candidate view sees (see :class:`SurfaceCells`).

    Parameters
    ----------
    cands : sequence of N Candidate
        Views with world ``position`` (H, W, 3) [m], ``normal`` (H, W, 3), ``semantic``
        (H, W) and their ``camera`` (a ``PinholeCamera``).
    cell_m : float
        Cell edge [m] (> 0). A pixel whose footprint on its surface is wider than half a
        cell is sampled on a sub-pixel grid (up to 8 x 8) on the plane of the surface it
        sees, so distant surfaces are not full of holes; at a silhouette the footprint
        overhangs the surface by at most half a pixel.

    Returns
    -------
    SurfaceCells
    """
    if not cell_m > 0:
        raise ConfigError(f"cell_m: the surface cell edge must be > 0 m, got {cell_m}")
    keys, sems = [], []
    for c in cands:
        p, n, s = _view_points(c, cell_m)
        ax = _facing_axis(n) if len(n) else np.zeros(0, np.int64)
        v = np.floor((p + 0.5 * cell_m * _AXES[ax]) / cell_m).astype(np.int64)
        k, first = np.unique(_pack(v, ax, cell_m), return_index=True)
        keys.append(k)
        sems.append(s[first])
    allk = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    uniq, first, inv = np.unique(allk, return_index=True, return_inverse=True)
    bounds = np.cumsum([0] + [len(k) for k in keys])
    views = [inv[bounds[i]:bounds[i + 1]].astype(np.int64) for i in range(len(keys))]  # sorted: keys were
    sem_all = np.concatenate(sems) if sems else np.zeros(0, np.uint8)
    vox, ax = _unpack(uniq)
    return SurfaceCells(cell_m=float(cell_m), views=views, area=np.full(len(uniq), cell_m ** 2),
                        semantic=sem_all[first].astype(np.uint8),
                        center=(vox + 0.5) * cell_m, normal=_AXES[ax])


_XY_BITS, _Z_BITS = 21, 18


def _pack(vox: np.ndarray, axis: np.ndarray, cell_m: float) -> np.ndarray:
    """(P, 3) voxel indices and (P,) facing axes -> (P,) int64 keys (21 + 21 + 18 + 3 bits)."""
    lim = np.array([1 << (_XY_BITS - 1), 1 << (_XY_BITS - 1), 1 << (_Z_BITS - 1)])
    if len(vox) and (np.abs(vox).max(0) >= lim).any():
        raise ConfigError(f"cell_m: {cell_m} m cells are too small for this scene's extent "
                          f"(voxel indices reach {np.abs(vox).max(0).tolist()}); use a larger cell_m")
    u = (vox + lim).astype(np.int64)
    return (u[:, 0] << (_XY_BITS + _Z_BITS + 3)) | (u[:, 1] << (_Z_BITS + 3)) | (u[:, 2] << 3) | axis


def _unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`_pack`: (voxel indices (C, 3), facing axes (C,))."""
    lim = np.array([1 << (_XY_BITS - 1), 1 << (_XY_BITS - 1), 1 << (_Z_BITS - 1)])
    vox = np.stack([(keys >> (_XY_BITS + _Z_BITS + 3)) & ((1 << _XY_BITS) - 1),
                    (keys >> (_Z_BITS + 3)) & ((1 << _XY_BITS) - 1),
                    (keys >> 3) & ((1 << _Z_BITS) - 1)], axis=1) - lim
    return vox, keys & 7


def as_cells(cands_or_cells, cell_m: float = 1.0) -> SurfaceCells:
    """``cands_or_cells`` when it already is a :class:`SurfaceCells`, else its cells."""
    if isinstance(cands_or_cells, SurfaceCells):
        return cands_or_cells
    return surface_cells(cands_or_cells, cell_m)


def geometric_overlap(cands, cell_m: float = 1.0) -> np.ndarray:
    """Overlap of every pair of views from the exact visible geometry.

    ``overlap(i, j) = area(A_i & A_j) / min(area(A_i), area(A_j))`` with A_i the surface
    cells view i sees (the overlap coefficient: 1 when one view's surface lies inside the
    other's, as for a zoomed-in view). Views that see nothing overlap nothing.

    Parameters
    ----------
    cands : sequence of N Candidate, or their SurfaceCells
    cell_m : float
        Cell edge [m] when cells are computed here.

    Returns
    -------
    (N, N) float64 in [0, 1], symmetric; the diagonal is 1 (0 for a view that sees nothing).
    """
    cells = as_cells(cands, cell_m)
    M = cells.incidence()
    inter = (M.multiply(cells.area[None, :]) @ M.T).toarray()
    a = np.diag(inter).copy()
    den = np.minimum(a[:, None], a[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(den > 0, inter / den, 0.0)
    w = np.clip((w + w.T) / 2, 0.0, 1.0)
    return w


def compare_overlaps(sift: np.ndarray, geo: np.ndarray, min_weight: float = 0.0) -> dict:
    """How well SIFT overlap tracks geometric overlap, over the pairs i < j.

    Parameters
    ----------
    sift, geo : (N, N) overlap matrices
    min_weight : float
        A pair is a SIFT edge when its SIFT weight is > ``min_weight``.

    Returns
    -------
    dict
        ``pairs``; ``pearson_r`` and ``spearman_r`` (None when a matrix is constant);
        ``sift_edges``; ``sift_edges_with_geo_overlap`` (fraction of SIFT edges whose
        geometric overlap is > 0; None without edges); ``geo_pairs`` (pairs with geometric
        overlap > 0) and ``geo_pairs_found_by_sift`` (the fraction of them that are SIFT
        edges: the recall; None without such pairs).
    """
    from scipy.stats import pearsonr, spearmanr

    sift, geo = np.asarray(sift, np.float64), np.asarray(geo, np.float64)
    if sift.shape != geo.shape or sift.ndim != 2 or sift.shape[0] != sift.shape[1]:
        raise ConfigError(f"compare_overlaps: expected two (N, N) matrices, got {sift.shape} and {geo.shape}")
    iu = np.triu_indices(len(sift), 1)
    s, g = sift[iu], geo[iu]
    out = {"pairs": int(len(s)), "pearson_r": None, "spearman_r": None}
    if len(s) >= 2 and np.ptp(s) > 0 and np.ptp(g) > 0:
        out["pearson_r"] = float(pearsonr(s, g)[0])
        out["spearman_r"] = float(spearmanr(s, g)[0])
    edge = s > min_weight
    out["sift_edges"] = int(edge.sum())
    out["sift_edges_with_geo_overlap"] = float((g[edge] > 0).mean()) if edge.any() else None
    out["geo_pairs"] = int((g > 0).sum())
    out["geo_pairs_found_by_sift"] = float(edge[g > 0].mean()) if (g > 0).any() else None
    return out
