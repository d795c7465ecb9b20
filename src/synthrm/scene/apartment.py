"""Procedural apartments (the indoor half; seed ``004`` Section V-A).

A rectangular footprint of the requested area is split (binary space partition) into
rooms, around a corridor along the long axis in larger apartments; adjacent rooms are connected by doors (a spanning tree of the room graph, so
every room is reachable, plus a few extra doors); exterior walls get windows. Walls are
solid boxes of their own thickness and ITU-R P.2040 material, with real openings;
doors are openings, windows hold a glass pane. Floor and ceiling slabs close the
volume; furniture boxes stand against walls, never in front of a door. Everything is a
deterministic function of the config and the seed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point, box
from shapely.ops import unary_union

from synthrm.scene.config import ApartmentConfig
from synthrm.scene.mesh import box_mesh


@dataclass
class Room:
    x0: float
    y0: float
    x1: float
    y1: float
    corridor: bool = False

    @property
    def area_m2(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


@dataclass
class Apartment:
    """Geometry of one apartment; ``surfaces()`` gives its meshes."""

    width_m: float
    depth_m: float
    height_m: float
    rooms: list[Room]
    boxes: list[tuple[str, str, str, np.ndarray, np.ndarray]] = field(default_factory=list)
    """(shape id, semantic class, ITU material, min corner (3,), max corner (3,)) [m]."""
    doors: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """Door openings as (min corner, max corner) [m]."""
    thickness: dict[str, float] = field(default_factory=dict)
    """Shape id -> radio thickness [m]."""

    def inside_solid(self, p: np.ndarray, margin_m: float = 0.0) -> str | None:
        """Shape id of the box holding point p (grown by ``margin_m``), or None."""
        p = np.asarray(p, np.float64)
        for sid, _, _, lo, hi in self.boxes:
            if np.all(p >= lo - margin_m) and np.all(p <= hi + margin_m):
                return sid
        return None

    def lights(self, intensity_w_sr: float = 0.8) -> list[list[float]]:
        """One ceiling light per room, 0.2 m below the ceiling: [[x, y, z, W/sr], ...]."""
        return [[(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2, self.height_m - 0.2, intensity_w_sr * max(1.0, r.area_m2 / 10)]
                for r in self.rooms]

    def surface_points(self, spacing_m: float = 0.03, classes: tuple[str, ...] | None = None,
                       clear_m: float = 0.02) -> np.ndarray:
        """(N, 3) points every ``spacing_m`` on the box faces that face free space inside
        the apartment: the point ``clear_m`` in front of the face is in no solid (so a
        wall hidden by furniture standing closer than ``clear_m`` does not count)."""
        out = []
        for sid, cls, _, lo, hi in self.boxes:
            if classes is not None and cls not in classes:
                continue
            for axis in range(3):
                for side, c in ((-1, lo[axis]), (1, hi[axis])):
                    u, v = [a for a in range(3) if a != axis]
                    gu = np.arange(lo[u] + spacing_m / 2, hi[u], spacing_m)
                    gv = np.arange(lo[v] + spacing_m / 2, hi[v], spacing_m)
                    if not len(gu) or not len(gv):
                        continue
                    U, V = np.meshgrid(gu, gv, indexing="ij")
                    pts = np.empty((U.size, 3))
                    pts[:, axis], pts[:, u], pts[:, v] = c, U.ravel(), V.ravel()
                    probe = pts.copy()
                    probe[:, axis] += side * clear_m
                    out.append(pts[self.in_envelope(probe) & ~self.solid_mask(probe)])
        return np.concatenate(out) if out else np.zeros((0, 3))

    def solid_mask(self, points: np.ndarray, margin_m: float = 0.0) -> np.ndarray:
        """(N,) bool: the point lies inside a wall, slab, window or furniture box."""
        p = np.asarray(points, np.float64).reshape(-1, 3)
        lo = np.array([b[3] for b in self.boxes]) - margin_m
        hi = np.array([b[4] for b in self.boxes]) + margin_m
        out = np.zeros(len(p), bool)
        for i in range(0, len(p), 4096):
            q = p[i:i + 4096, None, :]
            out[i:i + 4096] = np.any(np.all((q >= lo) & (q <= hi), axis=-1), axis=1)
        return out

    def in_envelope(self, points: np.ndarray) -> np.ndarray:
        """(N,) bool: inside the outer faces of the exterior walls, floor to ceiling."""
        p = np.asarray(points, np.float64).reshape(-1, 3)
        te = self.thickness.get("wall_exterior", 0.0)
        return ((p[:, 0] > -te) & (p[:, 0] < self.width_m + te) & (p[:, 1] > -te) & (p[:, 1] < self.depth_m + te)
                & (p[:, 2] > 0) & (p[:, 2] < self.height_m))

    def inside_interior(self, p: np.ndarray) -> bool:
        """True if p lies within the apartment's outer walls, between floor and ceiling."""
        x, y, z = np.asarray(p, np.float64)
        return 0 < x < self.width_m and 0 < y < self.depth_m and 0 < z < self.height_m

    def surfaces(self) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, dict]]:
        """({shape id: (V, 3) vertices, (F, 3) faces}, {shape id: semantic, material,
        thickness}) for :func:`synthrm.scene.writer.write_scene`. Boxes sharing a shape id
        are merged into one mesh."""
        parts: dict[str, list] = {}
        info: dict[str, dict] = {}
        for sid, cls, mat, lo, hi in self.boxes:
            parts.setdefault(sid, []).append(box_mesh(lo, hi))
            info[sid] = {"semantic": cls, "radio_material": mat, "thickness_m": self.thickness.get(sid, 0.1)}
        out = {}
        for sid, ps in parts.items():
            vs, fs, off = [], [], 0
            for v, f in ps:
                vs.append(v)
                fs.append(f + off)
                off += len(v)
            out[sid] = (np.concatenate(vs), np.concatenate(fs))
        return out, info


