"""Colours through viser's renderer.

viser's client (react-three-fiber) tone-maps every material, unlit ones included, with
three.js's ACES filmic curve (exposure 1) and writes sRGB: a texture colour ``c`` reaches
the screen as :func:`tonemap` (c). The viewer pre-compensates its label textures with the
inverse (:func:`untonemap`), so a pixel on screen has the colour of the colour bar:
exactly (within 2 of 255) for most colours, while the brightest, most saturated ones
(viridis above 84 %, its yellow end; white, which the curve caps at 226) lie outside what
the curve can output and come out as the nearest it can (:func:`displayed`, which the
colour bars draw, so bar and surface agree).
The forward curve is three.js's shader (``ACESFilmicToneMapping``), checked against
pixels Chromium rendered (``tests/test_viewer.py``).
"""
from __future__ import annotations

import numpy as np

from synthrm.color import linear_to_srgb, srgb_to_linear

#: three.js ACESFilmicToneMapping (sRGB -> AP1 with RRT saturation; ODT -> sRGB), as
#: matrices acting on column vectors.
_IN = np.array([[0.59719, 0.35458, 0.04823], [0.07600, 0.90834, 0.01566], [0.02840, 0.13383, 0.83777]])
_OUT = np.array([[1.60475, -0.53108, -0.07367], [-0.10208, 1.10813, -0.00605], [-0.00327, -0.07276, 1.07602]])
_EXPOSURE = 1.0 / 0.6


def _fit(v):
    return (v * (v + 0.0245786) - 0.000090537) / (v * (0.983729 * v + 0.4329510) + 0.238081)


def tonemap(rgb8) -> np.ndarray:
    """(..., 3) uint8 sRGB colours of a texture -> (..., 3) uint8 as viser shows them."""
    x = srgb_to_linear(np.asarray(rgb8, np.float64) / 255.0) * _EXPOSURE
    y = np.clip(_fit(x @ _IN.T) @ _OUT.T, 0.0, 1.0)
    return np.round(linear_to_srgb(y) * 255.0).astype(np.uint8)


def untonemap(rgb8) -> np.ndarray:
    """(..., 3) uint8 wanted on screen -> (..., 3) uint8 texture colours that viser shows
    as them (or as near as its curve allows)."""
    rgb8 = np.asarray(rgb8, np.uint8)
    flat = rgb8.reshape(-1, 3).astype(np.uint32)
    key, inv = np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2], return_inverse=True)
    uniq = np.stack([key >> 16, (key >> 8) & 255, key & 255], 1).astype(np.float64)  # a few hundred colours
    y = srgb_to_linear(uniq / 255.0) @ np.linalg.inv(_OUT).T
    y = np.clip(y, 0.0, 0.999 / 0.983729)
    a, b, c = 1 - 0.983729 * y, 0.0245786 - 0.4329510 * y, -(0.000090537 + 0.238081 * y)
    v = (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)  # the positive root of _fit(v) = y
    x = np.clip((v @ np.linalg.inv(_IN).T) / _EXPOSURE, 0.0, 1.0)
    out = np.round(linear_to_srgb(x) * 255.0).astype(np.uint8)
    return out[inv.reshape(-1)].reshape(rgb8.shape)


def displayed(rgb8) -> np.ndarray:
    """What viser shows for a colour wanted on screen: ``tonemap(untonemap(rgb8))``."""
    return tonemap(untonemap(rgb8))
