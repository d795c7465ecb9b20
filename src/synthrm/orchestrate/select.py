"""Choosing the K views to simulate: greedy maximum coverage of the visible surface, with
every perception community served first and both sides of each street canyon in view.

Coverage is measured on :class:`~synthrm.orchestrate.overlap.SurfaceCells`. The
objective of a set S of views is a weighted sum of three coverage fractions,

    f(S) = facade_weight x (facade area S sees / facade area all candidates see)
         + other_weight  x (other surface area S sees / the same over all candidates)
         + side_weight   x (canyon sides S sees / canyon sides with a facade)

so that the large areas of ground an oblique view takes in do not drown the facades.
Each term is a coverage function, so f is monotone submodular and the greedy choice is
within 1 - 1/e of the best set of its size.

A canyon side is one side of a street between two crossings: the facade cells within
``width/2 + sidewalk + margin_m`` of the centreline, on that side (the sign of the cross
product of the street direction with the cell's offset), whose surface faces the street.
A view sees a side when it sees at least ``min_side_area_m2`` of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from synthrm.errors import ConfigError
from synthrm.orchestrate.overlap import SurfaceCells, as_cells
from synthrm.scene.classes import SEMANTIC_IDS

FACADE_IDS = (SEMANTIC_IDS["facade"], SEMANTIC_IDS["window"])
"""Semantic ids of the building envelope's walls: facades and the glass windows cut into
them (``city.glass_windows``)."""


def _facade(semantic: np.ndarray) -> np.ndarray:
    """(C,) bool: the cells on a facade (or a window in it)."""
    return np.isin(semantic, FACADE_IDS)
CANYON_MARGIN_M = 3.0
"""Band of a canyon side beyond the sidewalk [m]."""
MIN_SIDE_AREA_M2 = 4.0
"""Facade area a view must see of a canyon side to count it as seen [m^2]."""


# --------------------------------------------------------------------------- canyons
@dataclass
class CanyonSide:
    """One side of a street segment between two crossings."""

    street: int
    """Index in ``layout.streets``."""
    segment: int
    """Index of the segment along the street (from its start)."""
    side: int
    """+1: left of the street direction (start -> end), -1: right."""
    origin: np.ndarray
    """(2,) street start [m]."""
    direction: np.ndarray
    """(2,) unit street direction."""
    t_range: tuple[float, float]
    """Segment extent along the street, from its start [m]."""
    lateral_range: tuple[float, float]
    """Band across the street, distance from the centreline [m]: (width/2, width/2 +
    sidewalk + margin)."""
    has_facade: bool
    """A building footprint reaches into the band (the side has a facade to see)."""

    @property
    def normal(self) -> np.ndarray:
        """(2,) unit vector from the centreline towards this side."""
        return self.side * np.array([-self.direction[1], self.direction[0]])

    def polygon(self):
        """The band as a shapely Polygon."""
        from shapely.geometry import Polygon

        (t0, t1), (l0, l1) = self.t_range, self.lateral_range
        o, d, n = self.origin, self.direction, self.normal
        return Polygon([o + d * t0 + n * l0, o + d * t1 + n * l0, o + d * t1 + n * l1, o + d * t0 + n * l1])


def canyon_sides(layout, margin_m: float = CANYON_MARGIN_M, min_length_m: float = 5.0) -> list[CanyonSide]:
    """Both sides of every street segment between crossings of ``layout``.

    Parameters
    ----------
    layout : synthrm.scene.layout.Layout
    margin_m : float
        Band beyond the sidewalk [m].
    min_length_m : float
        Shorter segments (e.g. a street's stub beyond its last crossing) are left out [m].

    Returns
    -------
    list of CanyonSide
        Ordered by street, segment, side (+1 first).
    """
    from shapely.geometry import LineString

    out = []
    lines = [LineString([s.start, s.end]) for s in layout.streets]
    for si, s in enumerate(layout.streets):
        o, e = np.asarray(s.start, np.float64), np.asarray(s.end, np.float64)
        length = float(np.linalg.norm(e - o))
        if length <= 0:
            continue
        d = (e - o) / length
        cuts = []
        for sj, s2 in enumerate(layout.streets):
            if sj == si:
                continue
            x = lines[si].intersection(lines[sj])
            if x.is_empty or x.geom_type != "Point":
                continue
            t = float(np.dot(np.asarray(x.coords[0]) - o, d))
            cuts.append((t - s2.width_m / 2, t + s2.width_m / 2))
        spans, t0 = [], 0.0
        for a, b in sorted(cuts):
            if a > t0:
                spans.append((t0, min(a, length)))
            t0 = max(t0, b)
        if t0 < length:
            spans.append((t0, length))
        lat = (s.width_m / 2, s.width_m / 2 + layout.sidewalk_width_m + margin_m)
        seg = 0
        for a, b in spans:
            if b - a < min_length_m:
                continue
            for side in (1, -1):
                cs = CanyonSide(si, seg, side, o, d, (a, b), lat, False)
                band = cs.polygon()
                cs.has_facade = any(band.intersection(bd.footprint).area > 0.5 for bd in layout.buildings)
                out.append(cs)
            seg += 1
    return out


def _cell_sides(cells: SurfaceCells, sides: Sequence[CanyonSide]) -> np.ndarray:
    """(C,) int: the canyon side (index into ``sides``) each facade cell belongs to, -1
    for none."""
    out = np.full(len(cells.area), -1, np.int64)
    fac = np.nonzero(_facade(cells.semantic))[0]
    if not len(fac):
        return out
    xy, nxy = cells.center[fac, :2], cells.normal[fac, :2]
    for k, cs in enumerate(sides):
        rel = xy - cs.origin
        t = rel @ cs.direction
        lat = rel @ cs.normal
        faces = nxy @ cs.normal < -0.5  # the surface looks back at the centreline
        m = ((t >= cs.t_range[0]) & (t <= cs.t_range[1]) & (lat > cs.lateral_range[0])
             & (lat <= cs.lateral_range[1]) & faces)
        out[fac[m]] = k
    return out


class _Canyons:
    """The canyon sides of a layout that have a facade, and which of them each view sees."""

    def __init__(self, cells: SurfaceCells, layout, margin_m: float, min_area_m2: float):
        if not margin_m >= 0:
            raise ConfigError(f"margin_m: the canyon band beyond the sidewalk must be >= 0 m, got {margin_m}")
        if not min_area_m2 >= 0:
            raise ConfigError(f"min_side_area_m2: must be >= 0 m^2, got {min_area_m2}")
        self.layout = layout
        self.sides = [s for s in canyon_sides(layout, margin_m) if s.has_facade]
        cell_side = _cell_sides(cells, self.sides)
        self.view_sides = []  # per view: the sides it sees at least min_area_m2 of
        for v in cells.views:
            s = cell_side[v]
            ok = s >= 0
            area = np.bincount(s[ok], weights=cells.area[v][ok], minlength=len(self.sides))
            self.view_sides.append(np.nonzero(area >= max(min_area_m2, 1e-9))[0])
        pairs: dict[tuple[int, int], list[int]] = {}
        for k, s in enumerate(self.sides):
            pairs.setdefault((s.street, s.segment), []).append(k)
        self.canyons = [p for p in pairs.values() if len(p) == 2]

    def coverage(self, idx) -> dict:
        seen = np.zeros(len(self.sides), bool)
        for i in idx:
            seen[self.view_sides[int(i)]] = True
        n, nc = len(self.sides), len(self.canyons)
        both = sum(bool(seen[p].all()) for p in self.canyons)
        return {"sides": n, "seen": int(seen.sum()), "fraction": float(seen.sum() / n) if n else None,
                "canyons": nc, "both_seen": int(both), "both_fraction": float(both / nc) if nc else None}


def _canyons(cells: SurfaceCells, layout, margin_m: float, min_area_m2: float) -> _Canyons:
    """:class:`_Canyons` of ``cells`` in ``layout``, cached on the cells object."""
    cache = cells.__dict__.setdefault("_canyons", {})
    key = (id(layout), float(margin_m), float(min_area_m2))
    hit = cache.get(key)
    if hit is None or hit.layout is not layout:
        hit = cache[key] = _Canyons(cells, layout, margin_m, min_area_m2)
    return hit


# --------------------------------------------------------------------------- coverage
def _indices(indices, n: int) -> np.ndarray:
    idx = np.asarray(list(indices), np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ConfigError(f"view indices must be in [0, {n - 1}], got {sorted(set(idx.tolist()))[:10]}")
    return idx


def _union(cells: SurfaceCells, idx: np.ndarray) -> np.ndarray:
    """(C,) bool: the cells seen by at least one of the views ``idx``."""
    seen = np.zeros(len(cells.area), bool)
    for i in idx:
        seen[cells.views[i]] = True
    return seen


def facade_coverage(cands, indices, cell_m: float = 1.0) -> float:
    """Facade area seen by at least one of the views ``indices`` [m^2].

    Parameters
    ----------
    cands : sequence of Candidate, or their SurfaceCells
    indices : iterable of int
        Views (candidate indices).
    cell_m : float
        Cell edge [m] when cells are computed here.

    Returns
    -------
    float
        Area of the facade cells (semantic ``facade`` or ``window``) in the union of the
        views' cells [m^2]; divide by :func:`facade_area` of the layout for a fraction.
    """
    cells = as_cells(cands, cell_m)
    u = _union(cells, _indices(indices, cells.n_views))
    return float(cells.area[u & _facade(cells.semantic)].sum())


def facade_area(layout) -> float:
    """Total facade area of a city layout [m^2]: footprint perimeters x heights (a
    tower: podium perimeter x podium height + tower perimeter x the rest)."""
    total = 0.0
    for b in layout.buildings:
        if b.tower is not None and b.podium_height_m is not None:
            total += b.footprint.length * b.podium_height_m + b.tower.length * (b.height_m - b.podium_height_m)
        else:
            total += b.footprint.length * b.height_m
    return float(total)


def canyon_coverage(cands, indices, layout, cell_m: float = 1.0, margin_m: float = CANYON_MARGIN_M,
                    min_area_m2: float = MIN_SIDE_AREA_M2) -> dict:
    """How many street-canyon sides the views ``indices`` see.

    Parameters
    ----------
    cands : sequence of Candidate, or their SurfaceCells
    indices : iterable of int
    layout : Layout
        The scene's streets and buildings.
    cell_m, margin_m, min_area_m2 : see the module docstring.

    Returns
    -------
    dict
        ``sides``: canyon sides with a facade; ``seen``: those a view sees;
        ``fraction`` = seen / sides (None without sides); ``canyons``: street segments
        with a facade on both sides; ``both_seen``: those with both sides seen;
        ``both_fraction`` (None without such canyons).
    """
    cells = as_cells(cands, cell_m)
    return _canyons(cells, layout, margin_m, min_area_m2).coverage(_indices(indices, cells.n_views))


# --------------------------------------------------------------------------- selection
class _Objective:
    """Incremental value of the coverage objective (see the module docstring)."""

    def __init__(self, cells: SurfaceCells, layout, facade_weight: float, other_weight: float,
                 side_weight: float, margin_m: float, min_side_area_m2: float):
        for n, v in (("facade_weight", facade_weight), ("other_weight", other_weight), ("side_weight", side_weight)):
            if not (np.isfinite(v) and v >= 0):
                raise ConfigError(f"{n}: must be a finite number >= 0, got {v}")
        self.cells = cells
        fac = _facade(cells.semantic)
        f_tot, o_tot = cells.area[fac].sum(), cells.area[~fac].sum()
        self.w = cells.area * np.where(fac, facade_weight / f_tot if f_tot else 0.0,
                                       other_weight / o_tot if o_tot else 0.0)
        self.n_sides = 0
        if layout is not None and side_weight > 0:
            can = _canyons(cells, layout, margin_m, min_side_area_m2)
            self.view_sides, self.n_sides = can.view_sides, len(can.sides)
        self.side_bonus = side_weight / self.n_sides if self.n_sides else 0.0
        self.covered = np.zeros(len(cells.area), bool)
        self.sides = np.zeros(self.n_sides, bool)

    def gain(self, v: int) -> float:
        c = self.cells.views[v]
        g = float(self.w[c][~self.covered[c]].sum())
        if self.n_sides:
            g += self.side_bonus * int((~self.sides[self.view_sides[v]]).sum())
        return g

    def add(self, v: int) -> None:
        self.covered[self.cells.views[v]] = True
        if self.n_sides:
            self.sides[self.view_sides[v]] = True

    def value(self) -> float:
        return float(self.w[self.covered].sum() + self.side_bonus * self.sides.sum())


def select_views(cands, comms: Sequence[set[int]], k: int, min_per_community: int = 2, seed: int = 0,
                 *, layout=None, cell_m: float = 1.0, facade_weight: float = 1.0,
                 other_weight: float = 0.25, side_weight: float = 0.5,
                 margin_m: float = CANYON_MARGIN_M, min_side_area_m2: float = MIN_SIDE_AREA_M2) -> list[int]:
    """Pick ``k`` views by greedy maximum coverage, serving every community first.

    First each community receives up to ``min(min_per_community, its size)`` views, in
    rounds: in round r every community still short of r views gets its member of largest
    marginal gain, the communities taken in order of that gain (so when ``k`` is smaller
    than the quotas, the most rewarding communities are served). The remaining picks are
    plain greedy over all views. Ties go to the earlier view in a permutation drawn
    from ``seed``.

    Parameters
    ----------
    cands : sequence of N Candidate, or their SurfaceCells
    comms : list of set of int
        A partition of 0..N-1 (:func:`~synthrm.orchestrate.graph.communities`).
    k : int
        Views to pick, 1 <= k <= N.
    min_per_community : int
        Views each community receives before the global greedy (>= 0).
    seed : int
        Tie-breaking seed.
    layout : Layout, optional
        Adds the canyon-side term to the objective (none without it).
    cell_m : float
        Cell edge [m] when cells are computed here.
    facade_weight, other_weight, side_weight : float
        Weights (>= 0) of the facade, other-surface and canyon-side coverage fractions.
    margin_m, min_side_area_m2 : float
        Canyon band beyond the sidewalk [m]; facade area that counts a side as seen [m^2].

    Returns
    -------
    list of int
        ``k`` distinct view indices in the order they were picked.
    """
    cells = as_cells(cands, cell_m)
    n = cells.n_views
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ConfigError(f"k: must be an integer in [1, {n}] (the number of candidate views), got {k!r}; "
                          "pick fewer views or render more candidates")
    if not isinstance(min_per_community, (int, np.integer)) or min_per_community < 0:
        raise ConfigError(f"min_per_community: must be an integer >= 0, got {min_per_community!r}")
    members = [sorted(int(i) for i in c) for c in comms]
    flat = sorted(i for m in members for i in m)
    if flat != list(range(n)):
        raise ConfigError(f"communities must partition the {n} views 0..{n - 1} (each exactly once)")
    obj = _Objective(cells, layout, facade_weight, other_weight, side_weight, margin_m, min_side_area_m2)
    rank = np.empty(n, np.int64)
    rank[np.random.default_rng(seed).permutation(n)] = np.arange(n)
    chosen: list[int] = []
    taken = np.zeros(n, bool)

    def best(pool):
        """(gain, view) of the best unpicked view in ``pool``, or None."""
        top = None
        for v in sorted((v for v in pool if not taken[v]), key=lambda v: rank[v]):
            g = obj.gain(v)
            if top is None or g > top[0]:
                top = (g, v)
        return top

    def pick(v):
        obj.add(v)
        taken[v] = True
        chosen.append(v)

    quota = [min(min_per_community, len(m)) for m in members]
    count = [0] * len(members)
    for r in range(1, max(quota, default=0) + 1):
        todo = [c for c in range(len(members)) if count[c] < min(r, quota[c])]
        while todo and len(chosen) < k:
            scored = [(best(members[c]), c) for c in todo]
            (g, v), c = max(((b, c) for b, c in scored if b is not None),
                            key=lambda x: (x[0][0], -rank[x[0][1]]))
            pick(v)
            count[c] += 1
            todo.remove(c)
    while len(chosen) < k:
        pick(best(range(n))[1])
    return chosen


def objective_value(cands, indices, *, layout=None, cell_m: float = 1.0, facade_weight: float = 1.0,
                    other_weight: float = 0.25, side_weight: float = 0.5, margin_m: float = CANYON_MARGIN_M,
                    min_side_area_m2: float = MIN_SIDE_AREA_M2) -> float:
    """Value of :func:`select_views`'s objective for the views ``indices`` (same options)."""
    cells = as_cells(cands, cell_m)
    obj = _Objective(cells, layout, facade_weight, other_weight, side_weight, margin_m, min_side_area_m2)
    for v in _indices(indices, cells.n_views):
        obj.add(int(v))
    return obj.value()


def random_subsets(n: int, k: int, trials: int, seed: int) -> list[list[int]]:
    """``trials`` random k-subsets of range(n) (without replacement within a subset), seeded."""
    if not 1 <= k <= n:
        raise ConfigError(f"k: must be in [1, {n}], got {k}")
    rng = np.random.default_rng(seed)
    return [sorted(rng.choice(n, size=k, replace=False).tolist()) for _ in range(int(trials))]
