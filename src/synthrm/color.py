"""The sRGB transfer function (IEC 61966-2-1), one place for textures and tone mapping."""
from __future__ import annotations

import numpy as np


def _encode(x: np.ndarray) -> np.ndarray:
    """sRGB encoding of linear values already clipped to [0, 1] (dtype kept)."""
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def srgb_to_linear(c, dtype=np.float64) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear, computed in ``dtype`` (default float64)."""
    c = np.asarray(c, dtype)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c) -> np.ndarray:
    """Linear values -> sRGB-encoded in [0, 1] (float64, clipped)."""
    return _encode(np.clip(np.asarray(c, np.float64), 0, 1))


def linear_to_srgb8(rgb: np.ndarray, exposure: float = 1.0) -> np.ndarray:
    """Linear RGB (H, W, 3) float -> (H, W, 3) uint8 sRGB (exposure applied, NaN as 0,
    clipped; the input's float precision kept)."""
    x = np.clip(np.nan_to_num(rgb * exposure, nan=0.0), 0.0, 1.0)
    return np.round(_encode(x) * 255.0).astype(np.uint8)
