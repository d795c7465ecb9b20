"""Transmit antennas: SISO and planar arrays, beam steering, and the pattern feature vector.

Conventions follow Sionna RT (checked against it in ``tests/test_radio_antenna.py``):

* A planar array of ``rows x cols`` elements lies in the device's local y-z plane with
  half-wavelength spacing; boresight is local +x. Element k sits at ``d_k`` [m].
* A device's orientation is (yaw, pitch, roll) [rad] about (z, y, x):
  ``R = Rz(yaw) Ry(pitch) Rx(roll)`` maps local to world directions.
* Sionna applies the precoding vector ``p`` as ``sum_k p_k exp(+j 2 pi / lambda u . d_k)``,
  so the steering vector towards ``u0`` is ``p_k = exp(-j 2 pi / lambda u0 . d_k) / sqrt(N)``
  (unit norm: steering never changes the radiated power).
* Elements are 3GPP TR 38.901 (Table 7.3-1): 8 dBi peak, 65 deg half-power beamwidths,
  30 dB front-to-back; SISO is isotropic (0 dBi).

The pattern feature vector is the transmit gain [dBi] in world directions on a fixed
zenith x azimuth grid (the SynthRM paper's "receiving power measured on a sphere with unit
radius", normalised by the isotropic value): the same length for every antenna, so a
model can take it as a non-spatial input.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.radio.physics import wavelength_m
from synthrm.registry import Registry

#: Floor of the pattern features [dBi] (array nulls would be -inf).
PATTERN_FLOOR_DBI = -40.0


#: Element patterns of :func:`gain_dbi` (and Sionna RT's ``PlanarArray``).
ELEMENT_PATTERNS = ("iso", "tr38901")


@dataclass(frozen=True)
class AntennaSpec:
    """A transmit antenna configuration."""

    rows: int
    """Elements along the local z axis (vertical)."""
    cols: int
    """Elements along the local y axis (horizontal)."""
    pattern: str
    """Element pattern: ``iso`` or ``tr38901`` (Sionna RT names)."""

    def __post_init__(self):
        if self.pattern not in ELEMENT_PATTERNS:
            raise ValueError(f"AntennaSpec.pattern: {self.pattern!r} is not an element pattern this model and Sionna RT "
                             f"both know; use one of {ELEMENT_PATTERNS}")
        if not (isinstance(self.rows, int) and isinstance(self.cols, int) and self.rows >= 1 and self.cols >= 1):
            raise ValueError(f"AntennaSpec: rows and cols must be integers >= 1, got {self.rows}, {self.cols}")

    @property
    def num_elements(self) -> int:
        return self.rows * self.cols


#: Transmit antennas by name: ``radio.antenna`` is checked against it, ``--antenna`` takes
#: its choices from it (``docs/extending.md``). The built-in ones are the SynthRM paper's
#: three transmitter configurations; ``8x4`` is 8 columns (horizontal) by 4 rows
#: (vertical): its beam is narrower in azimuth.
ANTENNAS: Registry[AntennaSpec] = Registry("antenna")
ANTENNAS.register("siso", AntennaSpec(1, 1, "iso"))
ANTENNAS.register("4x4", AntennaSpec(4, 4, "tr38901"))
ANTENNAS.register("8x4", AntennaSpec(4, 8, "tr38901"))


def element_positions_m(spec: AntennaSpec, frequency_hz: float) -> np.ndarray:
    """(N, 3) element positions [m] in the local frame, in Sionna's ``PlanarArray`` order
    (column-major: element ``j * rows + i`` is row i from the top, column j from the left)."""
    lam = wavelength_m(frequency_hz)
    i, j = np.meshgrid(np.arange(spec.rows), np.arange(spec.cols), indexing="xy")
    y = 0.5 * j - (spec.cols - 1) * 0.5 / 2
    z = -0.5 * i + (spec.rows - 1) * 0.5 / 2
    return np.stack([np.zeros(spec.num_elements), y.ravel(), z.ravel()], axis=1) * lam


def rotation_matrix(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(3, 3) local -> world rotation ``Rz(yaw) Ry(pitch) Rx(roll)``; angles [rad]."""
    ca, sa, cb, sb, cc, sc = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    return np.array([
        [ca * cb, ca * sb * sc - sa * cc, ca * sb * cc + sa * sc],
        [sa * cb, sa * sb * sc + ca * cc, sa * sb * cc - ca * sc],
        [-sb, cb * sc, cb * cc],
    ])


