"""Procedural cities: a street grid with jittered blocks, parcels and extruded buildings.

Deterministic from its seed. The layout (:class:`City`) is pure geometry in 2D plus
heights; :func:`city_surfaces` turns it into triangle meshes, one per semantic class.
World frame: x east, y north, z up, metres; the ground is the plane z = 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from synthrm.scene.config import CityConfig
from synthrm.scene.mesh import concat_meshes


@dataclass
class Building:
    """One building: a footprint extruded to ``height_m``, optionally a tower on a podium."""

    footprint: Polygon
    """Outline on the ground (counter-clockwise), metres."""
    height_m: float
    """Roof height of the highest part [m]."""
    kind: str
    """``rect``, ``L``, ``U`` or ``tower``."""
    podium_height_m: float | None = None
    """For ``tower``: height of the podium [m]."""
    tower: Polygon | None = None
    """For ``tower``: outline of the tower part above the podium."""

    def contains(self, x: float, y: float, z: float, margin_m: float = 0.0) -> bool:
        """True when the point lies inside (or within ``margin_m`` of) the building volume."""
        p = Point(x, y)
        if z > self.height_m + margin_m or z < -margin_m:
            return False
        if self.tower is not None and z > self.podium_height_m + margin_m:
            return self.tower.distance(p) <= margin_m
        return self.footprint.distance(p) <= margin_m


def building_at(buildings: list[Building], x: float, y: float, z: float = 0.0,
                margin_m: float = 0.0) -> Building | None:
    """The building whose volume (grown by ``margin_m``) holds (x, y, z), or None."""
    for b in buildings:
        if b.contains(x, y, z, margin_m):
            return b
    return None


@dataclass
class Street:
    """A street centreline segment with its width."""

    start: tuple[float, float]
    end: tuple[float, float]
    width_m: float

    @property
    def heading_rad(self) -> float:
        return math.atan2(self.end[1] - self.start[1], self.end[0] - self.start[0])


@dataclass
class City:
    """A generated city layout."""

    seed: int
    district: str
    extent: tuple[float, float, float, float]
    """(xmin, ymin, xmax, ymax) of the whole ground [m]."""
    roads: Polygon
    sidewalks: list[Polygon]
    ground: list[Polygon]
    buildings: list[Building]
    streets: list[Street]
    radio_materials: dict[str, str] = field(default_factory=dict)
    sidewalk_width_m: float = 3.0

    def building_at(self, x: float, y: float, z: float = 0.0, margin_m: float = 0.0) -> Building | None:
        """The building whose volume holds (x, y, z), or None."""
        return building_at(self.buildings, x, y, z, margin_m)

    def footprints_json(self) -> dict:
        """Building footprints and street axes as plain JSON (for Tx placement, analysis)."""
        def ring(poly):
            return [[round(float(x), 4), round(float(y), 4)] for x, y in list(poly.exterior.coords)[:-1]]

        return {
            "seed": self.seed,
            "district": self.district,
            "extent_m": list(self.extent),
            "sidewalk_width_m": self.sidewalk_width_m,
            "buildings": [
                {"footprint": ring(b.footprint), "height_m": b.height_m, "kind": b.kind,
                 **({"podium_height_m": b.podium_height_m, "tower": ring(b.tower)} if b.tower is not None else {})}
                for b in self.buildings
            ],
            "streets": [{"start": list(s.start), "end": list(s.end), "width_m": s.width_m} for s in self.streets],
        }


def _uniform(rng: np.random.Generator, lo_hi) -> float:
    lo, hi = lo_hi
    return float(rng.uniform(lo, hi)) if hi > lo else float(lo)


def _split(rng, length: float, size_range) -> list[float]:
    """Split ``length`` into pieces of about ``size_range`` [m]; returns cut positions."""
    lo, hi = size_range
    n = max(1, int(round(length / _uniform(rng, (lo, hi)))))
    w = rng.uniform(0.7, 1.3, size=n)
    w = w / w.sum() * length
    return [0.0, *np.cumsum(w).tolist()]


def _footprint(rng, x0, y0, x1, y1, cfg: CityConfig):
    """A building in the rectangle [x0, x1] x [y0, y1]: returns (kind, footprint, tower)."""
    w, h = x1 - x0, y1 - y0
    r = rng.random()
    if r < cfg.tower_probability and min(w, h) > 12:
        fx, fy = rng.uniform(0.45, 0.7), rng.uniform(0.45, 0.7)
        cx, cy = x0 + w * rng.uniform(0.35, 0.65), y0 + h * rng.uniform(0.35, 0.65)
        tw, th = w * fx, h * fy
        tx0 = min(max(cx - tw / 2, x0 + 1), x1 - 1 - tw)
        ty0 = min(max(cy - th / 2, y0 + 1), y1 - 1 - th)
        return "tower", box(x0, y0, x1, y1), box(tx0, ty0, tx0 + tw, ty0 + th)
    r = rng.random()
    base = box(x0, y0, x1, y1)
    if min(w, h) > 10 and r < 0.3:  # L: remove one corner
        cw, ch = w * rng.uniform(0.35, 0.6), h * rng.uniform(0.35, 0.6)
        corner = int(rng.integers(4))
        cx = x0 if corner in (0, 3) else x1 - cw
        cy = y0 if corner in (0, 1) else y1 - ch
        return "L", base.difference(box(cx, cy, cx + cw, cy + ch)), None
    if min(w, h) > 14 and r < 0.5:  # U: remove a notch from the middle of one side
        side = int(rng.integers(4))
        if side in (0, 2):  # notch along x, from bottom or top
            nw, nh = w * rng.uniform(0.3, 0.5), h * rng.uniform(0.3, 0.55)
            nx = x0 + (w - nw) / 2
            ny = y0 if side == 0 else y1 - nh
            return "U", base.difference(box(nx, ny, nx + nw, ny + nh)), None
        nw, nh = w * rng.uniform(0.3, 0.55), h * rng.uniform(0.3, 0.5)
        ny = y0 + (h - nh) / 2
        nx = x0 if side == 3 else x1 - nw
        return "U", base.difference(box(nx, ny, nx + nw, ny + nh)), None
    # plain rectangle, slightly shrunk at random
    sx, sy = rng.uniform(0.0, 0.15) * w, rng.uniform(0.0, 0.15) * h
    return "rect", box(x0 + sx / 2, y0 + sy / 2, x1 - sx / 2, y1 - sy / 2), None


def _clean(poly: Polygon) -> Polygon:
    from shapely.geometry.polygon import orient

    poly = poly.simplify(1e-6, preserve_topology=True)
    return orient(poly, sign=1.0)


def generate_city(cfg: CityConfig, seed: int) -> City:
    """Generate a city layout from ``cfg``; the same (cfg, seed) gives the same city."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5C17]))

    def axis(n_blocks):
        streets = [_uniform(rng, cfg.street_width_m) for _ in range(n_blocks + 1)]
        blocks = [_uniform(rng, cfg.block_size_m) for _ in range(n_blocks)]
        pos, spans, street_spans = cfg.margin_m, [], []
        for i in range(n_blocks):
            street_spans.append((pos, pos + streets[i]))
            pos += streets[i]
            spans.append((pos, pos + blocks[i]))
            pos += blocks[i]
        street_spans.append((pos, pos + streets[-1]))
        pos += streets[-1]
        return spans, street_spans, pos + cfg.margin_m

    xs, sxs, width = axis(cfg.blocks_x)
    ys, sys_, height = axis(cfg.blocks_y)
    extent = (0.0, 0.0, width, height)
    grid = box(sxs[0][0], sys_[0][0], sxs[-1][1], sys_[-1][1])
    blocks = [box(x0, y0, x1, y1) for (x0, x1) in xs for (y0, y1) in ys]
    roads = _clean(grid.difference(unary_union(blocks)))
    o = cfg.outskirts_m
    outer = box(-o, -o, width + o, height + o).difference(grid)

    streets = []
    for (a, b) in sxs:  # north-south streets
        streets.append(Street(((a + b) / 2, sys_[0][0]), ((a + b) / 2, sys_[-1][1]), b - a))
    for (a, b) in sys_:  # east-west streets
        streets.append(Street((sxs[0][0], (a + b) / 2), (sxs[-1][1], (a + b) / 2), b - a))

    sw = cfg.sidewalk_width_m
    sidewalks, ground, buildings = [], [], []
    if outer.area > 0:
        ground.append(_clean(outer))
    gap = 2.0  # metres between neighbouring parcels' buildings and to the sidewalk
    for blk in blocks:
        bx0, by0, bx1, by1 = blk.bounds
        inner = box(bx0 + sw, by0 + sw, bx1 - sw, by1 - sw)
        if sw > 0:
            sidewalks.append(_clean(blk.difference(inner)))
        ix0, iy0, ix1, iy1 = inner.bounds
        cuts_x = _split(rng, ix1 - ix0, cfg.parcel_size_m)
        cuts_y = _split(rng, iy1 - iy0, cfg.parcel_size_m)
        feet = []
        for i in range(len(cuts_x) - 1):
            for j in range(len(cuts_y) - 1):
                if rng.random() >= cfg.density:
                    continue
                px0, px1 = ix0 + cuts_x[i] + gap / 2, ix0 + cuts_x[i + 1] - gap / 2
                py0, py1 = iy0 + cuts_y[j] + gap / 2, iy0 + cuts_y[j + 1] - gap / 2
                if min(px1 - px0, py1 - py0) < 6:
                    continue
                kind, fp, tower = _footprint(rng, px0, py0, px1, py1, cfg)
                lo, hi = cfg.height_m
                h = float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi > lo else float(lo)
                podium = None
                if kind == "tower":
                    h = max(h, min(hi, 2.5 * lo))
                    podium = float(max(4.0, h * rng.uniform(0.12, 0.3)))
                b = Building(_clean(fp), round(h, 3), kind, podium,
                             _clean(tower) if tower is not None else None)
                buildings.append(b)
                feet.append(b.footprint)
        rest = inner.difference(unary_union(feet)) if feet else inner
        for g in getattr(rest, "geoms", [rest]):
            if g.area > 1e-6:
                ground.append(_clean(g))
    return City(seed=int(seed), district=cfg.district, extent=extent, roads=roads,
                sidewalks=sidewalks, ground=ground, buildings=buildings, streets=streets,
                radio_materials=dict(cfg.radio_materials), sidewalk_width_m=sw)


