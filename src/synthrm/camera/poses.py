"""Pose samplers for UAV and street-level (vehicle, pedestrian) views, and the poses of a
vehicle driving along a street (``drive``).

A pose inside (or within 1 m of) a building is rejected before rendering; a ``check``
callback can reject more (e.g. a view that sees almost nothing but sky) and the sampler
draws again, up to ``CameraConfig.max_attempts`` times.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Callable

import numpy as np

from synthrm.camera.pinhole import pose_from_angles
from synthrm.camera.config import CameraConfig
from synthrm.errors import PoseError
from synthrm.scene.layout import Layout

BUILDING_CLEARANCE_M = 1.0


def _uav(layout: Layout, cfg: CameraConfig, rng: np.random.Generator):
    x0, y0, x1, y1 = layout.extent
    pos = [rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(*cfg.uav_altitude_m)]
    return pos, rng.uniform(0, 360), rng.uniform(*cfg.uav_pitch_deg)


def _street(layout: Layout, cfg: CameraConfig, rng: np.random.Generator, pedestrian: bool):
    if not layout.streets:
        raise PoseError("street-level views need streets, but the scene has none; use camera.view=uav")
    s = layout.streets[int(rng.integers(len(layout.streets)))]
    t = rng.uniform(0.05, 0.95)
    p = np.asarray(s.start) + t * (np.asarray(s.end) - np.asarray(s.start))
    heading = s.heading_rad
    normal = np.array([-math.sin(heading), math.cos(heading)])
    side = 1.0 if rng.random() < 0.5 else -1.0
    if pedestrian:
        lateral = s.width_m / 2 + layout.sidewalk_width_m / 2
        z = cfg.pedestrian_height_m
    else:
        lateral = rng.uniform(0.1, 0.35) * s.width_m
        z = cfg.vehicle_height_m
    p = p + side * lateral * normal
    # drive on the right: the lane on side -1 heads along the street
    h = math.degrees(heading) + (0.0 if side < 0 else 180.0)
    h += rng.uniform(-cfg.heading_jitter_deg, cfg.heading_jitter_deg)
    return [p[0], p[1], z], h, rng.uniform(*cfg.street_pitch_deg)


def inner_streets(layout: Layout) -> list:
    """The streets of the grid that are not on its boundary (buildings on both sides: the
    canyons); all streets when the grid has no inner one."""
    def axis_pos(s):
        vertical = abs(s.end[0] - s.start[0]) < abs(s.end[1] - s.start[1])
        return vertical, round(s.start[0] if vertical else s.start[1], 6)

    keys = [axis_pos(s) for s in layout.streets]
    out = []
    for s, (vertical, pos) in zip(layout.streets, keys):
        same = [p for v, p in keys if v == vertical]
        if min(same) < pos < max(same):
            out.append(s)
    return out or list(layout.streets)


def drive_pose(layout: Layout, cfg: CameraConfig, rng: np.random.Generator, step: int, steps: int) -> np.ndarray:
    """Camera-to-world (4, 4) of view ``step`` of ``steps`` of a drive (``camera.view:
    drive``): ``rng`` (one per scene) picks an inner street and a direction; the vehicle
    drives in the right-hand lane from the street's middle to ``cfg.drive_beyond_m`` past
    its end, the views evenly spaced, the camera at ``vehicle_height_m`` heading
    ``drive_yaw_deg`` off the direction of travel with pitch ``drive_pitch_deg``."""
    streets = inner_streets(layout)
    if not streets:
        raise PoseError("a drive needs streets, but the scene has none; use camera.view=uav")
    s = streets[int(rng.integers(len(streets)))]
    a, b = np.asarray(s.start, np.float64), np.asarray(s.end, np.float64)
    if rng.random() < 0.5:
        a, b = b, a
    u = (b - a) / np.linalg.norm(b - a)
    right = np.array([u[1], -u[0]])
    length = np.linalg.norm(b - a) / 2 + cfg.drive_beyond_m
    t = length * step / max(steps - 1, 1)
    p = (a + b) / 2 + t * u + 0.25 * s.width_m * right
    heading = math.degrees(math.atan2(u[1], u[0])) + cfg.drive_yaw_deg
    return pose_from_angles([float(p[0]), float(p[1]), cfg.vehicle_height_m], heading, cfg.drive_pitch_deg)


def sample_pose(layout: Layout, cfg: CameraConfig, rng: np.random.Generator,
                check: Callable[[np.ndarray], str | None] | None = None) -> np.ndarray:
    """Draw a camera-to-world (4, 4) pose for ``cfg.view`` in ``layout``.

    ``check(cam_to_world)`` returns None to accept or a short reason to reject. Raises
    :class:`PoseError` naming the reasons when no pose is accepted in ``max_attempts``.
    """
    if cfg.view == "drive":
        raise PoseError("camera.view drive follows a fixed trajectory: its poses come from drive_pose, not a sampler")
    reasons: Counter[str] = Counter()
    for _ in range(cfg.max_attempts):
        if cfg.view == "uav":
            pos, heading, pitch = _uav(layout, cfg, rng)
        else:
            pos, heading, pitch = _street(layout, cfg, rng, cfg.view == "pedestrian")
        if layout.building_at(*pos, margin_m=BUILDING_CLEARANCE_M) is not None:
            reasons["inside or within 1 m of a building"] += 1
            continue
        c2w = pose_from_angles([float(v) for v in pos], float(heading), float(pitch))
        why = check(c2w) if check else None
        if why:
            reasons[why] += 1
            continue
        return c2w
    detail = ", ".join(f"{n}x {r}" for r, n in reasons.most_common())
    raise PoseError(f"could not place a {cfg.view} camera in {cfg.max_attempts} attempts "
                    f"({detail}); widen the pose ranges, lower camera.min_coverage or camera.min_built_fraction, or raise "
                    "camera.max_attempts")
