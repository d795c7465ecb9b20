"""Typed configuration for every stage, named presets, and YAML loading.

Each dataclass validates itself in ``__post_init__`` and raises :class:`ConfigError`
naming the field and the allowed range. ``load_config`` maps a nested YAML document
onto the dataclasses; an unknown key is an error with a "did you mean" suggestion.
"""
from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthrm.errors import ConfigError


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise ConfigError(msg)


def _range(lo_hi: tuple[float, float], what: str) -> None:
    lo, hi = lo_hi
    _require(len(lo_hi) == 2 and lo <= hi, f"{what}: expected [min, max] with min <= max, got {list(lo_hi)}")


@dataclass
class CityConfig:
    """Procedural city layout. Lengths in metres."""

    district: str = "mix"
    """District style: ``downtown`` (dense, tall), ``mix`` or ``margin`` (sparse, low)."""
    blocks_x: int = 3
    """Number of city blocks along x."""
    blocks_y: int = 3
    """Number of city blocks along y."""
    block_size_m: tuple[float, float] = (60.0, 100.0)
    """Range of block edge lengths [m]; each block row/column draws its own."""
    street_width_m: tuple[float, float] = (12.0, 24.0)
    """Range of street widths [m], drawn per street."""
    sidewalk_width_m: float = 3.0
    """Sidewalk width along every block edge [m]."""
    parcel_size_m: tuple[float, float] = (20.0, 40.0)
    """Range of parcel edge lengths [m] when a block is split into parcels."""
    density: float = 0.7
    """Probability that a parcel holds a building, in [0, 1]."""
    height_m: tuple[float, float] = (8.0, 40.0)
    """Range of building heights [m] (log-uniform)."""
    tower_probability: float = 0.1
    """Probability that a building is a tower on a podium."""
    margin_m: float = 40.0
    """Width of open ground around the street grid [m]."""
    outskirts_m: float = 600.0
    """Flat ground added beyond the city extent on every side [m], so that oblique views
    see a horizon instead of the void below it."""
    radio_materials: dict[str, str] = field(default_factory=dict)
    """Overrides of the semantic class -> ITU material table, e.g. ``{facade: brick}``."""
    textures: bool = True
    """Procedural appearance: facades with window grids and floor lines (styles varying per
    building and district), asphalt with lane markings, paved sidewalks, grass, roofs.
    False: one flat colour per class (the radio scene is the same either way)."""
    facade_styles: int = 4
    """Facade styles (colour, window size, blinds, lit windows at night) per city."""
    glass_windows: bool = False
    """Cut the window grid out of the facades as ``window`` surfaces with the ITU ``glass``
    radio material (semantic class ``window``); False: windows are only painted."""
    street_objects: str = "none"
    """Trees and street lights: ``none``, ``visual`` (in the images only) or ``radio``
    (also in the radio scene: ``vegetation`` as thin wood, ``pole`` as metal)."""
    tree_spacing_m: float = 12.0
    """Spacing of candidate tree spots along each sidewalk [m] (3 in 4 get a tree)."""
    lamp_spacing_m: float = 30.0
    """Spacing of street lights along each street side [m] (they light the night)."""

    def __post_init__(self):
        _require(self.street_objects in ("none", "visual", "radio"),
                 f"city.street_objects: must be none, visual or radio, got {self.street_objects!r}")
        for n in ("textures", "glass_windows"):
            _require(isinstance(getattr(self, n), bool), f"city.{n}: must be true or false, got {getattr(self, n)!r}")
        _require(isinstance(self.facade_styles, int) and 1 <= self.facade_styles <= 32,
                 f"city.facade_styles: must be an integer in [1, 32], got {self.facade_styles!r}")
        _require(self.tree_spacing_m >= 4, f"city.tree_spacing_m: must be >= 4 m, got {self.tree_spacing_m}")
        _require(self.lamp_spacing_m >= 5, f"city.lamp_spacing_m: must be >= 5 m, got {self.lamp_spacing_m}")
        _require(self.district in DISTRICTS, f"city.district: unknown district {self.district!r}; choose one of {sorted(DISTRICTS)}")
        for n in ("blocks_x", "blocks_y"):
            v = getattr(self, n)
            _require(isinstance(v, int) and 1 <= v <= 50, f"city.{n}: must be an integer in [1, 50], got {v!r}")
        for n in ("block_size_m", "street_width_m", "parcel_size_m", "height_m"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            _range(v, f"city.{n}")
            _require(v[0] > 0, f"city.{n}: lengths must be > 0 m, got {list(v)}")
        _require(0 <= self.density <= 1, f"city.density: must be in [0, 1], got {self.density}")
        _require(0 <= self.tower_probability <= 1, f"city.tower_probability: must be in [0, 1], got {self.tower_probability}")
        _require(0 <= self.sidewalk_width_m < self.block_size_m[0] / 4,
                 f"city.sidewalk_width_m: must be in [0, block_size_m[0]/4), got {self.sidewalk_width_m}")
        _require(self.margin_m >= 0, f"city.margin_m: must be >= 0 m, got {self.margin_m}")
        _require(self.outskirts_m >= 0, f"city.outskirts_m: must be >= 0 m, got {self.outskirts_m}")
        from synthrm.scene.classes import check_radio_materials
        check_radio_materials(self.radio_materials)


#: District presets: height and density distributions (the seed's Downtown / Mix / Margin).
DISTRICTS: dict[str, dict[str, Any]] = {
    "downtown": dict(height_m=(30.0, 200.0), density=0.95, tower_probability=0.35,
                     street_width_m=(14.0, 26.0), parcel_size_m=(22.0, 40.0)),
    "mix": dict(height_m=(8.0, 60.0), density=0.75, tower_probability=0.1,
                street_width_m=(12.0, 22.0), parcel_size_m=(18.0, 35.0)),
    "margin": dict(height_m=(4.0, 12.0), density=0.4, tower_probability=0.0,
                   street_width_m=(8.0, 14.0), parcel_size_m=(15.0, 30.0)),
}


@dataclass
class ApartmentConfig:
    """Procedural apartments (indoor presets)."""

    area_m2: tuple[float, float] = (40.0, 250.0)
    """Range of the floor area [m^2]; each apartment draws one."""
    room_max_m2: float = 25.0
    """Rooms are split until smaller than this [m^2]."""
    room_min_m: float = 2.4
    """Smallest room side [m]."""
    corridor_min_area_m2: float = 80.0
    """Apartments at least this large get a corridor along their long axis [m^2]."""
    height_m: float = 2.7
    """Floor-to-ceiling height [m]."""
    exterior_wall_thickness_m: float = 0.25
    """Outer walls [m]."""
    interior_wall_thickness_m: float = 0.1
    """Partitions [m]."""
    exterior_materials: tuple[str, ...] = ("concrete", "brick")
    """ITU materials the outer walls draw from (one per apartment)."""
    interior_materials: tuple[str, ...] = ("plasterboard", "brick", "wood", "concrete")
    """ITU materials the partitions draw from (one per apartment)."""
    floor_materials: tuple[str, ...] = ("concrete", "marble", "wood")
    """ITU materials the floor slab draws from (one per apartment; P.2040 ``floorboard``
    is only defined from 50 GHz, so it is not a default at 3.5 GHz)."""
    slab_thickness_m: float = 0.2
    """Floor and ceiling slabs [m]."""
    door_width_m: float = 0.9
    door_height_m: float = 2.1
    extra_door_probability: float = 0.3
    """Chance that a wall beyond the spanning tree of rooms also gets a door."""
    window_width_m: float = 1.2
    window_height_m: float = 1.2
    window_sill_m: float = 0.9
    window_probability: float = 0.8
    """Chance that a room's exterior wall gets a window."""
    furniture_per_room: tuple[int, int] = (1, 4)
    """Range of furniture pieces per room."""

    def __post_init__(self):
        from synthrm.scene.classes import MATERIAL_IDS

        _range(self.area_m2, "apartment.area_m2")
        _require(self.area_m2[0] >= 10, f"apartment.area_m2: the smallest area must be >= 10 m^2, got {self.area_m2[0]}")
        _require(self.room_min_m >= 1.5, f"apartment.room_min_m: must be >= 1.5 m, got {self.room_min_m}")
        _require(self.room_max_m2 >= 2 * self.room_min_m ** 2,
                 f"apartment.room_max_m2: must be >= 2 * room_min_m^2 = {2 * self.room_min_m ** 2}, got {self.room_max_m2}")
        _require(self.door_height_m < self.height_m > self.window_sill_m + self.window_height_m,
                 "apartment: doors and windows must fit below the ceiling (height_m)")
        for n in ("exterior_wall_thickness_m", "interior_wall_thickness_m", "slab_thickness_m", "door_width_m"):
            _require(getattr(self, n) > 0, f"apartment.{n}: must be > 0 m, got {getattr(self, n)}")
        for m in (*self.exterior_materials, *self.interior_materials, *self.floor_materials):
            _require(m in MATERIAL_IDS and m not in ("none", "vacuum"), f"apartment: unknown ITU material {m!r}")
        _range(self.furniture_per_room, "apartment.furniture_per_room")


@dataclass
class CameraConfig:
    """Camera model and pose sampling. Angles in degrees, lengths in metres."""

    resolution: tuple[int, int] = (256, 192)
    """Image size (width, height) [px]."""
    fov_x_deg: float = 75.0
    """Horizontal field of view [deg]."""
    view: str = "uav"
    """Pose sampler: ``uav``, ``vehicle``, ``pedestrian`` or ``drive`` (the frames of a
    scene follow one vehicle along an inner street, from its middle out of the street grid
    into the open margin: the SynthRM seed's Figure 11 case study, preset ``canyon-drive``)."""
    uav_altitude_m: tuple[float, float] = (30.0, 120.0)
    """UAV altitude range above ground [m]."""
    uav_pitch_deg: tuple[float, float] = (20.0, 60.0)
    """UAV downward pitch range [deg] (0 = horizon, 90 = nadir)."""
    vehicle_height_m: float = 1.6
    """Camera height of a vehicle view [m]."""
    pedestrian_height_m: float = 1.7
    """Camera height of a pedestrian view [m]."""
    street_pitch_deg: tuple[float, float] = (-5.0, 15.0)
    """Street-level upward/downward pitch range [deg] (positive looks down)."""
    heading_jitter_deg: float = 20.0
    """Street-level heading deviation from the street direction [deg]."""
    drive_beyond_m: float = 30.0
    """``drive``: how far the vehicle drives past the end of the street grid, into the open
    margin [m] (at most ``city.margin_m``: the scene's extent)."""
    drive_yaw_deg: float = 0.0
    """``drive``: camera heading relative to the direction of travel [deg] (0 looks ahead,
    180 looks back into the street the vehicle leaves)."""
    drive_pitch_deg: float = -10.0
    """``drive``: camera pitch [deg] (positive looks down, negative up at the facades)."""
    min_coverage: float = 0.3
    """Smallest fraction of pixels that must see a surface (else the pose is resampled)."""
    min_built_fraction: float = 0.05
    """Smallest fraction of pixels that must see something other than open ground (roads,
    sidewalks, buildings, street objects): a UAV at the city's edge looking out over the
    outskirts is resampled. 0 turns the check off."""
    min_clearance_m: float = 1.0
    """Smallest allowed distance from the camera to any visible surface [m]."""
    max_attempts: int = 50
    """Pose samples tried before giving up with an error."""

    def __post_init__(self):
        res = tuple(self.resolution)
        _require(len(res) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in res),
                 f"camera.resolution: expected two integers WIDTHxHEIGHT, got {self.resolution!r}")
        _require(all(v > 0 for v in res), f"camera.resolution: width and height must be > 0, got {res[0]}x{res[1]}")
        _require(all(v <= 8192 for v in res), f"camera.resolution: at most 8192 per side, got {res[0]}x{res[1]}")
        self.resolution = res
        _require(0 < self.fov_x_deg < 170, f"camera.fov_x_deg: must be in (0, 170), got {self.fov_x_deg}")
        _require(self.view in VIEWS, f"camera.view: unknown view {self.view!r}; choose one of {list(VIEWS)}")
        for n in ("uav_altitude_m", "uav_pitch_deg", "street_pitch_deg"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            _range(v, f"camera.{n}")
        _require(self.uav_altitude_m[0] > 0, "camera.uav_altitude_m: must be > 0 m")
        _require(-90 <= self.uav_pitch_deg[0] and self.uav_pitch_deg[1] <= 90, "camera.uav_pitch_deg: must lie in [-90, 90]")
        _require(0 <= self.min_coverage <= 1, f"camera.min_coverage: must be in [0, 1], got {self.min_coverage}")
        _require(0 <= self.min_built_fraction <= 1,
                 f"camera.min_built_fraction: must be in [0, 1], got {self.min_built_fraction}")
        _require(self.max_attempts >= 1, f"camera.max_attempts: must be >= 1, got {self.max_attempts}")
        _require(isinstance(self.drive_beyond_m, (int, float)) and self.drive_beyond_m >= 0,
                 f"camera.drive_beyond_m: must be >= 0 m, got {self.drive_beyond_m!r}")
        _require(isinstance(self.drive_yaw_deg, (int, float)) and -180 <= self.drive_yaw_deg <= 180,
                 f"camera.drive_yaw_deg: must be in [-180, 180], got {self.drive_yaw_deg!r}")
        _require(isinstance(self.drive_pitch_deg, (int, float)) and -60 <= self.drive_pitch_deg <= 60,
                 f"camera.drive_pitch_deg: must be in [-60, 60] (positive looks down), got {self.drive_pitch_deg!r}")


VIEWS = ("uav", "vehicle", "pedestrian", "drive")


@dataclass
class RenderConfig:
    """Optical rendering settings."""

    spp: int = 16
    """Path-tracing samples per pixel of the RGB image."""
    max_depth: int = 4
    """Path-tracing bounces (Mitsuba ``max_depth``)."""
    sun_elevation_deg: float = 50.0
    """Sun elevation above the horizon [deg]."""
    sun_azimuth_deg: float = 135.0
    """Sun azimuth, counter-clockwise from +x [deg]."""
    exposure: float = 1.0
    """Linear scale applied before tone mapping to 8 bit sRGB."""
    hdr: bool = False
    """Also store the linear HDR radiance ``rgb_linear`` (H, W, 3) float16 beside ``rgb``."""
    log_depth: bool = False
    """Also store ``depth_log`` = ln(1 + depth [m]) (H, W) float32 (NaN on sky)."""

    def __post_init__(self):
        _require(isinstance(self.spp, int) and 1 <= self.spp <= 4096, f"render.spp: must be an integer in [1, 4096], got {self.spp!r}")
        _require(isinstance(self.max_depth, int) and 1 <= self.max_depth <= 64, f"render.max_depth: must be in [1, 64], got {self.max_depth!r}")
        _require(0 < self.sun_elevation_deg <= 90, f"render.sun_elevation_deg: must be in (0, 90], got {self.sun_elevation_deg}")
        _require(self.exposure > 0, f"render.exposure: must be > 0, got {self.exposure}")
        for n in ("hdr", "log_depth"):
            _require(isinstance(getattr(self, n), bool), f"render.{n}: must be true or false, got {getattr(self, n)!r}")


@dataclass
class VariationConfig:
    """Environmental variations of the images (the seed's section 4.2). Each is drawn per
    sample from the frame's seed and recorded in the sample (attribute ``variation``);
    geometry buffers and radio labels never depend on them. Named presets:
    ``VARIATION_PRESETS`` (``none``, ``default``, ``all``)."""

    name: str = "none"
    """Name of the preset these settings started from (recorded, informational)."""
    lighting: str = "fixed"
    """``fixed``: the sun of ``render.sun_*``; ``time_of_day``: draw the hour from
    ``time_of_day_h`` (sun path, sky, and at dusk and night: night sky, street lights, lit
    windows)."""
    time_of_day_h: tuple[float, float] = (7.0, 19.0)
    """Range of the local solar time [h] (12: noon, sunset near 18, night after ~19)."""
    sun_max_elevation_deg: tuple[float, float] = (35.0, 75.0)
    """Range of the noon sun elevation [deg] (season and latitude)."""
    turbidity: tuple[float, float] = (2.5, 4.5)
    """Range of the sky model's atmospheric turbidity (haze)."""
    fog_probability: float = 0.0
    """Chance that a sample is foggy."""
    fog_visibility_m: tuple[float, float] = (150.0, 1500.0)
    """Range of the meteorological visibility in fog [m] (Koschmieder: extinction
    coefficient 3.912 / visibility [1/m]); log-uniform."""
    blur_probability: float = 0.0
    """Chance that a sample has camera motion blur."""
    blur_speed_mps: tuple[float, float] = (3.0, 15.0)
    """Range of the camera speed during the exposure [m/s] (street views: forward; UAV:
    a random horizontal direction)."""
    shutter_s: float = 1.0 / 30.0
    """Exposure time of a blurred frame [s]."""
    blur_subframes: int = 8
    """Camera positions averaged over the exposure of a blurred frame."""
    auto_exposure: bool = False
    """Scale the exposure so the image key (log-average luminance) meets a daylight
    target, up to ``max_gain`` (night images come out brighter and noisier)."""
    max_gain: float = 16.0
    """Largest auto-exposure gain over ``render.exposure``."""
    noise: bool = False
    """Sensor noise: photon shot noise (Poisson) and read noise (Gaussian), both growing
    with the gain."""
    full_well_e: tuple[float, float] = (3000.0, 12000.0)
    """Range of the electrons of a saturated pixel at gain 1 (log-uniform)."""
    read_noise_e: tuple[float, float] = (1.0, 4.0)
    """Range of the read noise [electrons rms]."""

    def __post_init__(self):
        _require(self.lighting in ("fixed", "time_of_day"),
                 f"variations.lighting: must be fixed or time_of_day, got {self.lighting!r}")
        for n in ("time_of_day_h", "sun_max_elevation_deg", "turbidity", "fog_visibility_m", "blur_speed_mps",
                  "full_well_e", "read_noise_e"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            _range(v, f"variations.{n}")
        _require(0 <= self.time_of_day_h[0] and self.time_of_day_h[1] <= 24,
                 f"variations.time_of_day_h: hours must lie in [0, 24], got {list(self.time_of_day_h)}")
        _require(0 < self.sun_max_elevation_deg[0] and self.sun_max_elevation_deg[1] <= 90,
                 "variations.sun_max_elevation_deg: must lie in (0, 90]")
        _require(1.0 <= self.turbidity[0] and self.turbidity[1] <= 10.0, "variations.turbidity: must lie in [1, 10]")
        for n in ("fog_probability", "blur_probability"):
            _require(0 <= getattr(self, n) <= 1, f"variations.{n}: must be in [0, 1], got {getattr(self, n)}")
        _require(self.fog_visibility_m[0] >= 10, "variations.fog_visibility_m: must be >= 10 m")
        _require(self.blur_speed_mps[0] >= 0, "variations.blur_speed_mps: must be >= 0 m/s")
        _require(0 < self.shutter_s <= 1, f"variations.shutter_s: must be in (0, 1] s, got {self.shutter_s}")
        _require(isinstance(self.blur_subframes, int) and 2 <= self.blur_subframes <= 64,
                 f"variations.blur_subframes: must be an integer in [2, 64], got {self.blur_subframes!r}")
        _require(self.max_gain >= 1, f"variations.max_gain: must be >= 1, got {self.max_gain}")
        _require(self.full_well_e[0] >= 10, "variations.full_well_e: must be >= 10 electrons")
        _require(self.read_noise_e[0] >= 0, "variations.read_noise_e: must be >= 0 electrons")
        for n in ("auto_exposure", "noise"):
            _require(isinstance(getattr(self, n), bool), f"variations.{n}: must be true or false")


#: ``synthrm generate --variations NAME``: ``none`` (fixed noon-like sun, clean images),
#: ``default`` (daylight hours, sometimes fog or blur, sensor noise), ``all`` (noon to
#: midnight, frequent fog and blur, sensor noise).
VARIATION_PRESETS: dict[str, dict] = {
    "none": {"name": "none"},
    "default": {"name": "default", "lighting": "time_of_day", "time_of_day_h": (7.0, 19.0),
                "fog_probability": 0.15, "blur_probability": 0.25, "auto_exposure": True, "noise": True},
    "all": {"name": "all", "lighting": "time_of_day", "time_of_day_h": (6.0, 24.0), "fog_probability": 0.35,
            "fog_visibility_m": (60.0, 1000.0), "blur_probability": 0.5, "auto_exposure": True, "noise": True},
}


def variation_preset(name: str) -> dict:
    """The settings of a named variation preset (ConfigError naming the choices)."""
    if name not in VARIATION_PRESETS:
        raise ConfigError(f"variations: unknown preset {name!r}; choose one of {list(VARIATION_PRESETS)}")
    return dict(VARIATION_PRESETS[name])


@dataclass
class VASConfig:
    """Visible-Aligned-Surface reconstruction."""

    cell: str = "adaptive"
    """Receiver cell size: ``pixel`` (two triangles per pixel quad), ``stride`` (every
    ``stride``-th pixel) or ``adaptive`` (cells of about ``target_cell_m``)."""
    stride: int = 1
    """Pixel stride of the triangulation when ``cell='stride'``."""
    target_cell_m: float = 4.0
    """Target receiver cell edge [m] when ``cell='adaptive'``."""
    max_stride: int = 16
    """Largest stride the adaptive mode may use."""
    offset_m: float = 0.05
    """Offset of the measurement surface along the normal, towards the camera [m]."""
    max_edge_factor: float = 3.0
    """A quad is a depth discontinuity when an edge is longer than this many times the
    expected pixel footprint on the surface."""

    def __post_init__(self):
        _require(self.cell in ("pixel", "stride", "adaptive"), f"vas.cell: must be pixel, stride or adaptive, got {self.cell!r}")
        _require(isinstance(self.stride, int) and self.stride >= 1, f"vas.stride: must be an integer >= 1, got {self.stride!r}")
        _require(isinstance(self.max_stride, int) and self.max_stride >= 1, f"vas.max_stride: must be an integer >= 1, got {self.max_stride!r}")
        _require(self.target_cell_m > 0, f"vas.target_cell_m: must be > 0 m, got {self.target_cell_m}")
        _require(0 <= self.offset_m <= 1, f"vas.offset_m: must be in [0, 1] m, got {self.offset_m}")
        _require(self.max_edge_factor > 1, f"vas.max_edge_factor: must be > 1, got {self.max_edge_factor}")


@dataclass
class RadioConfig:
    """Sionna RT radio-map settings (defaults: the SynthRM seed's Table 4, except the
    ray budget, which defaults to what fits a 2-core machine)."""

    frequency_hz: float = 3.5e9
    """Carrier frequency [Hz]."""
    bandwidth_hz: float = 1e6
    """Bandwidth for the thermal noise k*T*B [Hz]."""
    tx_power_dbm: float = 30.0
    """Transmit power per transmitter [dBm]."""
    temperature_k: float = 293.0
    """Receiver noise temperature [K]."""
    samples_per_tx: int | str = "auto"
    """Rays per transmitter of the first Monte Carlo pass (the seed uses 2**31), or ``auto``:
    5e6 on a CPU, 1e8 on CUDA (``synthrm.radio.budget``). See ``docs/radio.md`` for the
    density / accuracy / time trade-off."""
    max_samples_per_tx: int | str = "auto"
    """Progressive budget: most rays a transmitter gets over all passes; ``auto``: 2e7 on
    a CPU, 2**31 on CUDA when ``samples_per_tx`` is ``auto``, else ``samples_per_tx`` (no
    extra pass)."""
    max_rays_per_frame: int | str = "auto"
    """Progressive budget: most rays of all transmitters of a frame together; ``auto``:
    4e7 on a CPU, 2**34 on CUDA."""
    target_ray_share: float = 0.9
    """Progressive budget: a transmitter gets more rays while the share of the view its
    Monte Carlo windows label (ring 1 holding ``min_rays`` rays) is below this."""
    max_depth: int = 5
    """Maximum number of interactions per path (the seed uses 20)."""
    los: bool = True
    """Line-of-sight paths."""
    specular_reflection: bool = True
    """Specular reflections."""
    diffuse_reflection: bool = False
    """Diffuse reflections (off in the seed's Table 4)."""
    refraction: bool = True
    """Refraction (transmission through walls)."""
    diffraction: bool = False
    """First-order diffraction on wedges in the Monte Carlo map. Off by default, unlike the
    seed's Table 4: in Sionna RT's mesh radio map it added < 0.01 % of the power of a frame
    (labels unchanged) at 2.5-3x the time, so the rays go where they count
    (``docs/radio.md``). The fill's exact paths include diffraction either way."""
    edge_diffraction: bool = False
    """Diffraction on free-floating edges (off in the seed's Table 4)."""
    diffraction_lit_region: bool = True
    """Diffracted field also in the lit region."""
    enabled: bool = True
    """Compute radio maps (False: the optical dataset of the foundation only)."""
    tx_per_frame: int = 4
    """Transmitters per frame: each is a label (T, H, W); the others interfere in SINR."""
    tx_placement: str = "random"
    """``random``: sampled on the plane ``tx_height_m`` above ground outside every
    footprint, within ``tx_radius_m`` of the view centre; ``district``: the same, but
    uniform over the whole city (the scene's extent), wherever the camera looks (the
    seed's Figure 8); ``camera``: Tx 0 rides on the camera's own vehicle or drone
    (``camera_tx_offset_m``), the rest are random; ``list``: the positions of
    ``tx_positions_m`` in every frame."""
    tx_positions_m: list = field(default_factory=list)
    """User transmitter positions [[x, y, z], ...] [m] for ``tx_placement: list``."""
    tx_height_m: float = 1.6
    """Height of the sampling plane above ground [m] (the seed's 1.6 m)."""
    tx_radius_m: float = 120.0
    """Random Tx lie within this horizontal distance of the view centre [m]."""
    tx_clearance_m: float = 1.0
    """Minimum horizontal distance of a random Tx from any building footprint [m]."""
    camera_tx_offset_m: tuple[float, float, float] = (0.0, 0.0, 0.3)
    """Offset of the camera-mounted Tx from the camera centre, world axes [m]."""
    antenna: str = "siso"
    """Transmit antenna: ``siso`` (isotropic), ``4x4`` or ``8x4`` (TR 38.901 elements)."""
    orientation: str = "view"
    """Array boresight (horizontal): ``view`` (towards the view centre) or ``random``."""
    steering: str = "random"
    """Beam steering (precoding): ``view`` (at the view centre), ``boresight``, or
    ``random`` (within ``steering_max_deg`` of boresight in azimuth, a third of it in
    elevation)."""
    steering_max_deg: float = 60.0
    """Largest random steering angle off boresight in azimuth [deg]."""
    pattern_step_deg: float = 15.0
    """Grid step of the antenna pattern feature vector [deg] (15: 13 x 24 = 312 values)."""
    exact_los: bool = True
    """Line of sight exactly, the rest Monte Carlo: the direct path to every face the Tx sees
    is Friis times the transmit pattern (no ray noise), the Monte Carlo passes add only
    paths with at least one interaction. False: everything from the rays, as the seed."""
    min_rays: int = 2
    """Noise control: a face's label is the mean over the smallest same-surface window
    (ring 1, 2, ... ``max_rings``) that rays crossed at least this many times."""
    max_rings: int = 2
    """Noise control: widest averaging window, in rings of neighbouring faces."""
    fill: bool = True
    """Label the faces no window reaches (provenance 3 and 4, ``synthrm.radio.fill``)."""
    fill_max_rings: int = 8
    """Fill: the noise-control window keeps growing up to this many rings within one surface
    and one line-of-sight state (provenance 3)."""
    fill_exact_receivers: int = 256
    """Most exact-path receivers (one per surface fragment without any ray) of the fill."""
    fill_exact_depth: int = 2
    """Interactions of the fill's exact paths (Sionna ``PathSolver``, diffraction included)."""

    def __post_init__(self):
        # ITU-R P.2040 material models in Sionna RT are valid from 1 to 100 GHz at most;
        # each material's own range is checked against the scene (``radio.check_frequency``)
        _require(1e9 <= self.frequency_hz <= 100e9,
                 f"radio.frequency_hz: must lie in the ITU material range [1e9, 1e11] Hz, got {self.frequency_hz:g}")
        _require(self.bandwidth_hz > 0, f"radio.bandwidth_hz: must be > 0 Hz, got {self.bandwidth_hz}")
        _require(self.temperature_k > 0, f"radio.temperature_k: must be > 0 K, got {self.temperature_k}")
        for n in ("samples_per_tx", "max_samples_per_tx"):
            v = getattr(self, n)
            _require(v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 2 ** 31),
                     f"radio.{n}: must be auto or an integer in [1, 2**31], got {v!r}")
        v = self.max_rays_per_frame
        _require(v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and v >= 1),
                 f"radio.max_rays_per_frame: must be auto or an integer >= 1, got {v!r}")
        _require(isinstance(self.target_ray_share, (int, float)) and 0 <= self.target_ray_share <= 1,
                 f"radio.target_ray_share: must be in [0, 1], got {self.target_ray_share!r}")
        _require(isinstance(self.max_depth, int) and 0 <= self.max_depth <= 50,
                 f"radio.max_depth: must be an integer in [0, 50], got {self.max_depth!r}")
        _require(isinstance(self.tx_per_frame, int) and 1 <= self.tx_per_frame <= 64,
                 f"radio.tx_per_frame: must be an integer in [1, 64], got {self.tx_per_frame!r}")
        _require(self.tx_placement in TX_PLACEMENTS,
                 f"radio.tx_placement: must be one of {TX_PLACEMENTS}, got {self.tx_placement!r}")
        _require(self.antenna in ANTENNA_NAMES, f"radio.antenna: must be one of {ANTENNA_NAMES}, got {self.antenna!r}")
        _require(self.orientation in ("view", "random"),
                 f"radio.orientation: must be view or random, got {self.orientation!r}")
        _require(self.steering in ("view", "boresight", "random"),
                 f"radio.steering: must be view, boresight or random, got {self.steering!r}")
        _require(0 <= self.steering_max_deg <= 90, f"radio.steering_max_deg: must be in [0, 90], got {self.steering_max_deg}")
        _require(self.tx_height_m > 0, f"radio.tx_height_m: must be > 0 m (above ground), got {self.tx_height_m}")
        _require(self.tx_radius_m > 0, f"radio.tx_radius_m: must be > 0 m, got {self.tx_radius_m}")
        _require(self.tx_clearance_m >= 0, f"radio.tx_clearance_m: must be >= 0 m, got {self.tx_clearance_m}")
        _require(len(self.camera_tx_offset_m) == 3, f"radio.camera_tx_offset_m: expected [dx, dy, dz], got {self.camera_tx_offset_m!r}")
        step = self.pattern_step_deg
        _require(0 < step <= 90 and abs(180 / step - round(180 / step)) < 1e-9,
                 f"radio.pattern_step_deg: must divide 180 and lie in (0, 90], got {step}")
        _require(isinstance(self.min_rays, int) and 1 <= self.min_rays <= 10 ** 6,
                 f"radio.min_rays: must be an integer in [1, 1e6], got {self.min_rays!r}")
        for n in ("fill", "exact_los"):
            _require(isinstance(getattr(self, n), bool), f"radio.{n}: must be true or false, got {getattr(self, n)!r}")
        _require(isinstance(self.fill_max_rings, int) and 0 <= self.fill_max_rings <= 64,
                 f"radio.fill_max_rings: must be an integer in [0, 64], got {self.fill_max_rings!r}")
        _require(isinstance(self.fill_exact_receivers, int) and 0 <= self.fill_exact_receivers <= 10 ** 5,
                 f"radio.fill_exact_receivers: must be an integer in [0, 1e5], got {self.fill_exact_receivers!r}")
        _require(isinstance(self.fill_exact_depth, int) and 0 <= self.fill_exact_depth <= 10,
                 f"radio.fill_exact_depth: must be an integer in [0, 10], got {self.fill_exact_depth!r}")
        _require(isinstance(self.max_rings, int) and 0 <= self.max_rings <= 64,
                 f"radio.max_rings: must be an integer in [0, 64], got {self.max_rings!r}")
        pos = self.tx_positions_m
        _require(isinstance(pos, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 3 and all(isinstance(c, (int, float)) for c in p) for p in pos),
            f"radio.tx_positions_m: expected a list of [x, y, z] positions in metres, got {pos!r}")
        self.tx_positions_m = [[float(c) for c in p] for p in pos]
        if self.tx_placement == "list":
            _require(len(pos) > 0, "radio.tx_positions_m: tx_placement is 'list' but no position is given; "
                     "add [[x, y, z], ...] or use tx_placement: random")
            for i, p in enumerate(self.tx_positions_m):
                _require(p[2] > 0, f"radio.tx_positions_m[{i}] = {p}: z must be > 0 m (above the ground)")
            self.tx_per_frame = len(pos)
        elif pos:
            raise ConfigError(f"radio.tx_positions_m: given, but tx_placement is {self.tx_placement!r}; "
                              "set tx_placement: list to use them")


