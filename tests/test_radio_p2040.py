"""ITU-R P.2040 step of the indoor voxels (seed 004 eqs. 12-16)."""
import numpy as np
import pytest

from synthrm.errors import ConfigError
from synthrm.radio.p2040 import (
    ETA_0,
    P2040,
    fresnel_normal,
    permittivity_conductivity,
    reflection_transmission_db,
    wave_impedance,
)


def test_concrete_at_3_5_ghz():
    eps, sigma = permittivity_conductivity("concrete", 3.5e9)
    assert eps == pytest.approx(5.24)
    assert sigma == pytest.approx(0.0462 * 3.5 ** 0.7822) and sigma == pytest.approx(0.123, abs=1e-3)


def test_every_material_matches_sionna_rt():
    from synthrm._mitsuba import sionna_rt
    from sionna.rt.radio_materials.itu import itu_material

    sionna_rt()
    for name, ((lo, hi), _) in P2040.items():
        f = min(max(3.5, lo), hi) * 1e9
        eps, sigma = permittivity_conductivity(name, f)
        e2, s2 = itu_material(name, f)  # Sionna takes Hz
        e2, s2 = (float(np.ravel(np.asarray(x))[0]) for x in (e2, s2))
        assert eps == pytest.approx(e2, rel=1e-5), name
        assert sigma == pytest.approx(s2, rel=1e-5), name


@pytest.mark.parametrize("eps_r", [1.0, 2.73, 5.24, 30.0])
def test_lossless_power_balance(eps_r):
    """|Gamma|^2 + Re(eta_0 / eta) |T|^2 = 1 when the medium does not absorb."""
    g, t = fresnel_normal(eps_r, 0.0, 3.5e9)
    eta = wave_impedance(eps_r, 0.0, 3.5e9)
    assert abs(g) ** 2 + (ETA_0 / eta).real * abs(t) ** 2 == pytest.approx(1.0, abs=1e-12)
    # closed form for a lossless dielectric: Gamma = (1 - n) / (1 + n)
    n = np.sqrt(eps_r)
    assert g.real == pytest.approx((1 - n) / (1 + n))


def test_metal_reflects_almost_everything_and_lossy_media_absorb():
    r_metal, t_metal = reflection_transmission_db("metal", 3.5e9)
    assert r_metal > -0.01 and t_metal < -40
    g, t = fresnel_normal(*permittivity_conductivity("concrete", 3.5e9), 3.5e9)
    eta = wave_impedance(*permittivity_conductivity("concrete", 3.5e9), 3.5e9)
    assert abs(g) ** 2 + (ETA_0 / eta).real * abs(t) ** 2 == pytest.approx(1.0, abs=1e-9)  # interface only
    r_c, _ = reflection_transmission_db("concrete", 3.5e9)
    r_p, _ = reflection_transmission_db("plasterboard", 3.5e9)
    assert r_c > r_p  # denser material reflects more


def test_out_of_band_and_unknown_materials_are_errors():
    with pytest.raises(ConfigError, match="floorboard.*50 to 100 GHz"):
        permittivity_conductivity("floorboard", 3.5e9)
    with pytest.raises(ConfigError, match="unknown ITU-R P.2040 material 'adamantium'"):
        permittivity_conductivity("adamantium", 3.5e9)
