import pytest

from synthrm.config import city_presets, load_config, make_config
from synthrm.errors import ConfigError


def test_presets_build_and_differ():
    cfgs = {p: make_config(p) for p in city_presets()}
    assert cfgs["city-downtown"].city.height_m[1] > cfgs["city-margin"].city.height_m[1]
    assert cfgs["city-downtown"].city.density > cfgs["city-margin"].city.density


@pytest.mark.parametrize("over, msg", [
    ({"camera": {"resolution": [0, 48]}}, "must be > 0"),
    ({"camera": {"resolution": [-64, 48]}}, "must be > 0"),
    ({"frames": 0}, "frames"),
    ({"city": {"density": 1.5}}, "city.density"),
    ({"city": {"radio_materials": {"facade": "unobtainium"}}}, "unknown ITU material"),
    ({"camara": {}}, "did you mean 'camera'"),
    ({"camera": {"resolutoin": [64, 48]}}, "did you mean 'resolution'"),
])
def test_invalid_values_name_the_field(over, msg):
    with pytest.raises(ConfigError, match=msg):
        make_config("city-mix", over)


def test_unknown_preset_suggests():
    with pytest.raises(ConfigError, match="did you mean 'city-mix'"):
        make_config("city-mixx")


def test_yaml_config(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("preset: city-margin\nframes: 2\ncamera:\n  resolution: [32, 24]\n")
    cfg = load_config(p)
    assert cfg.city.district == "margin" and cfg.frames == 2 and cfg.camera.resolution == (32, 24)
    p.write_text("frames: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(p)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml")
