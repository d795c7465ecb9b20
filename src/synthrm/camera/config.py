"""Settings of the camera stage: the pinhole, pose sampling, and the indoor scan walk.
Angles in degrees, lengths in metres."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.checks import check_range, require
from synthrm.errors import ConfigError


def parse_resolution(text: str) -> tuple[int, int]:
    """``"WIDTHxHEIGHT"`` -> (width, height) [px] (ConfigError naming the form expected)."""
    m = re.fullmatch(r"\s*(-?\d+)\s*[xX]\s*(-?\d+)\s*", text)
    if not m:
        raise ConfigError(f"--resolution: expected WIDTHxHEIGHT such as 256x192, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if w <= 0 or h <= 0:
        raise ConfigError(f"--resolution: width and height must be > 0, got {w}x{h}")
    return w, h


class PinholeSettings:
    """The camera of settings that hold an image size ``resolution`` (W, H) [px] and a
    horizontal field of view ``fov_x_deg`` [deg]: :class:`CameraConfig` (city frames) and
    :class:`ScanConfig` (indoor scans) build their cameras here and nowhere else."""

    resolution: tuple[int, int]
    fov_x_deg: float

    def camera(self, cam_to_world: np.ndarray | None = None) -> PinholeCamera:
        """The centred pinhole of these settings at pose ``cam_to_world`` (4, 4) (OpenCV
        axes, world z up [m]; default the identity: set the pose with ``with_pose``)."""
        w, h = self.resolution
        return PinholeCamera.from_fov(w, h, self.fov_x_deg, np.eye(4) if cam_to_world is None else cam_to_world)


@dataclass
class CameraConfig(PinholeSettings):
    """Camera model and pose sampling. Angles in degrees, lengths in metres."""

    resolution: tuple[int, int] = (256, 192)
    """Image size (width, height) [px]."""
    fov_x_deg: float = 75.0
    """Horizontal field of view [deg]."""
    view: str = "uav"
    """Pose sampler: ``uav``, ``vehicle``, ``pedestrian`` or ``drive`` (the frames of a
    scene follow one vehicle along an inner street, from its middle out of the street grid
    into the open margin: the SynthRM paper's Figure 11 case study, preset ``canyon-drive``)."""
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
        require(len(res) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in res),
                 f"camera.resolution: expected two integers WIDTHxHEIGHT, got {self.resolution!r}")
        require(all(v > 0 for v in res), f"camera.resolution: width and height must be > 0, got {res[0]}x{res[1]}")
        require(all(v <= 8192 for v in res), f"camera.resolution: at most 8192 per side, got {res[0]}x{res[1]}")
        self.resolution = res
        require(0 < self.fov_x_deg < 170, f"camera.fov_x_deg: must be in (0, 170), got {self.fov_x_deg}")
        require(self.view in VIEWS, f"camera.view: unknown view {self.view!r}; choose one of {list(VIEWS)}")
        for n in ("uav_altitude_m", "uav_pitch_deg", "street_pitch_deg"):
            v = tuple(float(x) for x in getattr(self, n))
            setattr(self, n, v)
            check_range(v, f"camera.{n}")
        require(self.uav_altitude_m[0] > 0, "camera.uav_altitude_m: must be > 0 m")
        require(-90 <= self.uav_pitch_deg[0] and self.uav_pitch_deg[1] <= 90, "camera.uav_pitch_deg: must lie in [-90, 90]")
        require(0 <= self.min_coverage <= 1, f"camera.min_coverage: must be in [0, 1], got {self.min_coverage}")
        require(0 <= self.min_built_fraction <= 1,
                 f"camera.min_built_fraction: must be in [0, 1], got {self.min_built_fraction}")
        require(self.max_attempts >= 1, f"camera.max_attempts: must be >= 1, got {self.max_attempts}")
        require(isinstance(self.drive_beyond_m, (int, float)) and self.drive_beyond_m >= 0,
                f"camera.drive_beyond_m: must be >= 0 m, got {self.drive_beyond_m!r}")
        require(isinstance(self.drive_yaw_deg, (int, float)) and -180 <= self.drive_yaw_deg <= 180,
                f"camera.drive_yaw_deg: must be in [-180, 180], got {self.drive_yaw_deg!r}")
        require(isinstance(self.drive_pitch_deg, (int, float)) and -60 <= self.drive_pitch_deg <= 60,
                f"camera.drive_pitch_deg: must be in [-60, 60] (positive looks down), got {self.drive_pitch_deg!r}")


VIEWS = ("uav", "vehicle", "pedestrian", "drive")


@dataclass
class ScanConfig(PinholeSettings):
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
        require(w >= 8 and h >= 8, f"scan.resolution: must be at least 8x8, got {w}x{h}")
        require(10 <= self.fov_x_deg <= 150, f"scan.fov_x_deg: must be in [10, 150], got {self.fov_x_deg}")
        require(isinstance(self.headings, int) and self.headings >= 1, f"scan.headings: must be >= 1, got {self.headings!r}")
        require(len(self.pitches_deg) >= 1 and all(-89 < p < 89 for p in self.pitches_deg),
                 f"scan.pitches_deg: expected angles in (-89, 89), got {self.pitches_deg}")
