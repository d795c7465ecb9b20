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
    gx, gy = np.meshgrid(xs, ys)
    h = np.zeros((ny, nx), np.float32)
    for b in layout.buildings:
        lo = b.podium_height_m if b.tower is not None and b.podium_height_m is not None else b.height_m
        inside = shapely.contains_xy(b.footprint, gx, gy)
        h[inside] = np.maximum(h[inside], lo)
        if b.tower is not None:
            t = shapely.contains_xy(b.tower, gx, gy)
            h[t] = np.maximum(h[t], b.height_m)
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
