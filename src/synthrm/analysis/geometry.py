"""Geometric context of a sample from the scene's footprints: line of sight between a
transmitter and surface points, and the urban context of a transmitter position."""
from __future__ import annotations

import numpy as np
import shapely

from synthrm.scene.layout import Layout


def height_map(layout: Layout, cell_m: float = 1.0) -> tuple[np.ndarray, tuple[float, float], float]:
    """Building height [m] on a grid over the scene extent: (NY, NX) float32 (0 = street),
    its origin (x0, y0) [m] and cell size [m]. Towers count at full height over the
    tower outline, the podium height elsewhere."""
    x0, y0, x1, y1 = layout.extent
    nx, ny = int(np.ceil((x1 - x0) / cell_m)), int(np.ceil((y1 - y0) / cell_m))
    xs = x0 + (np.arange(nx) + 0.5) * cell_m
    ys = y0 + (np.arange(ny) + 0.5) * cell_m
    h = np.zeros((ny, nx), np.float32)

    def paint(poly, height):
        # only the cells of the polygon's bounding box are tested (the same cells, 10-50x fewer tests)
        bx0, by0, bx1, by1 = poly.bounds
        i0, i1 = max(int(np.floor((bx0 - x0) / cell_m)), 0), min(int(np.ceil((bx1 - x0) / cell_m)) + 1, nx)
        j0, j1 = max(int(np.floor((by0 - y0) / cell_m)), 0), min(int(np.ceil((by1 - y0) / cell_m)) + 1, ny)
        if i0 >= i1 or j0 >= j1:
            return
        gx, gy = np.meshgrid(xs[i0:i1], ys[j0:j1])
        win = h[j0:j1, i0:i1]
        inside = shapely.contains_xy(poly, gx, gy)
        win[inside] = np.maximum(win[inside], height)

    for b in layout.buildings:
        paint(b.footprint, b.podium_height_m if b.tower is not None and b.podium_height_m is not None else b.height_m)
        if b.tower is not None:
            paint(b.tower, b.height_m)
    return h, (x0, y0), cell_m


def line_of_sight(points_m: np.ndarray, tx_m: np.ndarray, hmap, step_m: float = 0.5,
                  end_margin_m: float = 1.0) -> np.ndarray:
    """(N,) bool: True where the straight segment from ``tx_m`` (3,) to each point (N, 3)
    [m] passes above every building of ``hmap`` (from :func:`height_map`), ignoring the
    last ``end_margin_m`` before the point (the point's own surface). NaN points: False."""
    h, (x0, y0), cell = hmap
    p = np.asarray(points_m, np.float64).reshape(-1, 3)
    tx = np.asarray(tx_m, np.float64).reshape(3)
    out = np.zeros(len(p), bool)
    ok = np.isfinite(p).all(1)
    d = np.linalg.norm(p - tx, axis=1)
    for i0 in range(0, len(p), 4096):
        sl = slice(i0, i0 + 4096)
        q, dq, m = np.where(ok[sl, None], p[sl], tx), np.where(ok[sl], d[sl], 0.0), ok[sl]
        if not m.any():
            continue
        n = int(np.ceil(dq.max() / step_m)) + 1
        t = np.linspace(0, 1, n)[None, :]  # (1, S)
        seg = tx[None, None] + t[..., None] * (q - tx)[:, None, :]  # (m, S, 3)
        along = t * dq[:, None]
        ix = np.clip(((seg[..., 0] - x0) / cell).astype(int), 0, h.shape[1] - 1)
        iy = np.clip(((seg[..., 1] - y0) / cell).astype(int), 0, h.shape[0] - 1)
        blocked = (seg[..., 2] < h[iy, ix]) & (along < dq[:, None] - end_margin_m)
        out[sl] = m & ~blocked.any(1)
    return out