TX_PLACEMENTS = ("random", "district", "camera", "list")
ANTENNA_NAMES = ("siso", "4x4", "8x4")


@dataclass
class GenerateConfig:
    """Everything ``synthrm generate`` needs."""

    preset: str = "city-mix"
    """Name of the preset this config started from (recorded, informational)."""
    frames: int = 4
    """Number of samples (camera frames) to generate."""
    frames_per_scene: int = 4
    """Frames taken in each generated city before a new city is made."""
    seed: int = 0
    """Master seed: the same seed gives the same dataset."""
    shard_size: int = 8
    """Samples per HDF5 shard (the unit of atomic writing and resume)."""
    city: CityConfig = field(default_factory=CityConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    render: RenderConfig = field(default_factory=RenderConfig)
    vas: VASConfig = field(default_factory=VASConfig)
    radio: RadioConfig = field(default_factory=RadioConfig)
    variations: VariationConfig = field(default_factory=VariationConfig)
    plan: str = ""
    """A view plan from ``synthrm orchestrate`` (path to plan.json): its selected views, in
    order, are the frames (all in scene 0, the plan's city); "" = random poses."""

    def __post_init__(self):
        for n, lo in (("frames", 1), ("frames_per_scene", 1), ("shard_size", 1), ("seed", 0)):
            v = getattr(self, n)
            _require(isinstance(v, int) and not isinstance(v, bool) and v >= lo, f"{n}: must be an integer >= {lo}, got {v!r}")
        if self.camera.view == "drive":
            _require(self.camera.drive_beyond_m <= self.city.margin_m,
                     f"camera.drive_beyond_m: the drive must stay inside the scene, within city.margin_m = "
                     f"{self.city.margin_m:g} m of the street grid, got {self.camera.drive_beyond_m:g} m; lower it or "
                     "raise city.margin_m")
            _require(not self.plan, "plan: a drive is a fixed trajectory; use camera.view uav, vehicle or pedestrian "
                     "with a plan")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class ScanConfig:
    """Virtual RGB-D scanning of an apartment: a walk through its rooms at eye height."""

    resolution: tuple[int, int] = (128, 96)
    """Image size (W, H) [px]."""
    fov_x_deg: float = 90.0
    """Horizontal field of view [deg]."""
    eye_height_m: float = 1.5
    """Camera height above the floor [m]."""
    headings: int = 6
    """Viewing directions per room position (evenly spaced in azimuth)."""
    pitches_deg: tuple[float, ...] = (10.0, -30.0)
    """Camera pitches per heading [deg] (positive: up)."""
    spp: int = 4
    """Path-tracing samples per pixel of the RGB images."""
    spot_spacing_m: float = 4.0
    """Rooms longer than this are also scanned from a spot near each end [m]."""

    def __post_init__(self):
        w, h = self.resolution
        _require(w >= 8 and h >= 8, f"scan.resolution: must be at least 8x8, got {w}x{h}")
        _require(10 <= self.fov_x_deg <= 150, f"scan.fov_x_deg: must be in [10, 150], got {self.fov_x_deg}")
        _require(isinstance(self.headings, int) and self.headings >= 1, f"scan.headings: must be >= 1, got {self.headings!r}")
        _require(len(self.pitches_deg) >= 1 and all(-89 < p < 89 for p in self.pitches_deg),
                 f"scan.pitches_deg: expected angles in (-89, 89), got {self.pitches_deg}")


@dataclass
class IndoorConfig:
    """Everything ``synthrm generate --preset indoor-apartment`` needs (SenseRay-3D)."""

    preset: str = "indoor-apartment"
    """Name of the preset this config started from (recorded, informational)."""
    scenes: int = 2
    """Apartments to generate."""
    tx_per_scene: int = 5
    """Transmitters per apartment (one dataset entry each)."""
    seed: int = 0
    """Master seed: the same seed gives the same dataset."""
    voxel_size_m: float = 0.1
    """Voxel edge and ground-truth cell size [m] (the seed's 0.1 m)."""
    heights_m: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6)
    """Receiver planes above the floor [m] (the seed's 0.6-1.6 m every 0.1 m)."""
    tx_height_m: tuple[float, float] = (0.8, 2.2)
    """Range of transmitter heights above the floor [m]."""
    tx_clearance_m: float = 0.3
    """Minimum distance of a Tx from walls and furniture [m]."""
    test_fraction: float = 0.25
    """Share of apartments held out as the test split (unseen geometry and Tx)."""
    val_tx_fraction: float = 0.2
    """Share of the Tx of the other apartments held out as validation (seen geometry)."""
    material_table: dict = field(default_factory=dict)
    """Overrides of the semantic class -> ITU material lookup that gives voxels their
    reflection / transmission channels (the seed's predefined table; defaults:
    ``synthrm.scene.classes.DEFAULT_RADIO_MATERIALS``, e.g. wall -> plasterboard). The
    voxels see semantics only: the true wall material of an apartment may differ, as in
    the seed."""
    apartment: ApartmentConfig = field(default_factory=ApartmentConfig)
    scan: ScanConfig = field(default_factory=ScanConfig)
    radio: RadioConfig = field(default_factory=lambda: RadioConfig(samples_per_tx=10 ** 6, max_depth=20,
                                                                    diffraction=False))
    """Sionna RT settings of the ground truth (omnidirectional, 3.5 GHz). Indoors the
    interaction budget, not the ray count, limits coverage: in a 249 m^2 apartment at
    1e6 rays, max_depth 5 / 10 / 20 left 40 / 13 / 1.6 % of a plane's cells unreached
    (1e7 rays at depth 5: still 32 %)."""

    def __post_init__(self):
        for n, lo in (("scenes", 1), ("tx_per_scene", 1), ("seed", 0)):
            v = getattr(self, n)
            _require(isinstance(v, int) and not isinstance(v, bool) and v >= lo, f"{n}: must be an integer >= {lo}, got {v!r}")
        _require(isinstance(self.voxel_size_m, (int, float)) and 0.01 <= self.voxel_size_m <= 1.0,
                 f"voxel_size_m: must be in [0.01, 1] m (and > 0), got {self.voxel_size_m!r}")
        _require(len(self.heights_m) >= 1 and all(0 < z < self.apartment.height_m for z in self.heights_m),
                 f"heights_m: must lie between floor and ceiling (0, {self.apartment.height_m}) m, got {self.heights_m}")
        _range(self.tx_height_m, "tx_height_m")
        _require(0 < self.tx_height_m[0] and self.tx_height_m[1] < self.apartment.height_m,
                 f"tx_height_m: must lie between floor and ceiling, got {self.tx_height_m}")
        _require(0 <= self.test_fraction < 1 and 0 <= self.val_tx_fraction < 1,
                 "test_fraction and val_tx_fraction: must be in [0, 1)")
        _require(self.radio.antenna == "siso", "radio.antenna: indoor ground truth is omnidirectional (siso)")
        from synthrm.scene.classes import check_radio_materials

        self.material_table = dict(self.material_table)
        check_radio_materials(self.material_table)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


