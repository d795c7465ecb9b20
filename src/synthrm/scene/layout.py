"""The 2D layout of a scene folder (``footprints.json``): buildings and street axes.

A light read-only view used by pose and transmitter samplers and by analysis, without
the meshes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon

from synthrm.scene.city import Building, Street, building_at


@dataclass
class Layout:
    extent: tuple[float, float, float, float]
    """(xmin, ymin, xmax, ymax) of the ground [m]."""
    buildings: list[Building]
    streets: list[Street]
    sidewalk_width_m: float = 3.0
    obstacles: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))
    """(N, 6) float64 boxes [xmin, ymin, zmin, xmax, ymax, zmax] [m] of street objects in
    the radio scene (trees, street lights); empty when they are camera-only or absent."""

    def building_at(self, x: float, y: float, z: float = 0.0, margin_m: float = 0.0):
        """The building whose volume (grown by ``margin_m``) holds (x, y, z), or None."""
        return building_at(self.buildings, x, y, z, margin_m)

    def obstacle_at(self, x: float, y: float, z: float, margin_m: float = 0.0) -> int | None:
        """Index of the street-object box (grown by ``margin_m``) holding (x, y, z), or None."""
        b = self.obstacles
        inside = np.all((b[:, :3] - margin_m <= (x, y, z)) & ((x, y, z) <= b[:, 3:] + margin_m), axis=1)
        hit = np.flatnonzero(inside)
        return int(hit[0]) if len(hit) else None

    @classmethod
    def from_json(cls, d: dict) -> "Layout":
        bs = []
        for b in d["buildings"]:
            tower = Polygon(b["tower"]) if "tower" in b else None
            bs.append(Building(Polygon(b["footprint"]), float(b["height_m"]), b["kind"],
                               b.get("podium_height_m"), tower))
        st = [Street(tuple(s["start"]), tuple(s["end"]), float(s["width_m"])) for s in d["streets"]]
        obs = np.asarray(d.get("obstacles", []), np.float64).reshape(-1, 6)
        return cls(tuple(d["extent_m"]), bs, st, float(d.get("sidewalk_width_m", 3.0)), obs)

    @classmethod
    def load(cls, scene_dir: str | Path) -> "Layout":
        from synthrm.scene.writer import FOOTPRINTS_JSON

        from synthrm.errors import DatasetError

        p = Path(scene_dir) / FOOTPRINTS_JSON
        try:
            return cls.from_json(json.loads(p.read_text()))
        except FileNotFoundError:
            raise DatasetError(f"{p}: missing; {scene_dir} is not a complete city scene folder "
                               "(delete it and rerun `synthrm generate`)") from None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise DatasetError(f"{p}: corrupt ({type(e).__name__}: {e}); delete the scene folder and rerun "
                               "`synthrm generate`") from None
