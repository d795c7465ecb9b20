"""Deterministic triangulation of the back-projected depth lattice into the VAS mesh.

The image lattice is split into quads whose corners are pixel centres; each accepted
quad becomes two triangles (diagonal from its top-left to its bottom-right corner).
Quads that touch sky or span a depth discontinuity are dropped. The receiver cell size
is a setting (:class:`synthrm.config.VASConfig`):

* ``pixel``: one quad per 2x2 pixel neighbourhood (two triangles per pixel quad);
* ``stride``: quads of ``stride`` x ``stride`` pixels, refined to smaller strides (halving)
  only where a coarse quad would cross a discontinuity, so coverage stays dense;
* ``adaptive``: the largest stride (<= ``max_stride``) whose quad edges stay below
  ``target_cell_m`` in the world, refined likewise.

Larger cells collect more Monte Carlo rays each (less radio noise at the same ray
budget) at the cost of spatial detail. Vertices are pushed ``offset_m`` along the pixel
normal towards the camera (a measurement surface lying exactly on a real surface
competes with it for ray hits).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.vas.config import VASConfig

#: Smallest |cos(incidence)| used when predicting the pixel footprint (about 84 deg).
COS_MIN = 0.1


@dataclass
class VASMesh:
    """The visible surface of one view as a triangle mesh, with its pixel correspondence."""

    vertices: np.ndarray
    """(V, 3) float32 world positions [m], offset along the normal."""
    faces: np.ndarray
    """(F, 3) int32 vertex indices; winding gives normals that face the camera."""
    vertex_pixel: np.ndarray
    """(V, 2) int32 (row, col) of the pixel each vertex was lifted from."""
    pixel_face: np.ndarray
    """(H, W) int32 index of the face covering each pixel centre; -1 where none."""
    face_stride: np.ndarray
    """(F,) int16 pixel stride of the quad each face came from."""
    offset_m: float
    """Offset applied along the normal [m]."""

    @property
    def num_faces(self) -> int:
        return int(len(self.faces))

    @property
    def face_centers(self) -> np.ndarray:
        """(F, 3) float64 face centroids [m]: the receiver positions."""
        return self.vertices[self.faces].astype(np.float64).mean(axis=1)

    @property
    def face_normals(self) -> np.ndarray:
        """(F, 3) float64 unit face normals (towards the camera)."""
        v = self.vertices.astype(np.float64)[self.faces]
        n = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
        return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-30)

    @property
    def face_areas(self) -> np.ndarray:
        """(F,) float64 face areas [m^2]."""
        v = self.vertices.astype(np.float64)[self.faces]
        return 0.5 * np.linalg.norm(np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]), axis=1)

    def face_to_pixel(self, values: np.ndarray) -> np.ndarray:
        """Per-face values (..., F) -> per-pixel (..., H, W) float32; NaN where no face."""
        values = np.asarray(values, dtype=np.float32)
        out = np.full(values.shape[:-1] + self.pixel_face.shape, np.nan, np.float32)
        m = self.pixel_face >= 0
        out[..., m] = values[..., self.pixel_face[m]]
        return out


def _continuity(points, hit, cam_center, K, normal, factor, crease_deg: float = 180.0):
    """(H-1, W-1) bool: the fine quad with top-left pixel (r, c) lies on one surface.

    An edge between neighbouring lattice points a, b is continuous when |p_a - p_b| is
    within ``factor`` times the expected spacing of neighbours on the surface
    (distance / fx / |cos incidence|). With normals, two points of (nearly) parallel
    normals must also lie on one plane (off-plane distance below half a pixel's
    footprint), so parallel surfaces at different depths are never bridged, and two
    points whose normals differ by more than ``crease_deg`` are never bridged either.
    """
    view = points - cam_center
    dist = np.linalg.norm(view, axis=-1)
    if normal is not None:
        cos = np.abs(np.sum(normal * view, axis=-1)) / np.maximum(dist, 1e-12)
    else:
        cos = np.full(dist.shape, COS_MIN)
    s = np.where(hit, dist / K[0, 0] / np.maximum(cos, COS_MIN), np.nan)
    lateral = np.where(hit, dist / K[0, 0], np.nan)  # footprint across the ray [m]
    tl, tr = (slice(0, -1), slice(0, -1)), (slice(0, -1), slice(1, None))
    bl, br = (slice(1, None), slice(0, -1)), (slice(1, None), slice(1, None))
    ok = hit[tl] & hit[tr] & hit[bl] & hit[br]
    with np.errstate(invalid="ignore"):
        for a, b, ln in ((tl, tr, 1.0), (tl, bl, 1.0), (tr, br, 1.0), (bl, br, 1.0), (tl, br, 2 ** 0.5)):
            d = points[a] - points[b]
            ok &= np.linalg.norm(d, axis=-1) <= factor * ln * np.maximum(s[a], s[b])
            if normal is not None:
                parallel = np.sum(normal[a] * normal[b], axis=-1) >= 0.95
                off = np.maximum(np.abs(np.sum(normal[a] * d, -1)), np.abs(np.sum(normal[b] * d, -1)))
                ok &= ~parallel | (off <= 0.5 * ln * np.maximum(lateral[a], lateral[b]))
                if crease_deg < 180:
                    ok &= np.sum(normal[a] * normal[b], axis=-1) >= np.cos(np.radians(crease_deg))
    return ok


def _levels(cfg: VASConfig) -> list[int]:
    top = {"pixel": 1, "stride": cfg.stride, "adaptive": cfg.max_stride}[cfg.cell]
    levels = [top]
    while levels[-1] > 1:
        levels.append(max(1, levels[-1] // 2))
    return levels


def build_vas(depth: np.ndarray, camera: PinholeCamera, normal: np.ndarray | None = None,
              cfg: VASConfig | None = None) -> VASMesh:
    """Build the VAS mesh of one view.

    Args:
        depth: (H, W) z-depth [m], NaN where nothing is hit.
        camera: the view's pinhole camera (OpenCV axes).
        normal: optional (H, W, 3) world normals; sharpen the discontinuity test and give
            the offset direction (else the offset points along the view ray).
        cfg: cell size, offset and discontinuity settings.
    """
    cfg = cfg or VASConfig()
    depth = np.asarray(depth, dtype=np.float64)
    h, w = depth.shape
    hit = np.isfinite(depth) & (depth > 0)
    K = camera.K
    pts = camera.backproject(np.where(hit, depth, np.nan))
    cam = np.asarray(camera.cam_to_world, dtype=np.float64)[:3, 3]
    if normal is not None:
        normal = np.asarray(normal, dtype=np.float64)
        normal = np.where(np.sum(normal * (pts - cam), -1, keepdims=True) > 0, -normal, normal)
    fine_ok = _continuity(pts, hit, cam, K, normal, cfg.max_edge_factor, cfg.crease_deg) if h > 1 and w > 1 \
        else np.zeros((max(h - 1, 0), max(w - 1, 0)), bool)
    covered = np.zeros_like(fine_ok)
    quads = []  # (r0, c0, r1, c1, stride) arrays per level
    for s in _levels(cfg):
        na, nb = -(-(h - 1) // s), -(-(w - 1) // s)
        if na == 0 or nb == 0:
            break
        pad = ((0, na * s - (h - 1)), (0, nb * s - (w - 1)))
        okb = np.pad(fine_ok, pad, constant_values=True).reshape(na, s, nb, s).all(axis=(1, 3))
        cvb = np.pad(covered, pad, constant_values=False).reshape(na, s, nb, s).any(axis=(1, 3))
        acc = okb & ~cvb
        a, b = np.nonzero(acc)
        r0, c0 = a * s, b * s
        r1, c1 = np.minimum(r0 + s, h - 1), np.minimum(c0 + s, w - 1)
        if cfg.cell == "adaptive" and s > 1:
            corners = [pts[r0, c0], pts[r0, c1], pts[r1, c0], pts[r1, c1]]
            edge = np.max([np.linalg.norm(corners[i] - corners[j], axis=-1)
                           for i, j in ((0, 1), (0, 2), (1, 3), (2, 3))], axis=0)
            keep = edge <= cfg.target_cell_m
            r0, c0, r1, c1 = r0[keep], c0[keep], r1[keep], c1[keep]
        if s == 1:
            covered[r0, c0] = True
        else:
            for i in range(len(r0)):  # mark the fine quads as covered
                covered[r0[i]:r1[i], c0[i]:c1[i]] = True
        quads.append((r0, c0, r1, c1, np.full(len(r0), s)))
    if not quads or sum(len(q[0]) for q in quads) == 0:
        return _empty(h, w, cfg.offset_m)
    r0, c0, r1, c1, st = (np.concatenate(x) for x in zip(*quads))

    # vertices: the distinct corner pixels
    corner_pix = np.stack([r0 * w + c0, r0 * w + c1, r1 * w + c0, r1 * w + c1], axis=1)
    uniq, inv = np.unique(corner_pix, return_inverse=True)
    inv = inv.reshape(-1, 4)
    vr, vc = uniq // w, uniq % w
    vpos = pts[vr, vc]
    if normal is not None:
        vn = normal[vr, vc]
    else:
        vn = cam - vpos
        vn /= np.linalg.norm(vn, axis=-1, keepdims=True)
    vpos = vpos + cfg.offset_m * vn
    # two triangles per quad: (tl, tr, br) and (tl, br, bl)
    faces = np.empty((2 * len(r0), 3), np.int64)
    faces[0::2] = inv[:, [0, 1, 3]]
    faces[1::2] = inv[:, [0, 3, 2]]
    fstride = np.repeat(st, 2).astype(np.int16)
    # wind every face towards the camera
    tri = vpos[faces]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    back = np.sum(n * (cam - tri.mean(axis=1)), axis=1) < 0
    faces[back] = faces[back][:, ::-1]

    pixel_face = _pixel_faces(h, w, r0, c0, r1, c1)
    return VASMesh(vertices=vpos.astype(np.float32), faces=faces.astype(np.int32),
                   vertex_pixel=np.stack([vr, vc], 1).astype(np.int32),
                   pixel_face=pixel_face, face_stride=fstride, offset_m=cfg.offset_m)


def _pixel_faces(h, w, r0, c0, r1, c1) -> np.ndarray:
    """(H, W) face index covering each pixel centre, -1 elsewhere. Where quads share a
    pixel, the earliest quad (coarsest level first) wins."""
    pix, face, prio = [], [], []
    # quads of one size share their pixel offsets and triangle split: one batch per size
    # (pixel (y, x) of quad q lies on its upper triangle 2q when
    # (x - c0) (r1 - r0) >= (y - r0) (c1 - c0), else on the lower one, 2q + 1)
    dims = np.stack([r1 - r0, c1 - c0], 1)
    for a, b in np.unique(dims, axis=0):
        qs = np.nonzero((dims[:, 0] == a) & (dims[:, 1] == b))[0]
        oy, ox = np.mgrid[0:a + 1, 0:b + 1]
        upper = (ox * a >= oy * b)[None]
        yy, xx = r0[qs, None, None] + oy[None], c0[qs, None, None] + ox[None]
        q3 = qs[:, None, None]
        pix.append((yy * w + xx).ravel())
        face.append(np.where(upper, 2 * q3, 2 * q3 + 1).ravel())
        prio.append(np.broadcast_to(q3, yy.shape).ravel())
    pix, face, prio = (np.concatenate(x) for x in (pix, face, prio))
    order = np.lexsort((prio, pix))
    first = np.unique(pix[order], return_index=True)[1]
    pf = np.full(h * w, -1, np.int32)
    pf[pix[order][first]] = face[order][first]
    return pf.reshape(h, w)


def _empty(h, w, offset):
    return VASMesh(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32),
                   np.zeros((0, 2), np.int32), np.full((h, w), -1, np.int32),
                   np.zeros(0, np.int16), offset)
