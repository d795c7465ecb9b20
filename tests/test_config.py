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


def test_a_tx_list_sets_the_count_and_a_disagreeing_tx_per_frame_is_an_error(tmp_path, capsys):
    """With ``tx_placement: list`` the list is the transmitters: ``tx_per_frame`` follows
    it, and one given beside it (YAML, ``--tx-per-frame``, ``--set``) must agree, never
    silently overridden."""
    from synthrm.cli import main

    two = {"tx_placement": "list", "tx_positions_m": [[10, 20, 1.6], [30, 40, 5]]}
    assert make_config("city-mix", {"radio": two}).radio.tx_per_frame == 2
    assert make_config("city-mix", {"radio": {**two, "tx_per_frame": 2}}).radio.tx_per_frame == 2
    with pytest.raises(ConfigError, match=r"radio.tx_per_frame: 4, but radio.tx_positions_m lists 2 transmitters; "
                                          r"with tx_placement: list the list sets the count"):
        make_config("city-mix", {"radio": {**two, "tx_per_frame": 4}})
    p = tmp_path / "c.yaml"
    p.write_text("radio: {tx_per_frame: 4, tx_placement: list, tx_positions_m: [[10, 20, 1.6]]}\n")
    with pytest.raises(ConfigError, match=f"{p}.*tx_per_frame: 4, but radio.tx_positions_m lists 1 transmitter;"):
        load_config(p)
    p.write_text("radio: {tx_placement: list, tx_positions_m: [[10, 20, 1.6]]}\n")
    assert main(["config", "show", "--config", str(p), "--tx-per-frame", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "tx_per_frame: 3, but radio.tx_positions_m lists 1 transmitter" in err
    # a preset's own tx_per_frame is no user setting: canyon-drive (1 Tx) with a list of 2
    assert make_config("canyon-drive", {"radio": two}).radio.tx_per_frame == 2