def _split(rng, r: Room, cfg: ApartmentConfig, out: list[Room]) -> None:
    w, d = r.x1 - r.x0, r.y1 - r.y0
    can_x, can_y = w >= 2 * cfg.room_min_m, d >= 2 * cfg.room_min_m
    if r.area_m2 <= cfg.room_max_m2 or not (can_x or can_y):
        out.append(r)
        return
    along_x = can_x and (w >= d or not can_y)
    lo, hi = (r.x0, r.x1) if along_x else (r.y0, r.y1)
    t = rng.uniform(max(0.35, cfg.room_min_m / (hi - lo)), min(0.65, 1 - cfg.room_min_m / (hi - lo)))
    c = round(lo + t * (hi - lo), 2)
    if along_x:
        _split(rng, Room(r.x0, r.y0, c, r.y1), cfg, out)
        _split(rng, Room(c, r.y0, r.x1, r.y1), cfg, out)
    else:
        _split(rng, Room(r.x0, r.y0, r.x1, c), cfg, out)
        _split(rng, Room(r.x0, c, r.x1, r.y1), cfg, out)


def _shared_wall(a: Room, b: Room):
    """The segment two rooms share: ('x', x, y0, y1) for a wall at constant x, or ('y', ...)."""
    eps = 1e-6
    for (ax, bx) in ((a.x1, b.x0), (a.x0, b.x1)):
        if abs(ax - bx) < eps:
            lo, hi = max(a.y0, b.y0), min(a.y1, b.y1)
            if hi - lo > eps:
                return ("x", ax, lo, hi)
    for (ay, by) in ((a.y1, b.y0), (a.y0, b.y1)):
        if abs(ay - by) < eps:
            lo, hi = max(a.x0, b.x0), min(a.x1, b.x1)
            if hi - lo > eps:
                return ("y", ay, lo, hi)
    return None


