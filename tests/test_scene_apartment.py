"""Procedural apartments: properties that must hold."""
import numpy as np
import pytest
from shapely.geometry import box
from shapely.ops import unary_union

from synthrm.scene.config import ApartmentConfig
from synthrm.errors import ConfigError
from synthrm.scene.apartment import free_floor, generate_apartment, random_free_points
from synthrm.scene.writer import read_scene_info, write_scene


@pytest.mark.parametrize("seed", range(6))
def test_rooms_partition_the_footprint_and_all_are_reachable(seed):
    cfg = ApartmentConfig()
    a = generate_apartment(cfg, seed)
    area = a.width_m * a.depth_m
    assert cfg.area_m2[0] - 1 <= area <= cfg.area_m2[1] + 1
    rooms = [box(r.x0, r.y0, r.x1, r.y1) for r in a.rooms]
    assert unary_union(rooms).area == pytest.approx(area, rel=1e-9)
    assert sum(r.area for r in rooms) == pytest.approx(area, rel=1e-9)  # no overlap
    assert all(min(r.x1 - r.x0, r.y1 - r.y0) >= cfg.room_min_m - 1e-9 for r in a.rooms if not r.corridor)
    assert sum(r.corridor for r in a.rooms) <= int(area >= cfg.corridor_min_area_m2)
    # doors connect all rooms: flood fill over rooms whose shared wall holds a door
    def touches(r, lo, hi):
        return box(r.x0, r.y0, r.x1, r.y1).buffer(0.01).intersects(box(lo[0], lo[1], hi[0], hi[1]))
    seen, todo = {0}, [0]
    while todo:
        i = todo.pop()
        for lo, hi in a.doors:
            if touches(a.rooms[i], lo, hi):
                for j, r in enumerate(a.rooms):
                    if j not in seen and touches(r, lo, hi):
                        seen.add(j)
                        todo.append(j)
    assert len(seen) == len(a.rooms)
    # door openings are free of walls
    for lo, hi in a.doors:
        mid = (lo + hi) / 2
        assert a.inside_solid(mid) is None


def test_same_seed_same_apartment_other_seed_other():
    a, b, c = (generate_apartment(ApartmentConfig(), s) for s in (4, 4, 5))
    sa, sb, sc = (x.surfaces()[0] for x in (a, b, c))
    assert sa.keys() == sb.keys() and all(np.array_equal(sa[k][0], sb[k][0]) for k in sa)
    assert (a.width_m, a.depth_m) != (c.width_m, c.depth_m)


def test_apartment_scene_loads_in_sionna_with_p2040_materials(tmp_path):
    from synthrm._mitsuba import sionna_rt

    a = generate_apartment(ApartmentConfig(interior_materials=("plasterboard",)), 1)
    surf, info = a.surfaces()
    d = write_scene(tmp_path / "apt", surf, shape_info=info, meta={"kind": "apartment", "lights": a.lights()})
    shapes = {s["id"]: s for s in read_scene_info(d)["shapes"]}
    assert shapes["wall_interior"]["semantic"] == "wall" and shapes["wall_interior"]["radio_material"] == "plasterboard"
    assert shapes["window"]["radio_material"] == "glass" and shapes["ceiling"]["radio_material"] == "ceiling_board"
    assert shapes["wall_exterior"]["thickness_m"] == 0.25
    rt = sionna_rt()
    scene = rt.load_scene(str(d / "scene.xml"))
    mats = {o.radio_material.itu_type for o in scene.objects.values()}
    assert {"plasterboard", "glass", "ceiling_board", "concrete"} <= mats


def test_free_positions_avoid_walls_and_furniture_without_duplicates():
    a = generate_apartment(ApartmentConfig(), 2)
    p = random_free_points(a, np.random.default_rng(0), 20, 1.2)
    assert p.shape == (20, 3)
    for q in p:
        assert a.inside_interior(q) and a.inside_solid(q, margin_m=0.29) is None
    d = np.linalg.norm(p[:, None, :2] - p[None, :, :2], axis=-1) + np.eye(20) * 9
    assert d.min() >= 0.5
    assert free_floor(a).area < a.width_m * a.depth_m


def test_bad_apartment_settings_are_clear_errors():
    with pytest.raises(ConfigError, match="area_m2"):
        ApartmentConfig(area_m2=(5.0, 50.0))
    with pytest.raises(ConfigError, match="unknown ITU material 'cardboard'"):
        ApartmentConfig(interior_materials=("cardboard",))
