"""City districts: one registry entry each, holding both how the district is laid out
(building heights, density, streets, parcels: the defaults a ``city-<name>`` preset puts
into ``city``) and how it looks (facade palettes, windows, floors). An entry needs both,
so a district without an appearance cannot be registered; ``city.district`` is checked
against the registry when the config loads, and the presets ``city-<name>`` follow it.

    from synthrm.scene.districts import DISTRICTS, District, DistrictStyle
    DISTRICTS.register("suburb", District(layout={...}, style=DistrictStyle(...)))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthrm.registry import Registry


@dataclass(frozen=True)
class DistrictStyle:
    """Facade style ranges of a district (colours sRGB in [0, 1])."""

    wall_palette: tuple[tuple[float, float, float], ...]
    window_width: tuple[float, float]
    """Window width as a fraction of the bay width."""
    window_height: tuple[float, float]
    """Window height as a fraction of the floor height."""
    floor_height_m: tuple[float, float]
    bay_width_m: tuple[float, float]
    glass_srgb: tuple[float, float, float]


_STYLES = {
    "downtown": DistrictStyle(
        wall_palette=((0.62, 0.64, 0.66), (0.45, 0.48, 0.52), (0.78, 0.76, 0.72), (0.35, 0.37, 0.40),
                      (0.70, 0.66, 0.60)),
        window_width=(0.70, 0.90), window_height=(0.60, 0.80), floor_height_m=(3.6, 4.2),
        bay_width_m=(2.5, 3.5), glass_srgb=(0.22, 0.30, 0.36)),
    "mix": DistrictStyle(
        wall_palette=((0.63, 0.36, 0.28), (0.80, 0.72, 0.60), (0.90, 0.88, 0.82), (0.55, 0.50, 0.45),
                      (0.72, 0.55, 0.42), (0.60, 0.62, 0.58)),
        window_width=(0.40, 0.65), window_height=(0.45, 0.62), floor_height_m=(3.0, 3.6),
        bay_width_m=(2.8, 4.2), glass_srgb=(0.18, 0.22, 0.26)),
    "margin": DistrictStyle(
        wall_palette=((0.92, 0.88, 0.78), (0.85, 0.78, 0.62), (0.76, 0.80, 0.78), (0.88, 0.74, 0.66),
                      (0.95, 0.95, 0.92)),
        window_width=(0.30, 0.45), window_height=(0.38, 0.50), floor_height_m=(2.8, 3.2),
        bay_width_m=(3.5, 5.0), glass_srgb=(0.16, 0.19, 0.22)),
}


@dataclass(frozen=True)
class District:
    """A district: its layout defaults (``CityConfig`` fields) and its appearance."""

    layout: dict[str, Any]
    """``city`` settings of the district's preset (height_m, density, street_width_m, ...)."""
    style: DistrictStyle
    """Facade style ranges."""
    description: str = field(default="")

    def __post_init__(self):
        if not isinstance(self.style, DistrictStyle):
            raise TypeError(f"District.style must be a DistrictStyle, got {type(self.style).__name__}")


#: The districts; ``synthrm generate --preset city-<name>`` for each (the SynthRM paper's Downtown / Mix / Margin).
DISTRICTS: Registry[District] = Registry("district")
DISTRICTS.register("downtown", District(
    layout=dict(height_m=(30.0, 200.0), density=0.95, tower_probability=0.35, street_width_m=(14.0, 26.0),
                parcel_size_m=(22.0, 40.0)),
    style=_STYLES["downtown"], description="dense, 30-200 m towers"))
DISTRICTS.register("mix", District(
    layout=dict(height_m=(8.0, 60.0), density=0.75, tower_probability=0.1, street_width_m=(12.0, 22.0),
                parcel_size_m=(18.0, 35.0)),
    style=_STYLES["mix"], description="mixed heights"))
DISTRICTS.register("margin", District(
    layout=dict(height_m=(4.0, 12.0), density=0.4, tower_probability=0.0, street_width_m=(8.0, 14.0),
                parcel_size_m=(15.0, 30.0)),
    style=_STYLES["margin"], description="sparse, low"))
