"""Indoor ground-truth planes: Friis in free space, walls, filling."""
import numpy as np
import pytest

from synthrm.radio.config import RadioConfig
from synthrm.errors import SynthrmError
from synthrm.radio import friis_path_gain
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.radio.planes import DEFAULT_HEIGHTS_M, fill_missing, plane_stack


def test_heights_are_the_seeds():
    assert DEFAULT_HEIGHTS_M == (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6)


@pytest.mark.slow
@pytest.mark.parametrize("receivers", ["plane", "cross"])
def test_free_space_planes_match_friis(receivers):
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=10 ** 7, max_depth=0))
    tx = np.array([[3.0, 2.0, 2.2]])
    pg = plane_stack(solver, tx, (0.0, 0.0), (40, 60), heights_m=(0.6, 1.2), cell_m=0.1, receivers=receivers)
    assert pg.shape == (1, 2, 40, 60)
    yy, xx = np.mgrid[0:40, 0:60]
    for k, z in enumerate((0.6, 1.2)):
        c = np.stack([(xx + 0.5) * 0.1, (yy + 0.5) * 0.1, np.full(xx.shape, z)], -1)
        d = np.linalg.norm(c - tx[0], axis=-1)
        ok = pg[0, k] > 0
        assert ok.mean() > 0.9
        err = 10 * np.log10(pg[0, k][ok]) - 10 * np.log10(friis_path_gain(d[ok], 3.5e9))
        assert abs(np.median(err)) <= 0.5


def test_fill_is_bilinear_inside_and_nearest_outside():
    yy, xx = np.mgrid[0:20, 0:30].astype(float)
    plane = 2.0 * xx + 3.0 * yy  # a linear field: bilinear filling is exact
    holes = plane.copy()
    holes[5:8, 10:14] = np.nan
    holes[:, 0] = np.nan  # an edge column: outside the convex hull of the valid cells
    filled, mask = fill_missing(holes)
    assert mask.sum() == 12 + 20 and not mask[10, 20]
    assert np.allclose(filled[5:8, 10:14], plane[5:8, 10:14], atol=1e-4)
    assert np.isfinite(filled).all()
    assert np.allclose(filled[:, 0], holes[:, 1])  # nearest neighbour
    with pytest.raises(SynthrmError, match="no cell received any ray"):
        fill_missing(np.full((4, 4), np.nan))


@pytest.fixture(scope="module")
def wall_scenes(tmp_path_factory):
    """A 6 m x 0.2 m x 3 m wall of concrete or of plasterboard, nothing else."""
    from synthrm.scene.apartment import box_mesh
    from synthrm.scene.writer import write_scene

    root = tmp_path_factory.mktemp("walls")
    out = {}
    for mat in ("concrete", "plasterboard"):
        v, f = box_mesh(np.array([2.9, -3.0, 0.0]), np.array([3.1, 3.0, 3.0]))
        out[mat] = write_scene(root / mat, {"w": (v, f)},
                               shape_info={"w": {"semantic": "wall", "radio_material": mat, "thickness_m": 0.2}})
    return out


def test_concrete_wall_shadows_more_than_plasterboard(wall_scenes):
    tx = np.array([[1.0, 0.0, 2.6]])
    behind = {}
    for mat, d in wall_scenes.items():
        solver = VASRadioSolver(d / "scene.xml", RadioConfig(samples_per_tx=4 * 10 ** 6, max_depth=3))
        pg = plane_stack(solver, tx, (3.5, -1.0), (8, 8), heights_m=(0.6,), cell_m=0.25, receivers="plane")[0, 0]
        cross = plane_stack(solver, tx, (3.5, -1.0), (8, 8), heights_m=(0.6,), cell_m=0.25)[0, 0]
        # the cross receivers agree with Sionna's planar map on the area mean
        assert abs(10 * np.log10(np.mean(cross) / np.mean(pg))) < 1.0, mat
        assert (pg > 0).mean() > 0.9
        behind[mat] = 10 * np.log10(np.mean(pg))
    yy, xx = np.mgrid[0:8, 0:8]
    c = np.stack([3.5 + (xx + 0.5) * 0.25, -1.0 + (yy + 0.5) * 0.25, np.full(xx.shape, 0.6)], -1)
    free = 10 * np.log10(np.mean(friis_path_gain(np.linalg.norm(c - tx[0], axis=-1), 3.5e9)))
    print(f"free {free:.1f} dB, behind plasterboard {behind['plasterboard']:.1f} dB, concrete {behind['concrete']:.1f} dB")
    assert behind["plasterboard"] > behind["concrete"] + 5
    assert behind["plasterboard"] < free + 0.5  # a wall never adds power in its shadow


def test_cross_cells_fill_more_than_planes_at_tx_height():
    """Near the Tx height a plane collects few (grazing) rays; the cross cells more."""
    solver = VASRadioSolver(None, RadioConfig(samples_per_tx=10 ** 5, max_depth=0))
    tx = np.array([[6.0, 6.0, 1.25]])  # 5 cm above the plane
    args = ((0.0, 0.0), (120, 120), (1.2,), 0.1)
    plane = plane_stack(solver, tx, *args, receivers="plane")
    cross = plane_stack(solver, tx, *args)
    assert (cross > 0).mean() > 0.95 and (plane > 0).mean() < 0.5
