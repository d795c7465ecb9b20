"""Pinhole camera model: the :class:`PinholeCamera` value every stage passes around.

Conventions: the camera frame is OpenCV's (x right, y down, z forward); the world frame
has z up; lengths in metres. ``cam_to_world`` is a (4, 4) matrix mapping camera to world
coordinates. Pixel (u, v) = (column, row); the centre of pixel (i, j) is (i + 0.5, j + 0.5).

Back-projection is the SynthRM paper's equations (1)-(2)::

    p_c(u, v) = D(u, v) K^-1 [u, v, 1]^T          (1)
    Psi(u, v) = R^T (p_c(u, v) - t)               (2)

with [R | t] the world-to-camera extrinsics and (u, v) the pixel centre.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

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


def pixel_rays(K: np.ndarray, width: int, height: int) -> np.ndarray:
    """K^-1 [u, v, 1] at every pixel centre: (H, W, 3) float64 camera-frame rays with z = 1."""
    u = np.arange(width) + 0.5
    v = np.arange(height) + 0.5
    uu, vv = np.meshgrid(u, v)
    pix = np.stack([uu, vv, np.ones_like(uu)], axis=-1)
    return pix @ np.linalg.inv(K).T


def backproject(depth: np.ndarray, K: np.ndarray, cam_to_world: np.ndarray) -> np.ndarray:
    """World points (H, W, 3) float64 [m] from z-depth (H, W) [m]; NaN where depth is NaN
    (the paper's equations (1)-(2))."""
    depth = np.asarray(depth, dtype=np.float64)
    h, w = depth.shape
    pc = depth[..., None] * pixel_rays(K, w, h)  # eq. (1)
    w2c = world_to_camera(cam_to_world)
    r, t = w2c[:3, :3], w2c[:3, 3]
    return (pc - t) @ r  # eq. (2): R^T (p_c - t), row-vector form


@dataclass(frozen=True, eq=False)
class PinholeCamera:
    """A pinhole camera: intrinsics, pose and image size, as one value.

    Attributes:
        K: (3, 3) float64 intrinsics [px].
        cam_to_world: (4, 4) float64 camera-to-world pose, OpenCV camera axes, world z up [m].
        width, height: image size [px].
    """

    K: np.ndarray
    cam_to_world: np.ndarray
    width: int
    height: int

    @classmethod
    def from_fov(cls, width: int, height: int, fov_x_deg: float, cam_to_world: np.ndarray) -> "PinholeCamera":
        """A centred pinhole with square pixels and horizontal field of view ``fov_x_deg``."""
        return cls(intrinsics(width, height, fov_x_deg), np.asarray(cam_to_world, np.float64), int(width), int(height))

    @classmethod
    def from_sample(cls, sample: dict) -> "PinholeCamera":
        """The camera of a stored sample (its ``K``, ``cam_to_world`` and ``depth`` size)."""
        return cls.for_depth(sample["K"], sample["cam_to_world"], sample["depth"])

    @classmethod
    def for_depth(cls, K: np.ndarray, cam_to_world: np.ndarray, depth: np.ndarray) -> "PinholeCamera":
        """The camera of a depth map (H, W): intrinsics ``K``, pose ``cam_to_world``, its size."""
        h, w = np.asarray(depth).shape[:2]
        return cls(np.asarray(K, np.float64), np.asarray(cam_to_world, np.float64), int(w), int(h))

    def with_pose(self, cam_to_world: np.ndarray) -> "PinholeCamera":
        """The same intrinsics and size at another pose."""
        return PinholeCamera(self.K, np.asarray(cam_to_world, np.float64), self.width, self.height)

    @property
    def center(self) -> np.ndarray:
        """(3,) camera centre in the world [m]."""
        return self.cam_to_world[:3, 3]

    @property
    def world_to_camera(self) -> np.ndarray:
        """(4, 4) extrinsics [R | t]."""
        return world_to_camera(self.cam_to_world)

    @property
    def fov_x_deg(self) -> float:
        """Horizontal field of view [deg]."""
        return math.degrees(2 * math.atan((self.width / 2) / self.K[0, 0]))

    def pixel_rays(self) -> np.ndarray:
        """(H, W, 3) float64 camera-frame rays K^-1 [u, v, 1] through the pixel centres."""
        return pixel_rays(self.K, self.width, self.height)

    def world_rays(self) -> np.ndarray:
        """(H, W, 3) float64 world directions of the pixel-centre rays, scaled so that a
        step of 1 along a ray is 1 m of z-depth."""
        return self.pixel_rays() @ self.cam_to_world[:3, :3].T

    def backproject(self, depth: np.ndarray) -> np.ndarray:
        """World points (H, W, 3) float64 [m] of a z-depth map (H, W) [m]; NaN where depth is."""
        return backproject(depth, self.K, self.cam_to_world)

    def project(self, points_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) -> (pixel (u, v) (..., 2), z-depth (...) [m]); a point
        behind the camera has z <= 0."""
        return project(np.asarray(points_world, np.float64), self.K, self.cam_to_world)

    def mitsuba_sensor(self, sampler: dict, near_clip_m: float, far_clip_m: float) -> dict:
        """A Mitsuba ``perspective`` sensor dict of this camera with a box-filtered film
        (needs a centred principal point and square pixels)."""
        from synthrm._mitsuba import mi

        K, w, h = self.K, self.width, self.height
        if not (abs(K[0, 2] - w / 2) < 1e-6 and abs(K[1, 2] - h / 2) < 1e-6 and abs(K[0, 0] - K[1, 1]) < 1e-6 * K[0, 0]):
            raise ConfigError("renderer: K must have square pixels and the principal point at "
                              f"the image centre ({w / 2}, {h / 2}); got {K.tolist()}")
        return {
            "type": "perspective", "fov": self.fov_x_deg, "fov_axis": "x",
            "near_clip": near_clip_m, "far_clip": far_clip_m,
            "to_world": mi.ScalarTransform4f(to_mitsuba_to_world(self.cam_to_world).tolist()),
            "film": {"type": "hdrfilm", "width": int(w), "height": int(h),
                     "rfilter": {"type": "box"}, "pixel_format": "rgb"},
            "sampler": sampler,
        }