def line_of_sight_sweep(points_m: np.ndarray, tx_m: np.ndarray, hmap, step_m: float = 1.0,
                        end_margin_m: float = 1.0, lateral_m: float = 0.1) -> np.ndarray:
    """:func:`line_of_sight` (same arguments, same rule) computed as a viewshed: the points
    are binned by azimuth around the Tx (bins ``lateral_m`` [m] wide at the farthest point),
    one ray per occupied bin is sampled every ``step_m`` [m] of horizontal distance out to
    its farthest point, and the running maximum of the building tops' slope seen from the
    Tx, ``(h - z_tx) / r``, decides every point of the bin at once: a point is in sight
    when its own slope is not below the maximum up to ``end_margin_m`` before it. The cost
    grows with the rays, not with points x samples: about 10x faster than
    :func:`line_of_sight` on a 128x96 view, and it differs from a 0.1 m march on 0.2 % of
    the points (the march at 1 m steps: 0.1 %). (N,) bool; NaN points: False."""
    h, (x0, y0), cell = hmap
    p = np.asarray(points_m, np.float64).reshape(-1, 3)
    tx = np.asarray(tx_m, np.float64).reshape(3)
    if step_m <= 0 or lateral_m <= 0:
        raise ValueError(f"step_m and lateral_m must be > 0, got {step_m} and {lateral_m}")
    out = np.zeros(len(p), bool)
    ok = np.isfinite(p).all(1)
    if not ok.any():
        return out
    q = p[ok]
    dx, dy, dz = q[:, 0] - tx[0], q[:, 1] - tx[1], q[:, 2] - tx[2]
    r = np.hypot(dx, dy)  # horizontal distance [m]
    d = np.sqrt(r * r + dz * dz)
    nb = max(int(np.ceil(2 * np.pi * max(float(r.max()), 1.0) / lateral_m)), 8)
    b = np.minimum(((np.arctan2(dy, dx) + np.pi) / (2 * np.pi) * nb).astype(np.int64), nb - 1)
    # the last sample a point sees: its horizontal distance less the margin's horizontal share
    last = np.floor((r - end_margin_m * np.divide(r, d, out=np.zeros_like(r), where=d > 0)) / step_m).astype(np.int64)
    bins, inv = np.unique(b, return_inverse=True)
    n = np.zeros(len(bins), np.int64)
    np.maximum.at(n, inv, last)
    n = np.maximum(n, 0) + 1  # samples per ray
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    ray = np.repeat(np.arange(len(bins)), n)
    rs = (np.arange(int(n.sum())) - start[ray]) * step_m  # (S,) horizontal distance of each sample [m]
    ang = (bins + 0.5) / nb * 2 * np.pi - np.pi
    ix = np.clip(((tx[0] - x0 + rs * np.cos(ang)[ray]) / cell).astype(np.int64), 0, h.shape[1] - 1)
    iy = np.clip(((tx[1] - y0 + rs * np.sin(ang)[ray]) / cell).astype(np.int64), 0, h.shape[0] - 1)
    big = 1e6  # a slope standing for straight up / down; rays are offset by 4 big to keep them apart
    rise = h[iy, ix] - tx[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        top = np.where(rs > 0, np.clip(rise / rs, -big, big), np.sign(rise) * big)
        own = np.where(r > 0, np.clip(dz / r, -big, big), np.sign(dz) * big)
    off = 4 * big * ray
    run = np.maximum.accumulate(top + off) - off  # the highest slope so far along each ray
    blocked = (last >= 0) & (run[start[inv] + np.clip(last, 0, None)] > own)
    out[np.flatnonzero(ok)] = ~blocked
    return out


def tx_context(layout: Layout, xy: np.ndarray, open_m: float = 15.0, canyon_m: float = 40.0) -> str:
    """Urban context of a ground position: ``crossing`` (inside two street corridors),
    ``street canyon`` (inside one, with buildings within ``canyon_m`` on both sides across
    the street), ``open`` (no building within ``open_m``), else ``near building``. A
    street corridor is the axis +- (width / 2 + sidewalk)."""
    x, y = float(xy[0]), float(xy[1])
    pt = shapely.Point(x, y)
    corridors = []
    for s in layout.streets:
        line = shapely.LineString([s.start, s.end])
        if line.distance(pt) <= s.width_m / 2 + layout.sidewalk_width_m:
            corridors.append(s)
    if len(corridors) >= 2:
        return "crossing"
    polys = [b.footprint for b in layout.buildings]
    if corridors:
        a = corridors[0].heading_rad + np.pi / 2
        hits = 0
        for sgn in (1, -1):
            ray = shapely.LineString([(x, y), (x + sgn * canyon_m * np.cos(a), y + sgn * canyon_m * np.sin(a))])
            hits += any(ray.intersects(pg) for pg in polys)
        if hits == 2:
            return "street canyon"
    dmin = min((pg.distance(pt) for pg in polys), default=np.inf)
    return "open" if dmin > open_m else "near building"


CONTEXTS = ("crossing", "street canyon", "open", "near building")


def tx_visible_to_camera(tx_m, K: np.ndarray, cam_to_world: np.ndarray, depth: np.ndarray, tol_m: float = 0.5,
                         rel_tol: float = 0.01) -> bool:
    """The SynthRM paper's line of sight, "the Tx visible to the camera": the transmitter
    ``tx_m`` (3,) [m] projects inside the image of the camera (``K``, ``cam_to_world``, the
    size of ``depth``) with a positive depth, and nothing is in front of it: the z-depth
    buffer at its pixel is sky (NaN) or not nearer than the Tx, up to ``max(tol_m, rel_tol
    * z)`` (the pixel's surface lies at most that much in front of it)."""
    from synthrm.camera.pinhole import PinholeCamera

    d = np.asarray(depth, np.float64)
    uv, z = PinholeCamera.for_depth(K, cam_to_world, d).project(np.asarray(tx_m, np.float64).reshape(3))
    if not (np.isfinite(z) and z > 0 and np.isfinite(uv).all()):
        return False
    u, v = int(np.floor(uv[0])), int(np.floor(uv[1]))
    if not (0 <= u < d.shape[1] and 0 <= v < d.shape[0]):
        return False
    surf = d[v, u]
    return bool(not np.isfinite(surf) or surf >= z - max(tol_m, rel_tol * z))
