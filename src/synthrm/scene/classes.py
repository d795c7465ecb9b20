"""Semantic classes and the material table shared by the optical and radio stages.

A surface has a semantic class (what it is) and a radio material (an ITU material name
understood by Sionna RT's ``itu-radio-material``). Each class also carries the visual
parameters the renderer and the roughness / albedo buffers use.
"""
from __future__ import annotations

from dataclasses import dataclass

#: id -> name. Id 0 is reserved for "nothing hit" (sky).
SEMANTIC_CLASSES: dict[int, str] = {
    0: "sky",
    1: "road",
    2: "sidewalk",
    3: "ground",
    4: "facade",
    5: "roof",
    # indoor (apartments)
    6: "wall",
    7: "floor",
    8: "ceiling",
    9: "window",
    10: "bed",
    11: "table",
    12: "shelf",
    13: "sofa",
    14: "cabinet",
    15: "appliance",
    # city street objects (optional: ``city.street_objects``)
    16: "vegetation",
    17: "pole",
}
SEMANTIC_IDS: dict[str, int] = {v: k for k, v in SEMANTIC_CLASSES.items()}
#: The classes of a procedural city; the rest are indoor.
CITY_CLASSES = ("road", "sidewalk", "ground", "facade", "roof", "window", "vegetation", "pole")

#: ITU-R P.2040 materials known to Sionna RT (``itu-radio-material`` type names), id ->
#: name. Id 0 is reserved for "nothing hit". The ids are stable across releases.
MATERIAL_CLASSES: dict[int, str] = {
    0: "none",
    1: "vacuum",
    2: "concrete",
    3: "brick",
    4: "plasterboard",
    5: "wood",
    6: "glass",
    7: "ceiling_board",
    8: "chipboard",
    9: "plywood",
    10: "marble",
    11: "floorboard",
    12: "metal",
    13: "very_dry_ground",
    14: "medium_dry_ground",
    15: "wet_ground",
}
MATERIAL_IDS: dict[str, int] = {v: k for k, v in MATERIAL_CLASSES.items()}

#: Default radio material per semantic class (the SynthRM paper's Table 4: buildings
#: ``concrete``, terrain ``very_dry_ground``).
DEFAULT_RADIO_MATERIALS: dict[str, str] = {
    "road": "very_dry_ground",
    "sidewalk": "very_dry_ground",
    "ground": "very_dry_ground",
    "facade": "concrete",
    "roof": "concrete",
    "wall": "plasterboard",
    "floor": "concrete",
    "ceiling": "ceiling_board",
    "window": "glass",
    "bed": "wood",
    "table": "wood",
    "shelf": "chipboard",
    "sofa": "wood",
    "cabinet": "chipboard",
    "appliance": "metal",
    # P.2040 has no foliage model; a thin wood shell stands in for a tree (radio mode only)
    "vegetation": "wood",
    "pole": "metal",
}


@dataclass(frozen=True)
class VisualMaterial:
    """Appearance of a semantic class for the path tracer and the G-buffers."""

    albedo: tuple[float, float, float]
    """Diffuse albedo, linear RGB in [0, 1]."""
    roughness: float
    """Microfacet roughness (alpha) in [0, 1]."""


VISUAL_MATERIALS: dict[str, VisualMaterial] = {
    "road": VisualMaterial((0.09, 0.09, 0.10), 0.8),
    "sidewalk": VisualMaterial((0.42, 0.40, 0.37), 0.7),
    "ground": VisualMaterial((0.16, 0.30, 0.10), 0.9),
    "facade": VisualMaterial((0.55, 0.50, 0.44), 0.5),
    "roof": VisualMaterial((0.30, 0.28, 0.28), 0.6),
    "wall": VisualMaterial((0.80, 0.78, 0.72), 0.7),
    "floor": VisualMaterial((0.45, 0.32, 0.20), 0.4),
    "ceiling": VisualMaterial((0.90, 0.90, 0.88), 0.8),
    "window": VisualMaterial((0.60, 0.75, 0.85), 0.05),
    "bed": VisualMaterial((0.70, 0.60, 0.50), 0.8),
    "table": VisualMaterial((0.50, 0.35, 0.20), 0.5),
    "shelf": VisualMaterial((0.60, 0.50, 0.35), 0.6),
    "sofa": VisualMaterial((0.30, 0.35, 0.55), 0.9),
    "cabinet": VisualMaterial((0.75, 0.72, 0.65), 0.5),
    "appliance": VisualMaterial((0.85, 0.85, 0.88), 0.2),
    "vegetation": VisualMaterial((0.10, 0.22, 0.06), 0.9),
    "pole": VisualMaterial((0.25, 0.26, 0.27), 0.4),
}

#: Radio material thickness [m] per semantic class, for ``itu-radio-material``.
THICKNESS_M: dict[str, float] = {
    "road": 0.5, "sidewalk": 0.5, "ground": 0.5, "facade": 0.3, "roof": 0.3,
    # indoor: walls carry their own thickness per shape; slabs and furniture panels
    "wall": 0.1, "floor": 0.2, "ceiling": 0.02, "window": 0.01, "bed": 0.05, "table": 0.03,
    "shelf": 0.02, "sofa": 0.05, "cabinet": 0.02, "appliance": 0.002,
    "vegetation": 0.05, "pole": 0.005,
}


def check_radio_materials(mapping: dict[str, str]) -> dict[str, str]:
    """Validate a semantic-class -> ITU material mapping; return the full mapping."""
    from synthrm.errors import ConfigError

    full = dict(DEFAULT_RADIO_MATERIALS)
    for cls, mat in mapping.items():
        if cls not in DEFAULT_RADIO_MATERIALS:
            raise ConfigError(
                f"radio_materials: unknown semantic class {cls!r}; "
                f"known: {sorted(DEFAULT_RADIO_MATERIALS)}")
        if mat not in MATERIAL_IDS or mat in ("none", "vacuum"):
            raise ConfigError(
                f"radio_materials[{cls!r}]: unknown ITU material {mat!r}; "
                f"known: {sorted(m for m in MATERIAL_IDS if m not in ('none', 'vacuum'))}")
        full[cls] = mat
    return full
