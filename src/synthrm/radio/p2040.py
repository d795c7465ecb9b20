"""ITU-R P.2040 building materials: permittivity, conductivity, normal-incidence Fresnel.

The SenseRay-3D paper's eqs. (12)-(16):

* (12) ``eps_r = a f^b``, ``sigma = c f^d`` with f in GHz (Table 3 of P.2040-3);
* (13) complex permittivity ``eps = eps_r eps_0 - j sigma / omega``;
* (14) wave impedance ``eta = sqrt(mu_0 / eps)`` (non-magnetic media);
* (15) normal incidence: ``Gamma = (eta - eta_0) / (eta + eta_0)``, ``T = 2 eta / (eta + eta_0)``;
* (16) ``R_dB = 20 log10 |Gamma|``, ``T_dB = 20 log10 |T|``.

The constants are the standard's (the same table Sionna RT's ``itu-radio-material``
uses; ``tests/test_p2040.py`` checks one against the other).
"""
from __future__ import annotations

import numpy as np

from synthrm.errors import ConfigError

EPS_0 = 8.8541878128e-12
"""Vacuum permittivity [F/m]."""
MU_0 = 1.25663706212e-6
"""Vacuum permeability [H/m]."""
ETA_0 = float(np.sqrt(MU_0 / EPS_0))
"""Impedance of free space [Ohm] (about 376.73)."""

#: name -> ((f_min, f_max) [GHz], (a, b, c, d)): ITU-R P.2040-3 Table 3, the band that
#: covers sub-6 GHz and mmWave (floorboard is only defined from 50 GHz).
P2040: dict[str, tuple[tuple[float, float], tuple[float, float, float, float]]] = {
    "vacuum": ((0.001, 100.0), (1.0, 0.0, 0.0, 0.0)),
    "concrete": ((1.0, 100.0), (5.24, 0.0, 0.0462, 0.7822)),
    "brick": ((1.0, 40.0), (3.91, 0.0, 0.0238, 0.16)),
    "plasterboard": ((1.0, 100.0), (2.73, 0.0, 0.0085, 0.9395)),
    "wood": ((0.001, 100.0), (1.99, 0.0, 0.0047, 1.0718)),
    "glass": ((0.1, 100.0), (6.31, 0.0, 0.0036, 1.3394)),
    "ceiling_board": ((1.0, 100.0), (1.48, 0.0, 0.0011, 1.0750)),
    "chipboard": ((1.0, 100.0), (2.58, 0.0, 0.0217, 0.7800)),
    "plywood": ((1.0, 40.0), (2.71, 0.0, 0.33, 0.0)),
    "marble": ((1.0, 60.0), (7.074, 0.0, 0.0055, 0.9262)),
    "floorboard": ((50.0, 100.0), (3.66, 0.0, 0.0044, 1.3515)),
    "metal": ((1.0, 100.0), (1.0, 0.0, 1e7, 0.0)),
    "very_dry_ground": ((1.0, 10.0), (3.0, 0.0, 0.00015, 2.52)),
    "medium_dry_ground": ((1.0, 10.0), (15.0, -0.1, 0.035, 1.63)),
    "wet_ground": ((1.0, 10.0), (30.0, -0.4, 0.15, 1.30)),
}


def _params(material: str, frequency_hz: float) -> tuple[float, float, float, float]:
    if material not in P2040:
        raise ConfigError(f"unknown ITU-R P.2040 material {material!r}; known: {sorted(P2040)}")
    (lo, hi), abcd = P2040[material]
    f = frequency_hz / 1e9
    if not lo <= f <= hi:
        raise ConfigError(f"{material!r} is defined by ITU-R P.2040 from {lo:g} to {hi:g} GHz only, "
                          f"not at {f:g} GHz; pick another material or frequency")
    return abcd


def permittivity_conductivity(material: str, frequency_hz: float) -> tuple[float, float]:
    """(relative permittivity, conductivity [S/m]) at ``frequency_hz`` (eq. 12)."""
    a, b, c, d = _params(material, frequency_hz)
    f = frequency_hz / 1e9
    return a * f ** b, c * f ** d


def wave_impedance(eps_r: float, sigma_s_m: float, frequency_hz: float) -> complex:
    """Complex wave impedance [Ohm] of a non-magnetic lossy medium (eqs. 13-14)."""
    omega = 2 * np.pi * frequency_hz
    eps = eps_r * EPS_0 - 1j * sigma_s_m / omega
    return complex(np.sqrt(MU_0 / eps))


def fresnel_normal(eps_r: float, sigma_s_m: float, frequency_hz: float) -> tuple[complex, complex]:
    """Normal-incidence field reflection and transmission coefficients (eq. 15)."""
    eta = wave_impedance(eps_r, sigma_s_m, frequency_hz)
    return (eta - ETA_0) / (eta + ETA_0), 2 * eta / (eta + ETA_0)


def reflection_transmission_db(material: str, frequency_hz: float) -> tuple[float, float]:
    """(R_dB, T_dB) = 20 log10 of |Gamma|, |T| at normal incidence (eq. 16)."""
    g, t = fresnel_normal(*permittivity_conductivity(material, frequency_hz), frequency_hz)
    return 20 * np.log10(max(abs(g), 1e-30)), 20 * np.log10(max(abs(t), 1e-30))
