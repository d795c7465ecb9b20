"""Procedural appearance of a city: textures, window grids, lane markings, trees, street lights.

:func:`city_scene` turns a :class:`~synthrm.scene.city.City` into the shapes a scene
folder holds: class meshes with texture coordinates, one facade shape per facade style
(each building draws a style, a floor height and a bay width), optional glass windows cut
into the facades, visual-only lane markings, optional trees and street lights, and the
texture images. Everything is deterministic from the city seed.

Texture convention (Mitsuba's): texture coordinate ``v`` indexes image rows from row 0,
``u`` columns; both wrap. Facade textures hold ``FACADE_TILE`` x ``FACADE_TILE`` bays x
floors, so windows vary within a facade and, at night, a random subset of them is lit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point
from shapely.prepared import prep

from synthrm.scene.city import City
from synthrm.scene.districts import DISTRICTS
from synthrm.scene.mesh import box_mesh, concat_meshes, concat_meshes_uv

#: Bays (columns) and floors (rows) in one facade texture tile.
FACADE_TILE = 8
#: Pixels per bay and per floor in a facade texture.
FACADE_PX = 48
#: Ground textures: pixels per tile and tile size [m] per class.
GROUND_PX = 256
GROUND_TILE_M = {"road": 8.0, "sidewalk": 4.0, "ground": 8.0, "roof": 8.0}
MARKING_Z_M = 0.02
"""Height of the painted lane markings above the road [m] (visual only)."""


@dataclass
class FacadeStyle:
    """One facade texture: colours and the window rectangle of each bay."""

    wall_srgb: np.ndarray
    glass_srgb: np.ndarray
    window_width: float
    window_height: float
    sill: float
    """Window sill height as a fraction of the floor height."""
    lit: np.ndarray
    """(FACADE_TILE, FACADE_TILE) bool: windows lit at night (rows = floors)."""
    shade: np.ndarray
    """(FACADE_TILE, FACADE_TILE) float: per-window blind darkness in [0, 1]."""


@dataclass
class SceneParts:
    """What :func:`city_scene` makes, ready for :func:`synthrm.scene.writer.write_scene`."""

    surfaces: dict[str, tuple]
    """{shape id: (vertices (V, 3), faces (F, 3)[, uv (V, 2)])}."""
    shape_info: dict[str, dict] = field(default_factory=dict)
    """{shape id: {semantic, radio (bool), visual {...}}}."""
    textures: dict[str, np.ndarray] = field(default_factory=dict)
    """{name: (H, W, 3) or (H, W) uint8 image}; written to ``textures/<name>.png``."""
    street_lights: list[list[float]] = field(default_factory=list)
    """Lamp head positions [[x, y, z], ...] [m] (night lighting)."""
    obstacles: list[list[float]] = field(default_factory=list)
    """Bounding boxes [[xmin, ymin, zmin, xmax, ymax, zmax], ...] [m] of the street objects
    the radio scene holds (trunks, crowns, poles, lamp arms): transmitters keep out."""


# --------------------------------------------------------------------------- images
def tileable_noise(shape: tuple[int, int], scale_px: float, rng: np.random.Generator) -> np.ndarray:
    """Periodic smooth noise (H, W) float64 with zero mean and unit std (Gaussian-filtered
    white noise in the Fourier domain, so it tiles seamlessly)."""
    h, w = shape
    white = rng.standard_normal((h, w))
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :]
    g = np.exp(-2 * (math.pi * scale_px) ** 2 * (fx ** 2 + fy ** 2))
    n = np.real(np.fft.ifft2(np.fft.fft2(white) * g))
    return (n - n.mean()) / (n.std() + 1e-12)


def _to_u8(srgb: np.ndarray) -> np.ndarray:
    return np.round(np.clip(srgb, 0, 1) * 255).astype(np.uint8)


def ground_texture(cls: str, rng: np.random.Generator) -> np.ndarray:
    """(GROUND_PX, GROUND_PX, 3) uint8 sRGB texture of a ground class (one tile of
    ``GROUND_TILE_M[cls]`` metres)."""
    n = GROUND_PX
    fine, coarse = tileable_noise((n, n), 1.0, rng), tileable_noise((n, n), 12.0, rng)
    if cls == "road":  # asphalt: dark, speckled, patchy
        base = np.array([0.24, 0.24, 0.25])
        img = base * (1 + 0.10 * fine + 0.08 * coarse)[..., None]
    elif cls == "sidewalk":  # 1 m concrete slabs with grout lines
        base = np.array([0.66, 0.64, 0.60])
        slabs = n // 4
        tone = rng.uniform(0.92, 1.06, (4, 4))
        yy, xx = np.mgrid[0:n, 0:n]
        t = tone[yy // slabs, xx // slabs]
        grout = ((yy % slabs) < 2) | ((xx % slabs) < 2)
        img = base * (t * (1 + 0.05 * fine))[..., None]
        img[grout] *= 0.6
    elif cls == "ground":  # grass with dry patches
        green, dry = np.array([0.30, 0.45, 0.18]), np.array([0.50, 0.46, 0.30])
        m = np.clip(0.5 + 0.35 * coarse, 0, 1)[..., None]
        img = (green * (1 - m * 0.6) + dry * m * 0.6) * (1 + 0.12 * fine)[..., None]
    elif cls == "roof":  # gravel / membrane
        base = np.array([0.46, 0.45, 0.44]) * rng.uniform(0.8, 1.15)
        img = base * (1 + 0.12 * fine + 0.06 * coarse)[..., None]
    else:
        raise ValueError(f"no ground texture for class {cls!r}")
    return _to_u8(img)


def facade_style(district: str, rng: np.random.Generator) -> FacadeStyle:
    """Draw a facade style of ``district``."""
    d = DISTRICTS.get(district, "city.district").style
    wall = np.asarray(d.wall_palette[int(rng.integers(len(d.wall_palette)))]) * rng.uniform(0.9, 1.08, 3)
    wh = rng.uniform(*d.window_height)
    return FacadeStyle(
        wall_srgb=np.clip(wall, 0, 1), glass_srgb=np.asarray(d.glass_srgb) * rng.uniform(0.85, 1.15, 3),
        window_width=float(rng.uniform(*d.window_width)), window_height=float(wh),
        sill=float(rng.uniform(0.2, max(0.21, 0.92 - wh))),
        lit=rng.random((FACADE_TILE, FACADE_TILE)) < rng.uniform(0.2, 0.6),
        shade=rng.beta(0.6, 2.0, (FACADE_TILE, FACADE_TILE)))


def facade_textures(style: FacadeStyle, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images of one facade style, rows = height (v), columns = along the wall (u):
    albedo (H, W, 3) uint8 sRGB, roughness (H, W) uint8 (value / 255), and night emission
    (H, W, 3) uint8 sRGB (lit windows; 0 elsewhere)."""
    n = FACADE_TILE * FACADE_PX
    fu = fv = (np.arange(FACADE_PX) + 0.5) / FACADE_PX  # pixel centres across a bay / up a floor
    across = (np.abs(fu - 0.5) < style.window_width / 2)
    up = (fv >= style.sill) & (fv < style.sill + style.window_height)
    win_cell = up[:, None] & across[None, :]  # (P, P) one bay x floor
    win = np.tile(win_cell, (FACADE_TILE, FACADE_TILE))
    noise = tileable_noise((n, n), 2.0, rng)
    wall = style.wall_srgb * (1 + 0.04 * noise)[..., None]
    # a slab line at each floor level and a darker frame around windows
    slab = np.tile((fv < 0.04) | (fv > 0.97), FACADE_TILE)[:, None] & np.ones((1, n), bool)
    wall[slab] *= 0.8
    shade = np.kron(style.shade, np.ones((FACADE_PX, FACADE_PX)))
    glass = style.glass_srgb * (1 - 0.5 * shade)[..., None] * (1 + 0.03 * noise)[..., None]
    albedo = np.where(win[..., None], glass, wall)
    rough = np.where(win, 0.05, 0.6)
    lit = np.kron(style.lit, np.ones((FACADE_PX, FACADE_PX), bool)) & win
    warm = np.array([1.0, 0.85, 0.6]) * (1 - 0.6 * shade)[..., None]
    emission = np.where(lit[..., None], warm, 0.0)
    return _to_u8(albedo), np.round(rough * 255).astype(np.uint8), _to_u8(emission)