# --------------------------------------------------------------------------- meshing
def triangulate_polygon(poly: Polygon, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate a polygon (with holes) at height ``z``; faces wind counter-clockwise
    seen from above (normals +z). Returns vertices (V, 3) float64, faces (F, 3) int64."""
    import mapbox_earcut as earcut

    rings = [np.asarray(poly.exterior.coords)[:-1, :2]]
    rings += [np.asarray(r.coords)[:-1, :2] for r in poly.interiors]
    verts2 = np.concatenate(rings).astype(np.float64)
    ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
    tri = np.asarray(earcut.triangulate_float64(verts2, ends), dtype=np.int64).reshape(-1, 3)
    v = np.column_stack([verts2, np.full(len(verts2), z)])
    if len(tri):
        a, b, c = v[tri[:, 0]], v[tri[:, 1]], v[tri[:, 2]]
        nz = np.cross(b - a, c - a)[:, 2]
        flip = nz < 0
        tri[flip] = tri[flip][:, ::-1]
        tri = tri[np.abs(nz) > 1e-12]
    return v, tri


def extrude_walls(poly: Polygon, z0: float, z1: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertical walls along every ring of ``poly`` from ``z0`` to ``z1``, normals outward.
    Each wall quad has its own four vertices (flat shading)."""
    verts, faces = [], []
    # After orient(sign=1) exterior rings are CCW and interiors CW, so the outward
    # normal of the solid along edge a->b is always (dy, -dx).
    rings = [np.asarray(poly.exterior.coords)[:, :2]]
    rings += [np.asarray(r.coords)[:, :2] for r in poly.interiors]
    n = 0
    for coords in rings:
        for a, b in zip(coords[:-1], coords[1:]):
            if np.allclose(a, b):
                continue
            verts.append(np.array([[a[0], a[1], z0], [b[0], b[1], z0],
                                   [b[0], b[1], z1], [a[0], a[1], z1]]))
            faces += [[n, n + 1, n + 2], [n, n + 2, n + 3]]
            n += 4
    if not verts:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    return np.concatenate(verts), np.asarray(faces, np.int64)


def city_surfaces(city: City) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Triangle meshes per semantic class: ``{class: (vertices (V,3) float64, faces (F,3))}``."""
    def polys(geom):
        return list(getattr(geom, "geoms", [geom]))

    out = {
        "road": concat_meshes([triangulate_polygon(p, 0.0) for p in polys(city.roads)]),
        "sidewalk": concat_meshes([triangulate_polygon(p, 0.0) for s in city.sidewalks for p in polys(s)]),
        "ground": concat_meshes([triangulate_polygon(p, 0.0) for g in city.ground for p in polys(g)]),
    }
    walls, roofs = [], []
    for b in city.buildings:
        if b.tower is None:
            walls.append(extrude_walls(b.footprint, 0.0, b.height_m))
            roofs.append(triangulate_polygon(b.footprint, b.height_m))
        else:
            walls.append(extrude_walls(b.footprint, 0.0, b.podium_height_m))
            for p in polys(b.footprint.difference(b.tower)):
                if p.area > 1e-6:
                    roofs.append(triangulate_polygon(_clean(p), b.podium_height_m))
            walls.append(extrude_walls(b.tower, b.podium_height_m, b.height_m))
            roofs.append(triangulate_polygon(b.tower, b.height_m))
    out["facade"] = concat_meshes(walls)
    out["roof"] = concat_meshes(roofs)
    return {k: v for k, v in out.items() if len(v[1])}


__all__ = ["City", "Building", "Street", "generate_city", "city_surfaces",
           "triangulate_polygon", "extrude_walls"]
