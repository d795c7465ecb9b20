"""Environmental variations (time of day, fog, blur, noise) and procedural appearance.

Real renders of a tiny city; the radio labels come from Sionna RT at 1e5 rays.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from synthrm.render.config import VariationConfig, variation_preset
from synthrm.dataset.hdf5 import list_samples, read_sample
from synthrm.errors import ConfigError
from synthrm.generate import generate
from synthrm.render.variations import (
    KOSCHMIEDER,
    add_sensor_noise,
    apply_fog,
    lighting_at,
    sun_at,
)
from conftest import assert_same_path_gain, tiny_config

NOON = {"lighting": "time_of_day", "time_of_day_h": [12, 12], "sun_max_elevation_deg": [60, 60]}
VARIANTS = {
    "noon": NOON,
    "night": {**NOON, "time_of_day_h": [23, 23], "auto_exposure": True, "noise": True},
    "fog": {**NOON, "fog_probability": 1.0, "fog_visibility_m": [120, 120]},
    "blur": {**NOON, "blur_probability": 1.0, "blur_speed_mps": [20, 20], "shutter_s": 0.05},
}
GEOMETRY = ("depth", "normal", "semantic", "material", "roughness", "albedo", "K", "cam_to_world")


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """The same frame (vehicle view: near and far surfaces) under each variation."""
    out = {}
    for name, var in VARIANTS.items():
        root = tmp_path_factory.mktemp(name)
        cfg = tiny_config(frames=1, seed=3, camera={"view": "vehicle"}, render={"hdr": True},
                          variations=var)
        generate(cfg, root, progress=False)
        out[name] = read_sample(root, list_samples(root)[0][1])
    return out


def test_geometry_and_radio_labels_do_not_change(variants):
    noon = variants["noon"]
    assert np.isfinite(noon["path_gain_db"]).any()
    for name, s in variants.items():
        for k in GEOMETRY:
            np.testing.assert_array_equal(s[k], noon[k], err_msg=f"{name}: {k} changed")
        for k in ("tx_position", "antenna_pattern"):
            np.testing.assert_array_equal(s[k], noon[k], err_msg=f"{name}: {k} changed")
        # radio labels do not depend on the look: the same bits (conftest)
        for k in ("path_gain_db", "path_gain_std_db", "path_gain_source", "sinr_db"):
            assert_same_path_gain(s[k], noon[k], f"{name}: {k}")
        assert not np.array_equal(s["rgb"], noon["rgb"]) or name == "noon"
        assert s["attrs"]["variation"]["name"] == "none"  # settings given field by field


def test_night_is_darker_and_lit_by_lights(variants):
    noon, night = variants["noon"], variants["night"]
    v = night["attrs"]["variation"]
    assert v["night"] and v["lighting"]["street_light_intensity"] > 0 and v["lighting"]["sun_scale"] == 0
    lin_noon = noon["rgb_linear"].astype(np.float64)
    lin_night = night["rgb_linear"].astype(np.float64)
    assert lin_night.mean() < 0.2 * lin_noon.mean()
    assert v["exposure"] > noon["attrs"]["variation"]["exposure"]  # auto exposure raised the gain


def test_fog_is_koschmieder_and_lowers_contrast_with_depth(variants):
    noon, fog = variants["noon"], variants["fog"]
    v = fog["attrs"]["variation"]
    air = np.asarray(v["fog_airlight"], np.float32)
    c2w = fog["cam_to_world"]
    # range from the exact depth: the same render seed, so fog = Koschmieder(noon)
    K = fog["K"]
    h, w = fog["depth"].shape
    u, vv = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (vv - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    rng_m = fog["depth"] * np.linalg.norm(rays, axis=-1)
    # background below the horizon is the far ground (5 cm below z = 0): fogged at its range
    d = rays @ c2w[:3, :3].T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        t_far = np.where(d[..., 2] < 0, (-0.05 - c2w[2, 3]) / d[..., 2], np.nan)
    expected = apply_fog(noon["rgb_linear"].astype(np.float32), np.where(np.isfinite(rng_m), rng_m, t_far),
                         v["fog_visibility_m"], air)
    np.testing.assert_allclose(fog["rgb_linear"].astype(np.float32), expected, rtol=2e-3, atol=2e-3)
    # contrast to the airlight falls with depth, as exp(-3.912 d / V)
    hit = np.isfinite(rng_m)
    c_noon = np.abs(noon["rgb_linear"].astype(np.float64) - air).sum(-1)
    c_fog = np.abs(fog["rgb_linear"].astype(np.float64) - air).sum(-1)
    near = hit & (rng_m < np.nanpercentile(rng_m, 30))
    far = hit & (rng_m > np.nanpercentile(rng_m, 70))
    ratio_near = c_fog[near].sum() / c_noon[near].sum()
    ratio_far = c_fog[far].sum() / c_noon[far].sum()
    assert ratio_far < ratio_near < 1.0
    # sky pixels are pure airlight
    sky = ~hit & ~np.isfinite(t_far)
    if sky.any():
        np.testing.assert_allclose(fog["rgb_linear"][sky].astype(np.float32), np.broadcast_to(air, (sky.sum(), 3)),
                                   rtol=1e-2, atol=1e-3)


def test_blur_smears_the_image_along_the_motion(variants):
    noon, blur = variants["noon"], variants["blur"]
    v = blur["attrs"]["variation"]
    vel = np.asarray(v["blur_velocity_mps"])
    assert abs(np.linalg.norm(vel) - 20) < 1e-3 and vel[2] == 0
    fwd = noon["cam_to_world"][:3, 2]
    assert np.dot(vel[:2], fwd[:2]) > 0  # a vehicle moves forward

    def sharpness(img):
        g = img.astype(np.float64).mean(-1)
        return np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean()
    assert sharpness(blur["rgb_linear"]) < sharpness(noon["rgb_linear"])


@pytest.mark.slow
def test_seeds_reproduce_variations(tmp_path):
    cfg = tiny_config(frames=2, seed=11, camera={"view": "vehicle"}, radio={"enabled": False},
                      variations=variation_preset("all") | {"fog_probability": 0.5, "blur_probability": 0.5})
    generate(cfg, tmp_path / "a", progress=False)
    generate(cfg, tmp_path / "b", progress=False)
    for (_, sid), (_, sid2) in zip(list_samples(tmp_path / "a"), list_samples(tmp_path / "b")):
        a, b = read_sample(tmp_path / "a", sid), read_sample(tmp_path / "b", sid2)
        np.testing.assert_array_equal(a["rgb"], b["rgb"])
        assert a["attrs"]["variation"] == b["attrs"]["variation"]
        assert a["attrs"]["variation"]["name"] == "all"
    other = tiny_config(frames=2, seed=12, camera={"view": "vehicle"}, radio={"enabled": False},
                        variations=variation_preset("all"))
    generate(other, tmp_path / "c", progress=False)
    va = [read_sample(tmp_path / "a", s)["attrs"]["variation"]["time_of_day_h"] for _, s in list_samples(tmp_path / "a")]
    vc = [read_sample(tmp_path / "c", s)["attrs"]["variation"]["time_of_day_h"] for _, s in list_samples(tmp_path / "c")]
    assert va != vc


def test_sun_path():
    e, az = sun_at(12.0, 60.0)
    assert e == pytest.approx(60.0) and az == pytest.approx(270.0)  # south at noon (x east, y north)
    assert sun_at(6.0, 60.0)[1] == pytest.approx(0.0)  # east at 6 h
    assert sun_at(18.0, 60.0)[1] == pytest.approx(180.0)  # west at 18 h
    assert lighting_at(12.0, 60.0).street_light_intensity == 0
    night = lighting_at(23.0, 60.0)
    assert night.sun_scale == 0 and night.sky_scale == 0 and night.street_light_intensity > 0
    dusk = lighting_at(18.2, 60.0)  # sun just below the horizon: sky fading, lights on
    assert 0 < dusk.sky_scale < 1 and dusk.street_light_intensity > 0


def test_fog_law_and_noise_statistics():
    lin = np.full((4, 4, 3), 0.5, np.float32)
    air = np.array([0.2, 0.2, 0.2], np.float32)
    vis = 200.0
    r = np.full((4, 4), vis)
    out = apply_fog(lin, r, vis, air)
    # at the visibility distance 2 % of the contrast is left (Koschmieder)
    np.testing.assert_allclose((out - air) / (lin - air), math.exp(-KOSCHMIEDER), rtol=1e-5)
    assert math.exp(-KOSCHMIEDER) == pytest.approx(0.02, rel=1e-3)
    r[0, 0] = np.nan  # sky
    np.testing.assert_allclose(apply_fog(lin, r, vis, air)[0, 0], air)
    # Poisson-Gaussian noise: variance = x gain / full_well + (read gain / full_well)^2
    x = np.full((200, 200, 3), 0.25, np.float32)
    for gain in (1.0, 8.0):
        y = add_sensor_noise(x, gain, 4000.0, 2.0, np.random.default_rng(0))
        expected = 0.25 * gain / 4000 + (2.0 * gain / 4000) ** 2
        assert y.mean() == pytest.approx(0.25, rel=0.01)
        assert y.var() == pytest.approx(expected, rel=0.05)


def test_variation_config_is_validated():
    with pytest.raises(ConfigError, match="variations.lighting"):
        VariationConfig(lighting="sunset")
    with pytest.raises(ConfigError, match="fog_probability"):
        VariationConfig(fog_probability=1.5)
    with pytest.raises(ConfigError, match="time_of_day_h"):
        VariationConfig(time_of_day_h=(20, 26))
    with pytest.raises(ConfigError, match="unknown preset 'sometimes'"):
        variation_preset("sometimes")
    with pytest.raises(ConfigError, match="did you mean 'fog_probability'"):
        tiny_config(variations={"fog_probabilty": 0.2})


# --------------------------------------------------------------------------- appearance
@pytest.mark.slow
def test_textures_windows_and_street_objects(tmp_path):
    from synthrm.scene.classes import MATERIAL_IDS, SEMANTIC_IDS

    cfg = tiny_config(frames=2, frames_per_scene=2, seed=5, camera={"view": "vehicle"}, radio={"enabled": False},
                      city={"glass_windows": True, "street_objects": "radio"})
    generate(cfg, tmp_path, progress=False)
    scene = tmp_path / "scenes" / "city-mix-0000"
    info = json.loads((scene / "scene.json").read_text())
    shapes = {s["id"]: s for s in info["shapes"]}
    assert shapes["lane_markings"]["radio"] is False and shapes["vegetation"]["radio"] is True
    assert any(s["semantic"] == "window" and s["radio_material"] == "glass" for s in shapes.values())
    xml = (scene / "scene.xml").read_text()
    assert 'value="glass"' in xml and 'value="wood"' in xml and 'value="metal"' in xml
    radio_classes = {c for r in info["radio_shapes"] for c in r["classes"]}
    assert "road" in radio_classes and "lane_markings" not in {r["id"] for r in info["radio_shapes"]}
    assert len(info["street_lights"]) > 0
    from synthrm.scene.layout import Layout

    assert len(Layout.load(scene).obstacles) > 0  # radio street objects: transmitters keep out
    for s in shapes.values():
        for key in ("texture", "roughness_texture", "night_emission"):
            if key in s.get("visual", {}):
                assert (scene / s["visual"][key]).is_file()
    sem = np.concatenate([read_sample(tmp_path, sid)["semantic"].ravel() for _, sid in list_samples(tmp_path)])
    mat = np.concatenate([read_sample(tmp_path, sid)["material"].ravel() for _, sid in list_samples(tmp_path)])
    assert (sem == SEMANTIC_IDS["window"]).any() and (mat[sem == SEMANTIC_IDS["window"]] == MATERIAL_IDS["glass"]).all()
    # textured albedo: facade pixels are not one flat colour
    s = read_sample(tmp_path, list_samples(tmp_path)[0][1])
    for cls in ("road", "facade"):
        m = s["semantic"] == SEMANTIC_IDS[cls]
        if m.sum() > 20:
            assert np.unique(s["albedo"][m], axis=0).shape[0] > 3, cls


def test_glass_windows_follow_the_painted_grid():
    """Window surfaces cut from a facade sit exactly where the texture paints glass."""
    from shapely.geometry import box

    from synthrm.render.renderer import _lookup
    from synthrm.scene.appearance import _facade_walls, facade_style, facade_textures, FACADE_TILE

    rng = np.random.default_rng(0)
    st = facade_style("mix", rng)
    alb, rough, _ = facade_textures(st, rng)
    glass = rough < 128  # the texture's glass: low roughness
    walls, wins = _facade_walls(box(0, 0, 17.3, 9.1), 0.0, 24.0, 3.2, 3.4, st, cut_windows=True)
    assert wins and walls
    tex = glass.astype(np.float32)
    for parts, want in ((wins, 1.0), (walls, 0.0)):
        for v, f, uv in parts[:400]:
            c = uv.mean(0, keepdims=True)  # quad centre in texture space
            assert _lookup(tex, c)[0] == want
    area_win = sum(np.ptp(uv[:, 0]) * np.ptp(uv[:, 1]) for _, _, uv in wins)
    area_all = area_win + sum(np.ptp(uv[:, 0]) * np.ptp(uv[:, 1]) for _, _, uv in walls)
    assert 0.1 < area_win / area_all < 0.6
    assert FACADE_TILE == 8


def test_flat_colours_without_textures(tmp_path):
    cfg = tiny_config(frames=1, seed=5, radio={"enabled": False}, city={"textures": False})
    generate(cfg, tmp_path, progress=False)
    info = json.loads((tmp_path / "scenes" / "city-mix-0000" / "scene.json").read_text())
    assert not any("visual" in s for s in info["shapes"])
    assert not (tmp_path / "scenes" / "city-mix-0000" / "textures").exists()