# --------------------------------------------------------------------------- meshes
def _facade_walls(poly, z0: float, z1: float, bay_m: float, floor_m: float,
                  style: FacadeStyle | None = None, cut_windows: bool = False):
    """Walls of ``poly`` from ``z0`` to ``z1`` with texture coordinates: u along the wall
    (one unit = FACADE_TILE bays of ``bay_m``, whole bays centred on each wall), v up (one
    unit = FACADE_TILE floors of ``floor_m``, counted from the ground). With
    ``cut_windows``, returns (wall parts, window parts) split on the window grid;
    else (walls, None). Each part: (vertices (V, 3), faces (F, 3), uv (V, 2))."""
    rings = [np.asarray(poly.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2] for r in poly.interiors]
    walls, windows = [], []
    for coords in rings:
        for a, b in zip(coords[:-1], coords[1:]):
            length = float(np.hypot(*(b - a)))
            if length < 1e-9:
                continue
            bays = max(1, int(length // bay_m))
            s_off = (length - bays * bay_m) / 2  # whole bays, centred
            if not cut_windows:
                ss, zs, kinds = [0.0, length], [z0, z1], np.zeros((1, 1), bool)
            else:
                ss = [0.0, length]
                for j in range(bays):
                    c = s_off + (j + 0.5) * bay_m
                    ss += [c - style.window_width * bay_m / 2, c + style.window_width * bay_m / 2]
                zs = [z0, z1]
                for i in range(int(math.floor(z0 / floor_m)), int(math.ceil(z1 / floor_m))):
                    lo = (i + style.sill) * floor_m
                    hi = lo + style.window_height * floor_m
                    if lo >= z0 + 0.3 and hi <= z1 - 0.3:
                        zs += [lo, hi]
                ss, zs = sorted(set(round(s, 6) for s in ss)), sorted(set(round(z, 6) for z in zs))
                sc, zc = (np.array(ss[:-1]) + ss[1:]) / 2, (np.array(zs[:-1]) + zs[1:]) / 2
                in_bay = np.abs(((sc - s_off) % bay_m) / bay_m - 0.5) < style.window_width / 2
                in_bay &= (sc > s_off) & (sc < length - s_off)
                fz = (zc / floor_m) % 1.0
                in_floor = (fz >= style.sill) & (fz < style.sill + style.window_height)
                # rows hosting a window must have been split on both window edges
                kinds = in_floor[:, None] & in_bay[None, :]
            d = (b - a) / length
            for i in range(len(zs) - 1):
                for j in range(len(ss) - 1):
                    p0, p1 = a + d * ss[j], a + d * ss[j + 1]
                    v = np.array([[p0[0], p0[1], zs[i]], [p1[0], p1[1], zs[i]],
                                  [p1[0], p1[1], zs[i + 1]], [p0[0], p0[1], zs[i + 1]]])
                    uv = np.array([[ss[j] - s_off, zs[i]], [ss[j + 1] - s_off, zs[i]],
                                   [ss[j + 1] - s_off, zs[i + 1]], [ss[j] - s_off, zs[i + 1]]])
                    uv = uv / [bay_m * FACADE_TILE, floor_m * FACADE_TILE]
                    part = (v, np.array([[0, 1, 2], [0, 2, 3]]), uv)
                    (windows if kinds[i, j] else walls).append(part)
    return walls, (windows if cut_windows else None)


def _planar(v, f, tile_m):
    return v, f, v[:, :2] / tile_m


def icosphere(subdiv: int = 1):
    """Unit sphere: vertices (V, 3) float64, faces (F, 3) int64 wound outwards (20 x 4^subdiv faces)."""
    t = (1 + 5 ** 0.5) / 2
    v = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
         [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]]
    f = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2],
         [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5],
         [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]]
    v = [np.asarray(p, float) / np.linalg.norm(p) for p in v]
    for _ in range(subdiv):
        mid, nf = {}, []

        def m(i, j):
            k = (min(i, j), max(i, j))
            if k not in mid:
                p = v[i] + v[j]
                v.append(p / np.linalg.norm(p))
                mid[k] = len(v) - 1
            return mid[k]
        for a, b, c in f:
            ab, bc, ca = m(a, b), m(b, c), m(c, a)
            nf += [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
        f = nf
    return np.asarray(v), np.asarray(f, np.int64)


def _near_axis(s, p, dist):
    a, b = np.asarray(s.start, float), np.asarray(s.end, float)
    ab = b - a
    t = np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0, 1)
    return float(np.linalg.norm(a + t * ab - p)) < dist


