"""Settings of the render stage: path tracing and the environmental variations."""
from __future__ import annotations

from dataclasses import dataclass

from synthrm.checks import check_range, require
from synthrm.errors import ConfigError


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
        require(isinstance(self.spp, int) and 1 <= self.spp <= 4096, f"render.spp: must be an integer in [1, 4096], got {self.spp!r}")
        require(isinstance(self.max_depth, int) and 1 <= self.max_depth <= 64, f"render.max_depth: must be in [1, 64], got {self.max_depth!r}")
        require(0 < self.sun_elevation_deg <= 90, f"render.sun_elevation_deg: must be in (0, 90], got {self.sun_elevation_deg}")
        require(self.exposure > 0, f"render.exposure: must be > 0, got {self.exposure}")
        for n in ("hdr", "log_depth"):
            require(isinstance(getattr(self, n), bool), f"render.{n}: must be true or false, got {getattr(self, n)!r}")

    def daylight(self) -> "Lighting":
        """The fixed sun of these settings (the lighting of every render without a time of
        day)."""
        return Lighting(self.sun_elevation_deg, self.sun_azimuth_deg)


@dataclass(frozen=True)
class Lighting:
    """Illumination of one render. The defaults are the daylight of ``RenderConfig``."""

    sun_elevation_deg: float = RenderConfig.sun_elevation_deg
    """Sun elevation above the horizon [deg] (clamped to >= 0.5 for the sky model)."""
    sun_azimuth_deg: float = RenderConfig.sun_azimuth_deg
    """Sun azimuth, counter-clockwise from +x (east) [deg]."""
    sun_scale: float = 1.0
    """Scale of the sun disc radiance of Mitsuba's ``sunsky`` (0: no sun)."""
    sky_scale: float = 1.0
    """Scale of the sky radiance of ``sunsky`` (0 with ``sun_scale`` 0: no sun and sky)."""
    turbidity: float = 3.0
    """Atmospheric turbidity of the sky model (2: clear .. 10: hazy)."""
    night_sky: float = 0.0
    """Constant radiance of a night sky (moon and city glow), linear RGB units; only
    without sun and sky (Mitsuba takes one environment emitter)."""
    street_light_intensity: float = 0.0
    """Intensity of each street light head (spot, pointing down) [W/sr]; 0: off."""
    window_radiance: float = 0.0
    """Scale of the lit-window emission of the facades; 0: off."""
    light_centre_m: tuple[float, float] | None = None
    """Only the ``max_street_lights`` street lights nearest this point (x, y) [m] are on
    (the path tracer samples lights uniformly: far ones only add noise); None: all."""
    max_street_lights: int = 8


#: The default daylight (``RenderConfig()``'s sun).
DAYLIGHT = Lighting()


@dataclass
class VariationConfig:
    """Environmental variations of the images (the SynthRM paper's section 4.2). Each is drawn per
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
        require(self.lighting in ("fixed", "time_of_day"),
                 f"variations.lighting: must be fixed or time_of_day, got {self.lighting!r}")
        for n in ("time_of_day_h", "sun_max_elevation_deg", "turbidity", "fog_visibility_m", "blur_speed_mps",
                  "full_well_e", "read_noise_e"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            check_range(v, f"variations.{n}")
        require(0 <= self.time_of_day_h[0] and self.time_of_day_h[1] <= 24,
                 f"variations.time_of_day_h: hours must lie in [0, 24], got {list(self.time_of_day_h)}")
        require(0 < self.sun_max_elevation_deg[0] and self.sun_max_elevation_deg[1] <= 90,
                 "variations.sun_max_elevation_deg: must lie in (0, 90]")
        require(1.0 <= self.turbidity[0] and self.turbidity[1] <= 10.0, "variations.turbidity: must lie in [1, 10]")
        for n in ("fog_probability", "blur_probability"):
            require(0 <= getattr(self, n) <= 1, f"variations.{n}: must be in [0, 1], got {getattr(self, n)}")
        require(self.fog_visibility_m[0] >= 10, "variations.fog_visibility_m: must be >= 10 m")
        require(self.blur_speed_mps[0] >= 0, "variations.blur_speed_mps: must be >= 0 m/s")
        require(0 < self.shutter_s <= 1, f"variations.shutter_s: must be in (0, 1] s, got {self.shutter_s}")
        require(isinstance(self.blur_subframes, int) and 2 <= self.blur_subframes <= 64,
                 f"variations.blur_subframes: must be an integer in [2, 64], got {self.blur_subframes!r}")
        require(self.max_gain >= 1, f"variations.max_gain: must be >= 1, got {self.max_gain}")
        require(self.full_well_e[0] >= 10, "variations.full_well_e: must be >= 10 electrons")
        require(self.read_noise_e[0] >= 0, "variations.read_noise_e: must be >= 0 electrons")
        for n in ("auto_exposure", "noise"):
            require(isinstance(getattr(self, n), bool), f"variations.{n}: must be true or false")


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
