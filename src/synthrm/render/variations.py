"""Environmental variations of the camera image: time of day, fog, motion blur, sensor noise.

:func:`sample_variation` draws one :class:`Variation` per sample from a seeded generator
(recorded in the sample as JSON); :func:`render_variation` renders the frame's image under
it. Only the colour image changes: geometry buffers are rendered at the shutter-centre
pose without any of these effects, and the radio labels never see them (fog and haze do
not attenuate radio below mmWave).

Models (all in linear radiance, before tone mapping):

* **time of day**: the sun follows ``elevation = e_max sin(pi (h - 6) / 12)``, azimuth
  ``-15 (h - 6)`` deg from east (east at 6 h, south at noon, west at 18 h); Mitsuba's
  ``sunsky`` gives sun and sky, fading out between +2 and -6 deg (civil twilight); below
  +4 deg the street lights, lit windows and a dim night sky come on.
* **fog**: Koschmieder's law on the exact per-pixel range d [m]:
  ``L = L0 t + A (1 - t)``, ``t = exp(-beta d)``, ``beta = 3.912 / visibility`` [1/m], with
  the airlight A the sky radiance at the horizon; sky pixels get A.
* **motion blur**: a box shutter of ``shutter_s``; the camera moves at ``velocity`` [m/s]
  and the image is the mean of ``blur_subframes`` renders along the path.
* **exposure**: ``render.exposure`` times an auto-exposure gain (log-average luminance to
  a daylight key, without pushing the 99th-percentile luminance over 0.9, clipped to
  ``[1 / 2, max_gain]``) when enabled.
* **sensor noise**: electrons ``n ~ Poisson(x full_well / gain)`` plus Gaussian read
  noise, back to ``x = n gain / full_well``; higher gain, fewer photons, more noise.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.render.config import Lighting, RenderConfig, VariationConfig
from synthrm.render.renderer import Renderer

KOSCHMIEDER = 3.912
"""-ln(0.02): a black object at the visibility distance keeps 2 % contrast."""
AUTO_EXPOSURE_KEY = 0.12
"""Target log-average luminance of the exposed linear image (about a clear noon view)."""
AE_HIGHLIGHT = 0.9
"""Auto-exposure keeps the 99th-percentile luminance of the exposed image below this."""
NIGHT_SKY = 0.004
"""Night sky radiance (moon and city glow), linear RGB units of the sunsky model."""
STREET_LIGHT_W_SR = 20.0
"""Street light intensity [W/sr] in the units of the sunsky model."""
WINDOW_RADIANCE = 0.04
"""Radiance of a fully lit window at night."""
NIGHT_SPP_FACTOR = 4
"""Night frames are lit by many small lights: they get this many times ``render.spp``."""


@dataclass
class Variation:
    """The appearance parameters of one sample (recorded as JSON)."""

    name: str
    """Variation preset name."""
    lighting: Lighting
    time_of_day_h: float | None = None
    """Local solar time [h]; None with fixed lighting."""
    fog_visibility_m: float | None = None
    """Meteorological visibility [m]; None: no fog."""
    blur_velocity_mps: tuple[float, float, float] | None = None
    """Camera velocity during the exposure, world frame [m/s]; None: no blur."""
    shutter_s: float = 0.0
    """Exposure time of a blurred frame [s] (0 without blur)."""
    blur_subframes: int = 1
    auto_exposure: bool = False
    max_gain: float = 1.0
    noise: bool = False
    full_well_e: float = 0.0
    read_noise_e: float = 0.0
    # filled by render_variation
    spp: int | None = None
    """Path-tracing samples per pixel used (night frames get NIGHT_SPP_FACTOR more)."""
    exposure: float | None = None
    """Linear scale applied before tone mapping (render.exposure x auto-exposure gain)."""
    fog_airlight: tuple[float, float, float] | None = None
    """Airlight (horizon sky radiance), linear RGB."""

    @property
    def night(self) -> bool:
        return self.lighting.street_light_intensity > 0

    def to_json(self) -> dict:
        d = asdict(self)
        d["lighting"] = asdict(self.lighting)
        d["night"] = self.night
        return d


def sun_at(hour: float, max_elevation_deg: float) -> tuple[float, float]:
    """Sun (elevation, azimuth) [deg] at local solar time ``hour`` (see module docstring)."""
    elev = max_elevation_deg * math.sin(math.pi * (hour - 6.0) / 12.0)
    az = (-15.0 * (hour - 6.0)) % 360.0
    return elev, az


def lighting_at(hour: float, max_elevation_deg: float, turbidity: float = 3.0,
                centre_m: tuple[float, float] | None = None) -> Lighting:
    """The :class:`Lighting` of a time of day; at night the street lights nearest
    ``centre_m`` (x, y) [m] are on."""
    elev, az = sun_at(hour, max_elevation_deg)
    fade = float(np.clip((elev + 6.0) / 8.0, 0.0, 1.0)) ** 2  # 1 above +2 deg, 0 below -6 deg
    night = elev < 4.0
    return Lighting(sun_elevation_deg=round(max(elev, 0.5), 4), sun_azimuth_deg=round(az, 4),
                    sun_scale=round(fade, 6), sky_scale=round(fade, 6), turbidity=round(turbidity, 4),
                    night_sky=NIGHT_SKY if fade == 0 else 0.0,  # Mitsuba: one environment at a time
                    street_light_intensity=STREET_LIGHT_W_SR if night else 0.0,
                    window_radiance=WINDOW_RADIANCE if night else 0.0,
                    light_centre_m=centre_m if night else None)


def view_centre(cam_to_world: np.ndarray, max_range_m: float = 150.0) -> tuple[float, float]:
    """Where the optical axis meets the ground (x, y) [m], at most ``max_range_m`` away
    horizontally (a view at or above the horizon: 30 m ahead)."""
    c2w = np.asarray(cam_to_world, float)
    o, f = c2w[:3, 3], c2w[:3, 2]
    t = -o[2] / f[2] if f[2] < -1e-6 else None
    p = o + f * t if t is not None else o + f * 30.0 / max(np.hypot(f[0], f[1]), 1e-6)
    d = p[:2] - o[:2]
    n = np.hypot(*d)
    if n > max_range_m:
        p = o[:2] + d * (max_range_m / n)
    return (round(float(p[0]), 3), round(float(p[1]), 3))


def _loguniform(rng, lo_hi):
    lo, hi = lo_hi
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi > lo else float(lo)


def _uniform(rng, lo_hi):
    lo, hi = lo_hi
    return float(rng.uniform(lo, hi)) if hi > lo else float(lo)


def sample_variation(cfg: VariationConfig, render: RenderConfig, cam_to_world: np.ndarray, view: str,
                     rng: np.random.Generator) -> Variation:
    """Draw the variation of one sample. Every field is drawn (in a fixed order) whether
    or not it is used, so that changing one probability does not reshuffle the others."""
    hour = _uniform(rng, cfg.time_of_day_h)
    e_max = _uniform(rng, cfg.sun_max_elevation_deg)
    turb = _uniform(rng, cfg.turbidity)
    fog_u, vis = rng.random(), _loguniform(rng, cfg.fog_visibility_m)
    blur_u, speed, heading = rng.random(), _uniform(rng, cfg.blur_speed_mps), rng.uniform(0, 2 * math.pi)
    well, read = _loguniform(rng, cfg.full_well_e), _uniform(rng, cfg.read_noise_e)
    if cfg.lighting == "time_of_day":
        light, tod = lighting_at(hour, e_max, turb, view_centre(cam_to_world)), round(hour, 4)
    else:
        light, tod = render.daylight(), None
    vel = None
    if blur_u < cfg.blur_probability:
        if view == "uav":
            d = np.array([math.cos(heading), math.sin(heading), 0.0])
        else:  # along the camera's forward axis, horizontal
            f = np.asarray(cam_to_world, float)[:3, 2].copy()
            f[2] = 0.0
            d = f / (np.linalg.norm(f) + 1e-12)
        vel = tuple(round(float(x), 6) for x in d * speed)
    return Variation(
        name=cfg.name, lighting=light, time_of_day_h=tod,
        fog_visibility_m=round(vis, 3) if fog_u < cfg.fog_probability else None,
        blur_velocity_mps=vel, shutter_s=cfg.shutter_s if vel else 0.0,
        blur_subframes=cfg.blur_subframes if vel else 1, auto_exposure=cfg.auto_exposure,
        max_gain=cfg.max_gain, noise=cfg.noise, full_well_e=round(well, 3) if cfg.noise else 0.0,
        read_noise_e=round(read, 4) if cfg.noise else 0.0)


def apply_fog(linear: np.ndarray, range_m: np.ndarray, visibility_m: float,
              airlight: np.ndarray) -> np.ndarray:
    """Koschmieder fog: linear (H, W, 3) radiance, range_m (H, W) distance from the camera
    centre [m] (NaN on sky: full airlight), airlight (3,) linear RGB."""
    beta = KOSCHMIEDER / float(visibility_m)
    t = np.exp(-beta * np.nan_to_num(range_m, nan=np.inf))[..., None]
    return (linear * t + np.asarray(airlight, np.float32) * (1.0 - t)).astype(np.float32)


def auto_exposure_gain(linear: np.ndarray, max_gain: float) -> float:
    """Gain that brings the log-average luminance of ``linear`` (H, W, 3) to the daylight
    key, but no further than keeps the 99th-percentile luminance below AE_HIGHLIGHT
    (a dark street canyon under a bright sky keeps its sky); clipped to [1/2, max_gain]."""
    lum = linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    key = float(np.exp(np.mean(np.log(np.maximum(lum, 0.0) + 1e-4))))
    highlight = float(np.percentile(lum, 99))
    gain = min(AUTO_EXPOSURE_KEY / key, AE_HIGHLIGHT / max(highlight, 1e-6))
    return float(np.clip(gain, 0.5, max_gain))


def add_sensor_noise(exposed: np.ndarray, gain: float, full_well_e: float, read_noise_e: float,
                     rng: np.random.Generator) -> np.ndarray:
    """Shot + read noise on an exposed linear image (H, W, 3) (1.0 = saturation at gain 1)."""
    scale = full_well_e / gain  # electrons per unit of exposed signal
    electrons = rng.poisson(np.clip(exposed, 0, None) * scale).astype(np.float32)
    electrons += rng.normal(0.0, read_noise_e, exposed.shape).astype(np.float32)
    return electrons / np.float32(scale)


def render_variation(renderer: Renderer, camera: PinholeCamera, render: RenderConfig, var: Variation,
                     range_m: np.ndarray | None, seed: int, noise_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Render one frame under ``var``. ``range_m`` (H, W): distance of each pixel's surface
    from the camera centre [m] (NaN on sky); needed with fog only. Returns (rgb (H, W, 3) uint8 sRGB, linear
    (H, W, 3) float32 radiance with blur and fog, before exposure and noise); sets
    ``var.exposure`` and ``var.fog_airlight``."""
    from synthrm.color import linear_to_srgb8

    var.spp = render.spp * (NIGHT_SPP_FACTOR if var.night else 1)
    if var.blur_velocity_mps is None:
        lin = renderer.rgb(camera, spp=var.spp, max_depth=render.max_depth, seed=seed, lighting=var.lighting)
    else:
        n = var.blur_subframes
        spp = max(1, -(-var.spp // n))
        v = np.asarray(var.blur_velocity_mps, float)
        lin = np.zeros((camera.height, camera.width, 3), np.float32)
        for k in range(n):
            t = ((k + 0.5) / n - 0.5) * var.shutter_s  # box shutter centred on the pose
            c2w = np.array(camera.cam_to_world, float)
            c2w[:3, 3] += v * t
            lin += renderer.rgb(camera.with_pose(c2w), spp=spp, max_depth=render.max_depth,
                                seed=(seed + 7919 * k) & 0x7FFFFFFF, lighting=var.lighting)
        lin /= n
    if var.fog_visibility_m is not None:
        air = renderer.horizon_radiance(var.lighting)
        var.fog_airlight = tuple(round(float(a), 6) for a in air)
        lin = apply_fog(lin, range_m, var.fog_visibility_m, air)
    gain = auto_exposure_gain(lin, var.max_gain) if var.auto_exposure else 1.0
    var.exposure = round(render.exposure * gain, 6)
    exposed = lin * np.float32(var.exposure)
    if var.noise:
        exposed = add_sensor_noise(exposed, gain, var.full_well_e, var.read_noise_e,
                                   np.random.default_rng(noise_seed))
    return linear_to_srgb8(exposed, 1.0), lin


__all__ = ["Variation", "sample_variation", "render_variation", "lighting_at", "sun_at", "apply_fog",
           "auto_exposure_gain", "add_sensor_noise", "KOSCHMIEDER"]