def lane_markings(city: City) -> tuple[np.ndarray, np.ndarray]:
    """Painted lines as flat quads at MARKING_Z_M: a dashed centre line (3 m dashes every
    9 m) and edge lines 0.3 m from each curb, broken at intersections and kept on the road.
    Returns vertices (V, 3), faces (F, 3)."""
    road = prep(city.roads)
    quads = []

    def add(p0, p1, nrm, half_w):
        c = [p0 - nrm * half_w, p1 - nrm * half_w, p1 + nrm * half_w, p0 + nrm * half_w]
        if all(road.contains(Point(*q)) for q in c):
            quads.append(np.array([[q[0], q[1], MARKING_Z_M] for q in c]))

    for s in city.streets:
        a, b = np.asarray(s.start, float), np.asarray(s.end, float)
        length = float(np.linalg.norm(b - a))
        d = (b - a) / length
        nrm = np.array([-d[1], d[0]])
        ts = np.arange(0.0, length, 0.5)
        free = np.array([not any(o is not s and _near_axis(o, a + d * t, o.width_m / 2 + 0.5)
                                 for o in city.streets) for t in ts])
        # runs of free samples -> continuous edge lines
        edges = np.flatnonzero(np.diff(np.r_[0, free.astype(int), 0]))
        for r0, r1 in zip(edges[::2], edges[1::2]):
            t0, t1 = ts[r0], ts[r1 - 1]
            if t1 - t0 < 1.0:
                continue
            for side in (-1.0, 1.0):
                off = side * (s.width_m / 2 - 0.3) * nrm
                add(a + d * t0 + off, a + d * t1 + off, nrm, 0.06)
            for t in np.arange(t0 + 1.0, t1 - 3.0, 9.0):  # centre dashes
                add(a + d * t, a + d * (t + 3.0), nrm, 0.075)
    if not quads:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    v = np.concatenate(quads)
    f = np.concatenate([np.array([[0, 1, 2], [0, 2, 3]]) + 4 * k for k in range(len(quads))])
    # counter-clockwise seen from above
    a_, b_, c_ = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    flip = np.cross(b_ - a_, c_ - a_)[:, 2] < 0
    f[flip] = f[flip][:, ::-1]
    return v, f


