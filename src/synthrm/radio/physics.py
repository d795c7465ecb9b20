"""Closed-form radio physics in numpy (no ray tracer): Friis, free-space path loss,
thermal noise, dB conversion. Units in names: [m], [Hz], [K], [W], [dB]."""
from __future__ import annotations

import math

import numpy as np

SPEED_OF_LIGHT = 299_792_458.0
"""Speed of light [m/s] (Sionna RT's value)."""
BOLTZMANN = 1.380649e-23
"""Boltzmann constant [J/K]."""


def wavelength_m(frequency_hz: float) -> float:
    """Free-space wavelength [m] at ``frequency_hz`` [Hz]."""
    return SPEED_OF_LIGHT / frequency_hz


def friis_path_gain(distance_m: np.ndarray, frequency_hz: float) -> np.ndarray:
    """Free-space path gain (lambda / (4 pi d))^2, linear, for isotropic antennas."""
    lam = wavelength_m(frequency_hz)
    return (lam / (4 * math.pi * np.asarray(distance_m, dtype=np.float64))) ** 2


def fspl_db(distance_m: np.ndarray, frequency_hz: float) -> np.ndarray:
    """Free-space path loss [dB] (positive)."""
    return -10 * np.log10(friis_path_gain(distance_m, frequency_hz))


def noise_power_w(temperature_k: float, bandwidth_hz: float) -> float:
    """Thermal noise power k*T*B [W]."""
    return BOLTZMANN * temperature_k * bandwidth_hz


def to_db(linear: np.ndarray) -> np.ndarray:
    """10 log10(x) as float32; NaN where x is NaN or <= 0."""
    x = np.asarray(linear, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, 10 * np.log10(np.where(x > 0, x, 1.0)), np.nan).astype(np.float32)