def tr38901_element_gain_dbi(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """3GPP TR 38.901 element gain [dBi] at local zenith ``theta`` and azimuth ``phi`` [rad]."""
    phi = (np.asarray(phi) + np.pi) % (2 * np.pi) - np.pi
    a_v = -np.minimum(12 * ((np.asarray(theta) - np.pi / 2) / np.radians(65)) ** 2, 30)
    a_h = -np.minimum(12 * (phi / np.radians(65)) ** 2, 30)
    return -np.minimum(-(a_v + a_h), 30) + 8.0


def steering_vector(spec: AntennaSpec, frequency_hz: float, direction_local: np.ndarray) -> np.ndarray:
    """(N,) complex unit-norm precoding vector steering the beam to ``direction_local``."""
    u = np.asarray(direction_local, np.float64)
    u = u / np.linalg.norm(u)
    d = element_positions_m(spec, frequency_hz)
    return np.exp(-2j * np.pi / wavelength_m(frequency_hz) * (d @ u)) / np.sqrt(spec.num_elements)


def gain_dbi(spec: AntennaSpec, frequency_hz: float, orientation_rad: np.ndarray,
             precoding: np.ndarray, directions_world: np.ndarray) -> np.ndarray:
    """Transmit gain [dBi] (M,) towards unit world directions (M, 3).

    Element pattern times the array factor ``|sum_k p_k exp(j 2 pi / lambda u . d_k)|^2``.
    """
    u = np.asarray(directions_world, np.float64)
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    local = u @ rotation_matrix(*orientation_rad)  # R^T u for each row
    if spec.pattern == "iso":
        g_el = np.zeros(len(u))
    elif spec.pattern == "tr38901":
        theta = np.arccos(np.clip(local[:, 2], -1, 1))
        phi = np.arctan2(local[:, 1], local[:, 0])
        g_el = tr38901_element_gain_dbi(theta, phi)
    else:
        raise ValueError(f"unknown element pattern {spec.pattern!r}; use iso or tr38901")
    d = element_positions_m(spec, frequency_hz)
    af = np.abs(np.exp(2j * np.pi / wavelength_m(frequency_hz) * (local @ d.T)) @ np.asarray(precoding)) ** 2
    with np.errstate(divide="ignore"):
        return g_el + 10 * np.log10(af)


def pattern_grid(step_deg: float = 15.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The feature grid: zenith (Z,) and azimuth (A,) angles [deg] and world unit
    directions (Z * A, 3), zenith-major. Zenith 0..180 deg inclusive, azimuth -180..180
    deg exclusive, measured from world +x towards +y."""
    if not (0 < step_deg <= 90 and abs(180 / step_deg - round(180 / step_deg)) < 1e-9):
        raise ValueError(f"pattern step_deg must divide 180 and lie in (0, 90], got {step_deg}")
    zen = np.linspace(0, 180, int(round(180 / step_deg)) + 1)
    az = np.arange(-180, 180, step_deg, dtype=np.float64)
    t, p = np.meshgrid(np.radians(zen), np.radians(az), indexing="ij")
    dirs = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], -1).reshape(-1, 3)
    return zen, az, dirs


def pattern_features(spec: AntennaSpec, frequency_hz: float, orientation_rad: np.ndarray,
                     precoding: np.ndarray, step_deg: float = 15.0) -> np.ndarray:
    """(Z * A,) float32 transmit gain [dBi] on :func:`pattern_grid`, floored at -40 dBi."""
    _, _, dirs = pattern_grid(step_deg)
    g = gain_dbi(spec, frequency_hz, orientation_rad, precoding, dirs)
    return np.maximum(np.nan_to_num(g, nan=PATTERN_FLOOR_DBI, neginf=PATTERN_FLOOR_DBI),
                      PATTERN_FLOOR_DBI).astype(np.float32)


def look_orientation(direction_world: np.ndarray) -> np.ndarray:
    """(yaw, 0, 0) [rad] turning boresight (local +x) to the horizontal part of a direction."""
    d = np.asarray(direction_world, np.float64)
    return np.array([np.arctan2(d[1], d[0]), 0.0, 0.0])