def street_objects(city: City, rng: np.random.Generator, tree_spacing_m: float = 12.0,
                   lamp_spacing_m: float = 30.0):
    """Trees on the sidewalks and street lights at the curb.

    Returns (trees (V, 3), (F, 3)), (poles (V, 3), (F, 3)), lamp head positions (L, 3) [m]
    and the bounding box of every part (N, 6) [xmin, ymin, zmin, xmax, ymax, zmax] [m].
    Objects within 2.5 m of a building are left out.
    """
    sw = city.sidewalk_width_m
    trees, poles, lamps = [], [], []
    ico_v, ico_f = icosphere(1)
    for x, y, to_axis in _street_points_by_width(city, tree_spacing_m, lambda s: s.width_m / 2 + sw / 2, rng):
        if rng.random() > 0.75 or city.building_at(x, y, 1.0, margin_m=2.5) is not None:
            continue
        h = rng.uniform(3.0, 4.0)
        r = rng.uniform(1.4, 2.0)
        trees.append(box_mesh((x - 0.15, y - 0.15, 0.0), (x + 0.15, y + 0.15, h + 0.3)))
        trees.append((ico_v * [r, r, r * rng.uniform(1.0, 1.3)] + [x, y, h + r * 0.9], ico_f))
    for x, y, to_axis in _street_points_by_width(city, lamp_spacing_m, lambda s: s.width_m / 2 + 0.5, rng):
        if city.building_at(x, y, 1.0, margin_m=2.5) is not None:
            continue
        poles.append(box_mesh((x - 0.08, y - 0.08, 0.0), (x + 0.08, y + 0.08, 7.0)))
        tip = np.array([x, y]) + to_axis * 1.5
        mid = (np.array([x, y]) + tip) / 2
        hx, hy = (0.75 + 0.1, 0.06) if abs(to_axis[0]) > abs(to_axis[1]) else (0.06, 0.75 + 0.1)
        poles.append(box_mesh((mid[0] - hx, mid[1] - hy, 6.85), (mid[0] + hx, mid[1] + hy, 7.0)))
        lamps.append([float(tip[0]), float(tip[1]), 6.75])
    boxes = np.array([np.concatenate([v.min(0), v.max(0)]) for v, _ in trees + poles]).reshape(-1, 6)
    return concat_meshes(trees), concat_meshes(poles), np.asarray(lamps, float).reshape(-1, 3), boxes


