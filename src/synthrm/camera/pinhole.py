"""Pinhole camera model.

Conventions: the camera frame is OpenCV's (x right, y down, z forward); the world frame
has z up; lengths in metres. ``cam_to_world`` is a (4, 4) matrix mapping camera to world
coordinates. Pixel (u, v) = (column, row); the centre of pixel (i, j) is (i + 0.5, j + 0.5).
"""
from __future__ import annotations

import math

import numpy as np

from synthrm.errors import ConfigError

#: OpenCV camera axes -> Mitsuba camera axes (x left, y up, z forward).
_CV_TO_MI = np.diag([-1.0, -1.0, 1.0, 1.0])


def intrinsics(width: int, height: int, fov_x_deg: float) -> np.ndarray:
    """Intrinsic matrix K (3, 3) float64 of a centred pinhole with square pixels.

    fx = fy = (W / 2) / tan(fov_x / 2), principal point (W / 2, H / 2).
    """
    if width <= 0 or height <= 0:
        raise ConfigError(f"resolution must be positive, got {width}x{height}")
    if not 0 < fov_x_deg < 180:
        raise ConfigError(f"fov_x_deg must be in (0, 180), got {fov_x_deg}")
    f = (width / 2.0) / math.tan(math.radians(fov_x_deg) / 2.0)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def look_at(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera-to-world (4, 4) of a camera at ``eye`` looking at ``target`` (OpenCV axes)."""
    eye, target, up = (np.asarray(a, dtype=np.float64) for a in (eye, target, up))
    z = target - eye
    n = np.linalg.norm(z)
    if n == 0:
        raise ValueError("look_at: eye and target coincide")
    z /= n
    x = np.cross(z, up)
    if np.linalg.norm(x) < 1e-9:  # looking straight along up: pick any right vector
        x = np.cross(z, [1.0, 0.0, 0.0] if abs(z[0]) < 0.9 else [0.0, 1.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = x, y, z, eye
    return m


def pose_from_angles(position, heading_deg: float, pitch_deg: float) -> np.ndarray:
    """Camera-to-world (4, 4) at ``position`` [m], heading counter-clockwise from +x
    [deg], pitch below the horizon [deg] (positive looks down)."""
    h, p = math.radians(heading_deg), math.radians(pitch_deg)
    d = np.array([math.cos(p) * math.cos(h), math.cos(p) * math.sin(h), -math.sin(p)])
    pos = np.asarray(position, dtype=np.float64)
    return look_at(pos, pos + d)


def world_to_camera(cam_to_world: np.ndarray) -> np.ndarray:
    """Inverse of a rigid camera-to-world (4, 4): the extrinsics [R | t]."""
    r, t = cam_to_world[:3, :3], cam_to_world[:3, 3]
    m = np.eye(4)
    m[:3, :3] = r.T
    m[:3, 3] = -r.T @ t
    return m


def project(points_world: np.ndarray, K: np.ndarray, cam_to_world: np.ndarray):
    """Project world points (..., 3) to pixels: returns (uv (..., 2), z-depth (...) [m])."""
    w2c = world_to_camera(cam_to_world)
    pc = points_world @ w2c[:3, :3].T + w2c[:3, 3]
    z = pc[..., 2]
    uvw = pc @ K.T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = uvw[..., :2] / uvw[..., 2:3]
    return uv, z


def to_mitsuba_to_world(cam_to_world: np.ndarray) -> np.ndarray:
    """Mitsuba sensor ``to_world`` (x left, y up, z forward) from an OpenCV camera-to-world."""
    return np.asarray(cam_to_world, dtype=np.float64) @ _CV_TO_MI
