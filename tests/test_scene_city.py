import numpy as np
import pytest
from shapely.ops import unary_union

from synthrm.config import make_config
from synthrm.scene.city import city_surfaces, generate_city
from synthrm.scene.writer import read_scene_info, read_ply, write_ply, write_scene

from conftest import TINY_CITY


def _city(preset="city-mix", seed=0, **over):
    return generate_city(make_config(preset, {"city": {**TINY_CITY, **over}}).city, seed)


def test_same_seed_same_city_different_seed_different_city():
    a, b, c = _city(seed=1), _city(seed=1), _city(seed=2)
    assert a.footprints_json() == b.footprints_json()
    assert a.footprints_json() != c.footprints_json()


def test_district_heights_follow_presets():
    dt = [b.height_m for s in range(3) for b in _city("city-downtown", s).buildings]
    mg = [b.height_m for s in range(3) for b in _city("city-margin", s).buildings]
    lo, hi = make_config("city-downtown").city.height_m
    assert min(dt) >= lo - 1e-9 and max(dt) <= hi + 1e-9
    assert max(mg) <= make_config("city-margin").city.height_m[1] + 1e-9
    assert np.median(dt) > 3 * np.median(mg)
    assert len(dt) > len(mg)  # downtown is denser


def test_ground_surfaces_partition_the_extent_and_buildings_stand_on_blocks():
    city = _city("city-downtown", 3)
    o = 200.0
    x0, y0, x1, y1 = city.extent
    flat = [city.roads, *city.sidewalks, *city.ground]
    feet = [b.footprint for b in city.buildings]
    total = sum(p.area for p in flat) + sum(f.area for f in feet)
    assert total == pytest.approx((x1 - x0 + 2 * o) * (y1 - y0 + 2 * o), rel=1e-9)  # no overlap ...
    assert unary_union(flat + feet).area == pytest.approx(total, rel=1e-9)  # ... and no gap
    for f in feet:
        assert f.intersection(city.roads).area < 1e-9
    for i, f in enumerate(feet):
        for g in feet[i + 1:]:
            assert f.intersection(g).area < 1e-9


def test_all_footprint_kinds_occur():
    kinds = {b.kind for s in range(6) for b in _city("city-downtown", s).buildings}
    assert kinds == {"rect", "L", "U", "tower"}


def test_wall_normals_point_out_of_buildings():
    city = _city("city-downtown", 3)
    v, f = city_surfaces(city)["facade"]
    tri = v[f]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    c = tri.mean(1)
    assert np.allclose(n[:, 2], 0, atol=1e-9)
    for ci, ni in zip(c[::7], n[::7]):
        out, inn = ci + 0.2 * ni, ci - 0.2 * ni
        assert city.building_at(*out) is None or city.building_at(*out).height_m > ci[2]
        assert city.building_at(*inn) is not None


def test_roofs_and_ground_face_up():
    s = city_surfaces(_city("city-downtown", 3))
    for cls in ("roof", "ground", "road", "sidewalk"):
        v, f = s[cls]
        t = v[f]
        nz = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])[:, 2]
        assert np.all(nz > 0), cls


def test_ply_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    v, f = rng.normal(size=(10, 3)).astype(np.float32), rng.integers(0, 10, (7, 3)).astype(np.int32)
    write_ply(tmp_path / "a.ply", v, f)
    v2, f2 = read_ply(tmp_path / "a.ply")
    assert np.array_equal(v, v2) and np.array_equal(f, f2)


def test_sionna_loads_the_scene_folder_with_itu_materials(tmp_path):
    from synthrm._mitsuba import sionna_rt

    city = _city("city-mix", 5)
    surf = city_surfaces(city)
    d = write_scene(tmp_path / "s", surf, radio_materials={"roof": "metal"},
                    footprints=city.footprints_json())
    rt = sionna_rt()
    scene = rt.load_scene(str(d / "scene.xml"), merge_shapes=False)
    mats = {name: obj.radio_material.itu_type for name, obj in scene.objects.items()}
    assert mats == {"very_dry_ground": "very_dry_ground", "concrete": "concrete", "metal": "metal"}
    info = read_scene_info(d)
    assert {s["id"]: s["classes"] for s in info["radio_shapes"]} == {
        "very_dry_ground": ["road", "sidewalk", "ground"], "concrete": ["facade"], "metal": ["roof"]}
    # concrete at 3.5 GHz from ITU-R P.2040: eps_r = 5.24, sigma = 0.0462 * f_GHz^0.7822
    conc = scene.objects["concrete"].radio_material
    assert float(conc.relative_permittivity[0]) == pytest.approx(5.24, rel=1e-3)


def test_radio_building_mesh_is_welded_so_wedges_exist(tmp_path):
    """Facades and roofs of one material form one mesh whose above-ground edges are each
    shared by exactly two faces: Sionna RT finds diffracting wedges only on such edges."""
    city = _city("city-downtown", 3)
    d = write_scene(tmp_path / "s", city_surfaces(city), footprints=city.footprints_json())
    v, f = read_ply(d / "meshes" / "radio_concrete.ply")
    e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    edges, count = np.unique(e, axis=0, return_counts=True)
    above = (v[edges[:, 0], 2] > 1e-6) | (v[edges[:, 1], 2] > 1e-6)
    assert above.sum() > 100
    assert np.all(count[above] == 2)
    # consistently oriented (a closed surface): every shared edge is traversed both ways
    directed = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    fwd = {tuple(x) for x in directed}
    assert all((b, a) in fwd for a, b in directed if v[a, 2] > 1e-6 or v[b, 2] > 1e-6)