INDOOR_PRESETS: dict[str, dict] = {"indoor-apartment": {}}


def _city_preset(district: str) -> dict:
    return {"city": {"district": district, **DISTRICTS[district]}}


OUTDOOR_MODELS = ("radiounet-s", "pmnet-s", "unetdcn-s")
"""The SynthRM seed's camera models (``synthrm.models.outdoor``)."""
MODEL_NAMES = OUTDOOR_MODELS + ("senseray3d",)
"""All models ``synthrm train`` knows."""


@dataclass
class TrainConfig:
    """Settings of one training run (``synthrm train`` flags)."""

    model: str = "radiounet-s"
    """One of ``MODEL_NAMES``."""
    epochs: int = 20
    """Epochs to train (a resumed run continues up to this number)."""
    batch_size: int = 8
    """Examples per step (SenseRay-3D volumes are large: 1-2 on a CPU)."""
    lr: float = 1e-3
    """AdamW learning rate at the start of each cosine cycle."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    width: int = 0
    """Model size: base channels of the outdoor U-Nets / PMNet (default 32), SwinUNETR
    ``feature_size`` (default 12). 0 = the default."""
    inputs: str = "rgb"
    """Outdoor image channels: ``rgb`` (the seed's), ``rgbd`` (+ log depth) or ``rgbd-fspl``
    (+ the free-space map from depth and the Tx position; the network predicts a residual
    over it, like SenseRay-3D indoors)."""
    val_fraction: float = 0.2
    """Outdoor: fraction of the scenes held out for validation (whole scenes: unseen
    geometry). Indoor uses the dataset's own ``val`` split."""
    patience: int = 5
    """Early stopping: epochs without a lower validation loss before stopping (0 = never)."""
    restart_epochs: int = 10
    """Cosine annealing with warm restarts: epochs of the first cycle (T_0)."""
    amp: str = "auto"
    """Mixed precision: ``auto`` (on for CUDA), ``on``, ``off``."""
    seed: int = 0
    """Seed of initialisation, split and shuffling (same seed, same run)."""
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu`` or ``cuda``."""
    max_steps_per_epoch: int = 0
    """Cap on optimiser steps per epoch (0 = a full pass); for quick runs and tests."""
    label_sources: str = "1,2,3,4"
    """Outdoor: the label provenance codes the loss sees (``path_gain_source``: 1 rays in the
    pixel's own cell, 2 same-surface window, 3 filled from the surface, 4 filled by exact
    paths), e.g. ``1,2`` to learn from Monte Carlo labels only."""
    label_weighting: str = "none"
    """Outdoor: ``none`` (every label alike) or ``std`` (each label weighted by
    ``1 / (path_gain_std_db^2 + 1 dB^2)``)."""

    @property
    def label_source_codes(self) -> tuple[int, ...]:
        """``label_sources`` as a tuple of ints (ConfigError when malformed)."""
        try:
            codes = tuple(sorted({int(c) for c in str(self.label_sources).split(",") if c.strip()}))
        except ValueError:
            codes = ()
        if not codes or any(c not in (1, 2, 3, 4) for c in codes):
            raise ConfigError(f"label_sources: expected provenance codes among 1-4 such as 1,2, "
                              f"got {self.label_sources!r}")
        return codes

    def validate(self) -> "TrainConfig":
        if self.model not in MODEL_NAMES:
            raise ConfigError(f"model: unknown {self.model!r}; choose one of {', '.join(MODEL_NAMES)}")
        for n, lo in (("epochs", 1), ("batch_size", 1), ("width", 0), ("patience", 0), ("restart_epochs", 1),
                      ("seed", 0), ("max_steps_per_epoch", 0)):
            if int(getattr(self, n)) < lo:
                raise ConfigError(f"{n}: must be >= {lo}, got {getattr(self, n)}")
        if not self.lr > 0 or self.weight_decay < 0:
            raise ConfigError(f"lr must be > 0 and weight_decay >= 0, got {self.lr}, {self.weight_decay}")
        if not 0 <= self.val_fraction < 1:
            raise ConfigError(f"val_fraction: must be in [0, 1), got {self.val_fraction}")
        for n, ok in (("inputs", ("rgb", "rgbd", "rgbd-fspl")), ("amp", ("auto", "on", "off")), ("device", ("auto", "cpu", "cuda"))):
            if getattr(self, n) not in ok:
                raise ConfigError(f"{n}: must be one of {ok}, got {getattr(self, n)!r}")
        if self.label_weighting not in ("none", "std"):
            raise ConfigError(f"label_weighting: must be none or std, got {self.label_weighting!r}")
        self.label_source_codes  # noqa: B018 - validates label_sources
        if self.model == "senseray3d" and self.width and self.width % 12:
            raise ConfigError(f"width: SwinUNETR's feature_size must be a multiple of 12, got {self.width}")
        return self


#: The SynthRM seed's Figure 11 case study: a vehicle with a camera-mounted Tx (1.9 m) drives
#: along a downtown canyon out into the open margin; the camera looks back into the canyon
#: it leaves, so the frames in the open still see its facades (``docs/reproduction.md``).
CANYON_DRIVE = {
    "city": {"district": "downtown", **DISTRICTS["downtown"], "margin_m": 80.0},
    "frames": 12, "frames_per_scene": 12,
    "camera": {"view": "drive", "drive_beyond_m": 70.0, "drive_yaw_deg": 180.0, "drive_pitch_deg": -10.0,
               "min_built_fraction": 0.0},
    "radio": {"tx_placement": "camera", "tx_per_frame": 1},
}

#: The SynthRM seed's own radio pipeline (its Section 3.4 and Table 4): Sionna's Monte Carlo
#: map alone (no exact line of sight, no fill: a surface no ray reaches has no value) and
#: wedge diffraction on. The ray budget and depth stay synthrm's (the seed: 2**31 rays, depth 20).
SEED_RADIO = {"exact_los": False, "fill": False, "diffraction": True}
#: The seed's views where docs/reproduction.md shows them: from 120-240 m the maps' maximum
#: Pmax is bimodal (its Figure 9); from synthrm's 30-120 m it is not.
SEED_CAMERA = {"uav_altitude_m": (120.0, 240.0)}


def _seed_preset(district: str) -> dict:
    """SynthRM-like data: the seed's radio pipeline and view altitude on a synthrm city.
    Transmitters stay near the view (synthrm's rule): placed anywhere in the district
    (``radio.tx_placement: district``, the seed's Figure 8) the bimodality of Pmax goes."""
    return {**_city_preset(district), "camera": dict(SEED_CAMERA), "radio": dict(SEED_RADIO)}


PRESETS: dict[str, dict] = {
    "city-downtown": _city_preset("downtown"),
    "city-mix": _city_preset("mix"),
    "city-margin": _city_preset("margin"),
    "seed-downtown": _seed_preset("downtown"),
    "seed-mix": _seed_preset("mix"),
    "seed-margin": _seed_preset("margin"),
    "canyon-drive": CANYON_DRIVE,
}


def preset_names() -> list[str]:
    return sorted(PRESETS) + sorted(INDOOR_PRESETS)


def make_indoor_config(preset: str = "indoor-apartment", overrides: dict | None = None) -> IndoorConfig:
    """Build a validated indoor config from a preset name and nested overrides."""
    if preset not in INDOOR_PRESETS:
        raise ConfigError(f"unknown indoor preset {preset!r}; choose one of {sorted(INDOOR_PRESETS)}")
    base = {"preset": preset, **INDOOR_PRESETS[preset]}
    over = dict(overrides or {})
    radio = over.pop("radio", None)
    cfg = _build(IndoorConfig, _merge(base, over), "")
    if radio:
        cfg.radio = _build(RadioConfig, {**dataclasses.asdict(cfg.radio), **radio}, "radio")
        cfg.__post_init__()
    return cfg


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "radio_materials":
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _nested_match(cls, key: str, hints: dict, where: str) -> str | None:
    """The dotted path of a field of a nested section that ``key`` is (close to)."""
    for f in dataclasses.fields(cls):
        t = hints.get(f.name)
        if dataclasses.is_dataclass(t):
            sub = [g.name for g in dataclasses.fields(t)]
            m = difflib.get_close_matches(key, sub, n=1, cutoff=0.8)
            if m:
                return f"{where + '.' if where else ''}{f.name}.{m[0]}"
    return None


def _build(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in data.items():
        path = f"{where}.{key}" if where else str(key)
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            nested = _nested_match(cls, str(key), hints, where)
            hint = (f"; did you mean {close[0]!r}?" if close else
                    f"; did you mean {nested!r} (it belongs in that section)?" if nested else f"; known keys: {names}")
            raise ConfigError(f"unknown config key {path!r}{hint}")
        t = hints[key]
        if dataclasses.is_dataclass(t):
            kwargs[key] = _build(t, value, path)
        elif typing.get_origin(t) is tuple:
            if not isinstance(value, (list, tuple)):
                raise ConfigError(f"{path}: expected a list of {len(typing.get_args(t))} numbers, got {value!r}")
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = value
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError, OverflowError) as e:  # wrong value types the checks did not catch
        raise ConfigError(f"{where or 'config'}: invalid value ({e}); see `synthrm config show` for the expected "
                          "types") from None


def make_config(preset: str = "city-mix", overrides: dict | None = None) -> GenerateConfig:
    """Build a validated config from a preset name and nested overrides."""
    if preset in INDOOR_PRESETS:
        raise ConfigError(f"{preset!r} is an indoor preset; use make_indoor_config")
    if preset not in PRESETS:
        close = difflib.get_close_matches(preset, PRESETS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"unknown preset {preset!r}{hint}; choose one of {preset_names()}")
    data = _merge({"preset": preset, **PRESETS[preset]}, overrides or {})
    return _build(GenerateConfig, data, "")


def load_config(path: str | Path, overrides: dict | None = None) -> GenerateConfig:
    """Load a YAML config file. A top-level ``preset`` key picks the base preset."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {str(p)!r}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {str(p)!r} is not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r}: expected a mapping at the top level")
    preset = data.pop("preset", "city-mix")
    try:
        return make_config(preset, _merge(data, overrides or {}))
    except ConfigError as e:
        raise ConfigError(f"config file {str(p)!r}: {e}") from None