def _street_points_by_width(city: City, spacing_m: float, lateral_fn, rng):
    out = []
    for s in city.streets:
        a, b = np.asarray(s.start, float), np.asarray(s.end, float)
        length = float(np.linalg.norm(b - a))
        d = (b - a) / length
        nrm = np.array([-d[1], d[0]])
        lateral = lateral_fn(s)
        for t in np.arange(rng.uniform(0, spacing_m), length, spacing_m):
            p = a + d * t
            if any(o is not s and _near_axis(o, p, o.width_m / 2 + city.sidewalk_width_m + 2.0)
                   for o in city.streets):
                continue
            for side in (-1.0, 1.0):
                out.append((*(p + side * lateral * nrm), -side * nrm))
    return out


# --------------------------------------------------------------------------- scene
def city_scene(city: City, textures: bool = True, glass_windows: bool = False,
               street_objects_mode: str = "none", facade_styles: int = 4,
               tree_spacing_m: float = 12.0, lamp_spacing_m: float = 30.0) -> SceneParts:
    """Shapes, texture images and lights of a city (see module docstring).

    ``street_objects_mode``: ``none``, ``visual`` (trees and street lights in the images
    only) or ``radio`` (also in the radio scene: wood and metal). ``glass_windows`` cuts
    the window grid out of the facades as ``window`` shapes (radio material ``glass`` by
    default). Lane markings are always visual only.
    """
    from synthrm.scene.city import city_surfaces

    rng = np.random.default_rng(np.random.SeedSequence([int(city.seed), 0x7E87]))
    base = city_surfaces(city)
    parts = SceneParts(surfaces={})
    for cls in ("road", "sidewalk", "ground"):
        if cls in base:
            v, f = base[cls]
            parts.surfaces[cls] = _planar(v, f, GROUND_TILE_M[cls]) if textures else (v, f)
            if textures:
                parts.textures[cls] = ground_texture(cls, rng)
                parts.shape_info[cls] = {"semantic": cls, "visual": {"texture": cls}}
    if "roof" in base:
        v, f = base["roof"]
        parts.surfaces["roof"] = _planar(v, f, GROUND_TILE_M["roof"]) if textures else (v, f)
        if textures:
            parts.textures["roof"] = ground_texture("roof", rng)
            parts.shape_info["roof"] = {"semantic": "roof", "visual": {"texture": "roof"}}

    # facades: each building draws a style, a floor height and a bay width
    style_d = DISTRICTS.get(city.district, "city.district").style
    styles = [facade_style(city.district, rng) for _ in range(facade_styles)]
    walls: list[list] = [[] for _ in styles]
    windows: list[list] = [[] for _ in styles]
    for b in city.buildings:
        k = int(rng.integers(len(styles)))
        fm, bm = rng.uniform(*style_d.floor_height_m), rng.uniform(*style_d.bay_width_m)
        pieces = [(b.footprint, 0.0, b.height_m)] if b.tower is None else \
            [(b.footprint, 0.0, b.podium_height_m), (b.tower, b.podium_height_m, b.height_m)]
        for poly, z0, z1 in pieces:
            w, win = _facade_walls(poly, z0, z1, bm, fm, styles[k], cut_windows=glass_windows)
            walls[k] += w
            windows[k] += win or []
    if not textures:  # one flat-coloured shape per class (windows only with glass_windows)
        for sid, pieces in (("facade", walls), ("window", windows)):
            v, f, _ = concat_meshes_uv([p for ps in pieces for p in ps])
            if len(f):
                parts.surfaces[sid] = (v, f)
    else:
        for k, st in enumerate(styles):
            if walls[k]:
                sid = f"facade_{k}"
                parts.surfaces[sid] = concat_meshes_uv(walls[k])
                alb, rough, emis = facade_textures(st, rng)
                parts.textures[sid] = alb
                parts.textures[f"{sid}_roughness"] = rough
                parts.textures[f"{sid}_night"] = emis
                parts.shape_info[sid] = {"semantic": "facade", "visual": {
                    "texture": sid, "roughness_texture": f"{sid}_roughness", "night_emission": f"{sid}_night"}}
            if windows[k]:
                sid = f"window_{k}"
                parts.surfaces[sid] = concat_meshes_uv(windows[k])
                # the facade's own textures: the cut follows their window grid
                parts.shape_info[sid] = {"semantic": "window", "visual": {
                    "texture": f"facade_{k}", "roughness_texture": f"facade_{k}_roughness",
                    "night_emission": f"facade_{k}_night"}}

    if textures:
        v, f = lane_markings(city)
        if len(f):
            parts.surfaces["lane_markings"] = (v, f)
            parts.shape_info["lane_markings"] = {"semantic": "road", "radio": False,
                                                 "visual": {"albedo": [0.75, 0.75, 0.72], "roughness": 0.6}}

    obj_rng = np.random.default_rng(np.random.SeedSequence([int(city.seed), 0x1A4B]))
    (tv, tf), (pv, pf), lamps, boxes = street_objects(city, obj_rng, tree_spacing_m, lamp_spacing_m)
    parts.street_lights = lamps.round(4).tolist()
    if street_objects_mode != "none":
        radio = street_objects_mode == "radio"
        if radio:
            parts.obstacles = boxes.round(4).tolist()
        if len(tf):
            parts.surfaces["vegetation"] = (tv, tf)
            parts.shape_info["vegetation"] = {"semantic": "vegetation", "radio": radio}
        if len(pf):
            parts.surfaces["street_lights"] = (pv, pf)
            parts.shape_info["street_lights"] = {"semantic": "pole", "radio": radio}
    return parts


__all__ = ["city_scene", "SceneParts", "lane_markings", "street_objects", "facade_textures",
           "ground_texture", "tileable_noise", "FACADE_TILE"]
