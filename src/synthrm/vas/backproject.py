"""Back-projection of z-depth to world points, the SynthRM seed's equations (1)-(2).

    p_c(u, v) = D(u, v) K^-1 [u, v, 1]^T          (1)
    Psi(u, v) = R^T (p_c(u, v) - t)               (2)

with [R | t] the world-to-camera extrinsics (OpenCV axes) and (u, v) the pixel centre
(column + 0.5, row + 0.5).
"""
from __future__ import annotations

import numpy as np

from synthrm.camera.pinhole import world_to_camera


def pixel_rays(K: np.ndarray, width: int, height: int) -> np.ndarray:
    """K^-1 [u, v, 1] at every pixel centre: (H, W, 3) float64 rays with z = 1."""
    u = np.arange(width) + 0.5
    v = np.arange(height) + 0.5
    uu, vv = np.meshgrid(u, v)
    pix = np.stack([uu, vv, np.ones_like(uu)], axis=-1)
    return pix @ np.linalg.inv(K).T


def backproject(depth: np.ndarray, K: np.ndarray, cam_to_world: np.ndarray) -> np.ndarray:
    """World points (H, W, 3) float64 [m] from z-depth (H, W) [m]; NaN where depth is NaN."""
    depth = np.asarray(depth, dtype=np.float64)
    h, w = depth.shape
    pc = depth[..., None] * pixel_rays(K, w, h)  # eq. (1)
    w2c = world_to_camera(cam_to_world)
    r, t = w2c[:3, :3], w2c[:3, 3]
    return (pc - t) @ r  # eq. (2): R^T (p_c - t), row-vector form