def _wall_boxes(axis, c, s0, s1, thick, z1, openings):
    """Boxes of a wall along ``axis`` ('x': constant x = c, spanning y in [s0, s1]) with
    rectangular openings [(u0, u1, z0, z1), ...] cut out (u along the wall)."""
    pieces = []
    cuts = sorted(openings)
    u = s0
    for (o0, o1, oz0, oz1) in cuts:
        if o0 > u:
            pieces.append((u, o0, 0.0, z1))
        if oz0 > 0:
            pieces.append((o0, o1, 0.0, oz0))
        if oz1 < z1:
            pieces.append((o0, o1, oz1, z1))
        u = o1
    if u < s1:
        pieces.append((u, s1, 0.0, z1))
    out = []
    h = thick / 2
    for (u0, u1, za, zb) in pieces:
        if u1 - u0 < 1e-6 or zb - za < 1e-6:
            continue
        if axis == "x":
            out.append((np.array([c - h, u0, za]), np.array([c + h, u1, zb])))
        else:
            out.append((np.array([u0, c - h, za]), np.array([u1, c + h, zb])))
    return out


#: Furniture kinds: (semantic class, size (w, d, h) [m], ITU material).
FURNITURE = {
    "bed": ((2.0, 1.6, 0.5), "wood"),
    "table": ((1.2, 0.8, 0.75), "wood"),
    "shelf": ((1.0, 0.4, 2.0), "chipboard"),
    "sofa": ((2.0, 0.9, 0.8), "wood"),
    "cabinet": ((0.8, 0.6, 0.9), "chipboard"),
    "appliance": ((0.6, 0.6, 0.85), "metal"),
}


def apartment_materials(cfg: ApartmentConfig) -> dict[str, list[str]]:
    """Every ITU material an apartment of ``cfg`` may use: {material: [what uses it]}."""
    uses = [("exterior walls", m) for m in cfg.exterior_materials]
    uses += [("partitions", m) for m in cfg.interior_materials]
    uses += [("floor", m) for m in cfg.floor_materials] + [("ceiling", "ceiling_board"), ("windows", "glass")]
    uses += [(kind, mat) for kind, (_, mat) in FURNITURE.items()]
    out: dict[str, list[str]] = {}
    for what, mat in uses:
        out.setdefault(mat, []).append(what)
    return out


