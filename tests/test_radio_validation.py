"""Physics validation suite: every check within its tolerance at test size,
and the closed forms themselves checked against known values."""
import math

import pytest

from synthrm.cli import main
from synthrm.radio.validation import (
    complex_permittivity,
    fresnel_oblique,
    knife_edge_loss_db,
    run_physics_checks,
    slab_transmission,
)


def test_closed_forms():
    eps = complex_permittivity("very_dry_ground", 3.5e9)
    # grazing incidence reflects everything with a sign flip; TM vanishes near Brewster's angle
    for pol in ("V", "H"):
        assert abs(fresnel_oblique(eps, 1e-6, pol) + 1) < 1e-4
    brewster = math.atan(1 / math.sqrt(eps.real))  # grazing angle of the (lossless) Brewster angle
    assert abs(fresnel_oblique(eps, brewster, "V")) < 0.01 < abs(fresnel_oblique(eps, brewster, "H"))
    # normal incidence: TE = TM = the P.2040 eq. (15) coefficient (up to the TM sign convention)
    from synthrm.radio.p2040 import fresnel_normal, permittivity_conductivity

    g, _ = fresnel_normal(*permittivity_conductivity("very_dry_ground", 3.5e9), 3.5e9)
    assert abs(abs(fresnel_oblique(eps, math.pi / 2, "H")) - abs(g)) < 1e-9
    # a vanishing slab transmits everything; J(0) = 6 dB (half the field), J(-0.78) ~ 0 dB
    assert abs(abs(slab_transmission(eps, 0.3, 0.0, 3.5e9, "TE")) - 1) < 1e-12
    assert abs(float(knife_edge_loss_db(0.0)) - 6.0) < 0.1
    assert abs(float(knife_edge_loss_db(-0.78))) < 0.1


@pytest.mark.slow
def test_every_physics_check_is_within_tolerance():
    checks = run_physics_checks()
    names = {c.name for c in checks}
    assert names >= {"friis-plane", "friis-mesh", "flux-sphere", "two-ray-V", "two-ray-H", "two-ray-V-minima",
                     "fresnel-TM", "fresnel-TE", "wall-TE", "wall-TM", "knife-edge", "reciprocity",
                     "knife-edge-labels", "thick-block", "corner-shadow"}
    for c in checks:
        assert c.passed, f"{c.name}: {c.measured} vs {c.expected} (tolerance {c.tolerance} {c.unit}) {c.detail}"
    minima = next(c for c in checks if c.name == "two-ray-H-minima")
    assert "minima found" in minima.detail and not minima.detail.startswith("0 ")


@pytest.mark.slow
def test_cli_validate_physics_prints_the_table(capsys, tmp_path):
    assert main(["validate-physics", "--json", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    assert "| two-ray-V |" in out and "checks within tolerance" in out
    import json

    rows = json.loads((tmp_path / "p.json").read_text())
    assert all(r["passed"] for r in rows) and {"measured", "expected", "tolerance"} <= set(rows[0])


def test_config_show_prints_the_full_effective_config(capsys):
    import yaml

    assert main(["config", "show", "--preset", "city-downtown", "--variations", "all"]) == 0
    cfg = yaml.safe_load(capsys.readouterr().out)
    assert cfg["preset"] == "city-downtown" and cfg["city"]["district"] == "downtown"
    assert cfg["variations"]["name"] == "all" and cfg["radio"]["frequency_hz"] == 3.5e9
    assert main(["config", "show", "--preset", "indoor-apartment"]) == 0
    assert "voxel_size_m" in capsys.readouterr().out


def test_unknown_key_in_the_wrong_section_suggests_the_right_one(tmp_path):
    from synthrm.config import load_config
    from synthrm.errors import ConfigError

    p = tmp_path / "c.yaml"
    p.write_text("spp: 4\n")
    with pytest.raises(ConfigError, match=r"did you mean 'render.spp'"):
        load_config(p)