def generate_apartment(cfg: ApartmentConfig, seed: int) -> Apartment:
    """A deterministic apartment from ``cfg`` and ``seed``."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(*cfg.area_m2)
    aspect = rng.uniform(1.0, 1.8)
    w = round(float(np.sqrt(area * aspect)), 2)
    d = round(float(area / w), 2)
    rooms: list[Room] = []
    short = min(w, d)
    cw = round(rng.uniform(1.2, 1.5), 2)
    if area >= cfg.corridor_min_area_m2 and short >= 2 * cfg.room_min_m + cw:
        # a corridor along the long axis, rooms on both sides
        c0 = round(rng.uniform(cfg.room_min_m, short - cfg.room_min_m - cw), 2)
        if w >= d:
            bands = [Room(0.0, 0.0, w, c0), Room(0.0, c0 + cw, w, d)]
            corridor = Room(0.0, c0, w, c0 + cw, corridor=True)
        else:
            bands = [Room(0.0, 0.0, c0, d), Room(c0 + cw, 0.0, w, d)]
            corridor = Room(c0, 0.0, c0 + cw, d, corridor=True)
        for b in bands:
            _split(rng, b, cfg, rooms)
        rooms.append(corridor)
    else:
        _split(rng, Room(0.0, 0.0, w, d), cfg, rooms)
    h = cfg.height_m
    ext_mat = cfg.exterior_materials[int(rng.integers(len(cfg.exterior_materials)))]
    int_mat = cfg.interior_materials[int(rng.integers(len(cfg.interior_materials)))]
    floor_mat = cfg.floor_materials[int(rng.integers(len(cfg.floor_materials)))]
    apt = Apartment(width_m=w, depth_m=d, height_m=h, rooms=rooms)

    # doors: a random spanning tree of the room adjacency graph, plus extra edges
    edges = []
    for i in range(len(rooms)):
        for j in range(i + 1, len(rooms)):
            sw = _shared_wall(rooms[i], rooms[j])
            if sw is not None and sw[3] - sw[2] >= cfg.door_width_m + 0.4:
                edges.append((i, j, sw))
    # corridor doors first: every room along the corridor opens onto it
    order = sorted(rng.permutation(len(edges)), key=lambda k: not (rooms[edges[k][0]].corridor or
                                                                   rooms[edges[k][1]].corridor))
    parent = list(range(len(rooms)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    door_walls = []
    for k in order:
        i, j, sw = edges[k]
        ri, rj = find(i), find(j)
        if ri != rj or rng.random() < cfg.extra_door_probability:
            parent[ri] = rj
            door_walls.append(sw)

    # interior walls: every shared segment, with a door where chosen
    openings: dict[tuple, list] = {}
    segs = []
    for i in range(len(rooms)):
        for j in range(i + 1, len(rooms)):
            sw = _shared_wall(rooms[i], rooms[j])
            if sw is not None:
                segs.append(sw)
    for sw in door_walls:
        mid = rng.uniform(sw[2] + 0.2 + cfg.door_width_m / 2, sw[3] - 0.2 - cfg.door_width_m / 2)
        openings.setdefault(sw, []).append((mid - cfg.door_width_m / 2, mid + cfg.door_width_m / 2,
                                            0.0, cfg.door_height_m))
    boxes = []
    ti = cfg.interior_wall_thickness_m
    for sw in segs:
        for lo, hi in _wall_boxes(sw[0], sw[1], sw[2], sw[3], ti, h, openings.get(sw, [])):
            boxes.append(("wall_interior", "wall", int_mat, lo, hi))
        for o in openings.get(sw, []):
            a = np.array([sw[1] - ti, o[0], 0.0]) if sw[0] == "x" else np.array([o[0], sw[1] - ti, 0.0])
            b = np.array([sw[1] + ti, o[1], o[3]]) if sw[0] == "x" else np.array([o[1], sw[1] + ti, o[3]])
            apt.doors.append((a, b))

    # exterior walls (outside the room rectangle), windows on room-exterior edges
    te = cfg.exterior_wall_thickness_m
    sides = [("y", 0.0 - te / 2, 0.0 - te, w + te), ("y", d + te / 2, 0.0 - te, w + te),
             ("x", 0.0 - te / 2, 0.0, d), ("x", w + te / 2, 0.0, d)]
    for axis, c, s0, s1 in sides:
        wins = []
        for r in rooms:
            lo, hi = ((r.x0, r.x1) if axis == "y" else (r.y0, r.y1))
            on = (axis == "y" and ((c < 0 and r.y0 == 0.0) or (c > d and r.y1 == d))) or \
                 (axis == "x" and ((c < 0 and r.x0 == 0.0) or (c > w and r.x1 == w)))
            if on and hi - lo >= cfg.window_width_m + 0.8 and rng.random() < cfg.window_probability:
                m = (lo + hi) / 2
                wins.append((m - cfg.window_width_m / 2, m + cfg.window_width_m / 2,
                             cfg.window_sill_m, cfg.window_sill_m + cfg.window_height_m))
        for lo, hi in _wall_boxes(axis, c, s0, s1, te, h, wins):
            boxes.append(("wall_exterior", "wall", ext_mat, lo, hi))
        for (u0, u1, z0, z1) in wins:
            g = 0.005
            lo = np.array([c - g, u0, z0]) if axis == "x" else np.array([u0, c - g, z0])
            hi = np.array([c + g, u1, z1]) if axis == "x" else np.array([u1, c + g, z1])
            boxes.append(("window", "window", "glass", lo, hi))
    apt.thickness = {"wall_interior": ti, "wall_exterior": te, "window": 0.01,
                     "floor": cfg.slab_thickness_m, "ceiling": cfg.slab_thickness_m}

    # floor and ceiling slabs
    s = cfg.slab_thickness_m
    boxes.append(("floor", "floor", floor_mat, np.array([-te, -te, -s]), np.array([w + te, d + te, 0.0])))
    boxes.append(("ceiling", "ceiling", "ceiling_board", np.array([-te, -te, h]), np.array([w + te, d + te, h + s])))

    # furniture against walls, clear of doors and of each other
    blocked = [box(a[0] - 0.9, a[1] - 0.9, b[0] + 0.9, b[1] + 0.9) for a, b in apt.doors]
    placed = []
    kinds = list(FURNITURE)
    for r in rooms:
        if r.corridor:
            continue
        n = int(rng.integers(cfg.furniture_per_room[0], cfg.furniture_per_room[1] + 1))
        for _ in range(n):
            for _try in range(20):
                kind = kinds[int(rng.integers(len(kinds)))]
                (fw, fd, fh), mat = FURNITURE[kind]
                if rng.random() < 0.5:
                    fw, fd = fd, fw
                x0 = r.x0 + ti / 2 + 0.05
                y0 = r.y0 + ti / 2 + 0.05
                x1, y1 = r.x1 - ti / 2 - 0.05 - fw, r.y1 - ti / 2 - 0.05 - fd
                if x1 <= x0 or y1 <= y0:
                    continue
                side = int(rng.integers(4))  # against one of the four walls
                x = [x0, x1, rng.uniform(x0, x1), rng.uniform(x0, x1)][side]
                y = [rng.uniform(y0, y1), rng.uniform(y0, y1), y0, y1][side]
                fp = box(x, y, x + fw, y + fd)
                if any(fp.intersects(b) for b in blocked + placed):
                    continue
                placed.append(fp.buffer(0.3))
                boxes.append((kind, kind, mat, np.array([x, y, 0.0]), np.array([x + fw, y + fd, fh])))
                apt.thickness[kind] = 0.05
                break
    apt.boxes = boxes
    return apt


def free_floor(apt: Apartment, clearance_m: float = 0.3):
    """The floor area (shapely geometry) inside the rooms and clear of walls and
    furniture by ``clearance_m``."""
    rooms = unary_union([box(r.x0, r.y0, r.x1, r.y1) for r in apt.rooms])
    solid = unary_union([box(lo[0], lo[1], hi[0], hi[1]).buffer(clearance_m)
                         for sid, cls, _, lo, hi in apt.boxes if cls not in ("floor", "ceiling")])
    return rooms.difference(solid)


def random_free_points(apt: Apartment, rng: np.random.Generator, n: int, z_m: float,
                       clearance_m: float = 0.3, min_spacing_m: float = 0.5) -> np.ndarray:
    """(n, 3) points on the free floor at height ``z_m``, pairwise at least
    ``min_spacing_m`` apart (no duplicates). Raises ValueError if the room is too full."""
    free = free_floor(apt, clearance_m)
    x0, y0, x1, y1 = free.bounds
    out = []
    for _ in range(200 * max(n, 1)):
        p = (rng.uniform(x0, x1), rng.uniform(y0, y1))
        if free.contains(Point(p)) and all(np.hypot(p[0] - q[0], p[1] - q[1]) >= min_spacing_m for q in out):
            out.append(p)
            if len(out) == n:
                break
    if len(out) < n:
        raise ValueError(f"only {len(out)} of {n} free positions found in the apartment")
    return np.array([[x, y, z_m] for x, y in out], np.float64)
