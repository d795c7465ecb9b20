"""Physics baselines: log-distance fit, multi-wall model, 3GPP TR 38.901 UMi-Street Canyon
and InH-Office."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthrm.models.baselines import (LogDistance, inh_office_db, multi_wall_db, umi_los_probability,
                                      umi_street_canyon_db, umi_street_canyon_map_db, wall_crossings)
from synthrm.radio import fspl_db


def test_log_distance_fit_recovers_known_parameters():
    rng = np.random.default_rng(0)
    d = rng.uniform(1, 100, 500)
    pl = 40.0 + 10 * 3.2 * np.log10(d) + rng.normal(0, 0.5, d.shape)
    m = LogDistance.fit(d, pl)
    assert m.pl0_db == pytest.approx(40.0, abs=0.3) and m.n == pytest.approx(3.2, abs=0.03)
    free = LogDistance.fit(d, fspl_db(d, 3.5e9))
    assert free.n == pytest.approx(2.0, abs=1e-9)  # free space is log-distance with n = 2
    with pytest.raises(ValueError, match="at least two"):
        LogDistance.fit([1.0], [50.0])


def test_multi_wall_adds_each_crossed_wall_once():
    occ = np.zeros((40, 10, 10))
    tdb = np.zeros(occ.shape)
    occ[10:12] = 1
    tdb[10:12] = -9.5  # a 0.2 m wall of 9.5 dB
    occ[25] = 1
    tdb[25] = -3.0  # a 0.1 m wall of 3 dB
    origin, v = np.zeros(3), 0.1
    tx = np.array([0.55, 0.55, 0.55])
    rx = np.array([[0.85, 0.55, 0.55], [1.55, 0.55, 0.55], [3.55, 0.55, 0.55]])
    pl = multi_wall_db(occ, tdb, origin, v, tx, rx)
    free = fspl_db(np.linalg.norm(rx - tx, axis=1), 3.5e9)
    assert np.allclose(pl - free, [0.0, 9.5, 12.5])


def test_wall_crossings_counts_walls_and_is_the_marching_of_multi_wall():
    occ = np.zeros((40, 10, 10))
    tdb = np.zeros(occ.shape)
    occ[10:12], tdb[10:12] = 1, -9.5
    occ[25], tdb[25] = 1, -3.0
    tx = np.array([0.55, 0.55, 0.55])
    rx = np.array([[0.85, 0.55, 0.55], [1.55, 0.55, 0.55], [3.55, 0.55, 0.55], [0.55, 0.55, 0.95]])
    n, loss = wall_crossings(occ, np.zeros(3), 0.1, tx, rx, tdb)
    assert n.tolist() == [0, 1, 2, 0] and np.allclose(loss, [0.0, 9.5, 12.5, 0.0])
    n2, loss2 = wall_crossings(occ, np.zeros(3), 0.1, tx, rx)  # LoS needs no materials
    assert n2.tolist() == n.tolist() and not loss2.any()
    assert np.allclose(multi_wall_db(occ, tdb, np.zeros(3), 0.1, tx, rx) - loss,
                       fspl_db(np.linalg.norm(rx - tx, axis=1), 3.5e9))


def _walls_by_hand(occ, tdb, origin, v, tx, r, steps):
    """One line in ``steps`` samples, one at a time: walls (runs of occupied samples) and the
    sum of each run's largest loss; samples outside the grid free."""
    n, total, run_max, inside_run = 0, 0.0, 0.0, False
    for t in np.linspace(0, 1, steps):
        i = np.floor((tx + t * (r - tx) - origin) / v).astype(int)
        hit = bool(np.all(i >= 0) and np.all(i < occ.shape) and occ[tuple(i)] > 0)
        if hit and not inside_run:
            n, run_max = n + 1, -np.inf
        if hit:
            run_max = max(run_max, -tdb[tuple(i)])
        if inside_run and not hit:
            total += run_max
        inside_run = hit
    return n, total + (run_max if inside_run else 0.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 31 - 1), st.sampled_from([0.25, 0.5]), st.integers(1, 7))
def test_wall_crossings_is_the_sample_by_sample_march(seed, step_fraction, chunk):
    """The vectorised march (chunks, a free border, runs reduced in one pass) equals a
    sample-by-sample walk of each line, receivers inside, outside and across the grid edge."""
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(2, 9, 3))
    occ = (rng.random(shape) < 0.3).astype(np.uint8)
    tdb = -rng.uniform(0, 30, shape)
    origin, v = rng.uniform(-1, 1, 3), 0.2
    size = np.asarray(shape) * v
    tx = origin + rng.uniform(-0.2, 1.2, 3) * size
    rx = origin + rng.uniform(-0.3, 1.3, (9, 3)) * size
    n, loss = wall_crossings(occ, origin, v, tx, rx, tdb, step_fraction=step_fraction, chunk=chunk)
    # every line marched in the longest line's step count, as the function documents
    steps = max(2, int(np.ceil(np.linalg.norm(rx - tx, axis=1).max() / (v * step_fraction))) + 1)
    for k, r in enumerate(rx):
        want = _walls_by_hand(occ, tdb, origin, v, tx, r, steps)
        assert (n[k], loss[k]) == (want[0], pytest.approx(want[1], abs=1e-9))


# --- TR 38.901 V17 Table 7.4.1-1, written out independently of the implementation ----------

def _umi_reference(d2d, h_bs, h_ut, f_ghz):
    """(LoS, NLoS) [dB] straight from the table, inside its validity range."""
    d3d = math.sqrt(d2d ** 2 + (h_bs - h_ut) ** 2)
    d_bp = 4 * (h_bs - 1.0) * (h_ut - 1.0) * f_ghz * 1e9 / 3.0e8
    if d2d <= d_bp:
        los = 32.4 + 21 * math.log10(d3d) + 20 * math.log10(f_ghz)
    else:
        los = 32.4 + 40 * math.log10(d3d) + 20 * math.log10(f_ghz) - 9.5 * math.log10(d_bp ** 2 + (h_bs - h_ut) ** 2)
    nlos_prime = 35.3 * math.log10(d3d) + 22.4 + 21.3 * math.log10(f_ghz) - 0.3 * (h_ut - 1.5)
    return los, max(los, nlos_prime)


def _umi(d2d, h_bs, h_ut, f_hz, los):
    d2d = np.asarray(d2d, np.float64)
    return umi_street_canyon_db(np.hypot(d2d, np.subtract(h_bs, h_ut)), d2d, h_bs, h_ut, f_hz, los)


@pytest.mark.parametrize("d2d, los_db, nlos_db", [
    (50.0, 79.090, 94.181),    # before the breakpoint d'_BP = 4 * 9 * 0.5 * 3.5e9 / 3e8 = 210 m: PL1
    (200.0, 91.611, 115.229),  # PL1, just before it
    (800.0, 115.277, 136.469),  # after it: PL2
])
def test_umi_street_canyon_matches_the_standard_at_hand_picked_points(d2d, los_db, nlos_db):
    ref = _umi_reference(d2d, 10.0, 1.5, 3.5)
    assert ref == pytest.approx((los_db, nlos_db), abs=1e-3)  # the numbers above are the table's
    assert _umi(d2d, 10.0, 1.5, 3.5e9, True) == pytest.approx(los_db, abs=1e-3)
    assert _umi(d2d, 10.0, 1.5, 3.5e9, False) == pytest.approx(nlos_db, abs=1e-3)


def test_umi_street_canyon_other_heights_and_frequencies_match_the_standard():
    for d2d, h_bs, h_ut, f in [(30, 10, 1.5, 28.0), (300, 10, 5.0, 2.0), (1200, 25, 12.0, 6.0),
                               (4000, 10, 22.5, 0.9), (100, 10, 3.0, 100.0)]:
        los, nlos = _umi_reference(d2d, h_bs, h_ut, f)
        assert _umi(d2d, h_bs, h_ut, f * 1e9, True) == pytest.approx(los, abs=1e-9)
        assert _umi(d2d, h_bs, h_ut, f * 1e9, False) == pytest.approx(nlos, abs=1e-9)


def test_umi_street_canyon_is_continuous_at_the_breakpoint():
    d_bp = 4 * 9 * 0.5 * 3.5e9 / 3e8
    below, above = _umi([d_bp, d_bp * (1 + 1e-9)], 10.0, 1.5, 3.5e9, True)
    assert abs(above - below) < 1e-6
    # and PL2 evaluated at the breakpoint equals PL1 there (19 log10 d3D = 9.5 log10 (d_BP^2 + dh^2))
    d3 = math.hypot(d_bp, 8.5)
    pl1 = 32.4 + 21 * math.log10(d3) + 20 * math.log10(3.5)
    pl2 = 32.4 + 40 * math.log10(d3) + 20 * math.log10(3.5) - 9.5 * math.log10(d_bp ** 2 + 8.5 ** 2)
    assert pl1 == pytest.approx(pl2, abs=1e-9) == pytest.approx(below, abs=1e-9)


def test_umi_street_canyon_clipping_policy():
    # d2D below 10 m: the model at 10 m (d3D recomputed from the clipped values)
    near = _umi([0.0, 3.0, 9.99, 10.0], 10.0, 1.5, 3.5e9, False)
    assert np.allclose(near, _umi_reference(10.0, 10.0, 1.5, 3.5)[1])
    # h_UT outside [1.5, 22.5] m: the model at the nearest bound, d3D recomputed from it
    assert _umi(100.0, 10.0, 0.0, 3.5e9, True) == pytest.approx(_umi_reference(100.0, 10.0, 1.5, 3.5)[0])
    assert _umi(100.0, 10.0, 40.0, 3.5e9, False) == pytest.approx(_umi_reference(100.0, 10.0, 22.5, 3.5)[1])
    # d3D is used as given where nothing is clipped (the caller's geometry), and 5 km is extrapolated
    assert umi_street_canyon_db(60.0, 50.0, 10.0, 1.5, 3.5e9, True) == pytest.approx(
        32.4 + 21 * math.log10(60.0) + 20 * math.log10(3.5))
    assert _umi(8000.0, 10.0, 1.5, 3.5e9, True) == pytest.approx(_umi_reference(8000.0, 10.0, 1.5, 3.5)[0])
    with pytest.raises(ValueError, match="h_BS"):
        _umi(100.0, 1.0, 1.5, 3.5e9, True)
    with pytest.raises(ValueError, match="0.5 - 100 GHz"):
        _umi(100.0, 10.0, 1.5, 200e9, True)
    assert np.isnan(_umi(np.nan, 10.0, 1.5, 3.5e9, False))


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 6000.0), st.floats(0.0, 6000.0), st.floats(1.5, 60.0), st.floats(-5.0, 60.0),
       st.floats(0.5, 100.0))
def test_umi_street_canyon_properties(da, db, h_bs, h_ut, f_ghz):
    """NLoS >= LoS; both non-decreasing in distance; finite everywhere (also outside the
    validity ranges, via the clipping)."""
    d = np.array(sorted((da, db)))
    los = _umi(d, h_bs, h_ut, f_ghz * 1e9, True)
    nlos = _umi(d, h_bs, h_ut, f_ghz * 1e9, False)
    assert np.isfinite(los).all() and np.isfinite(nlos).all()
    assert (nlos >= los - 1e-9).all()
    assert los[1] >= los[0] - 1e-9 and nlos[1] >= nlos[0] - 1e-9


def test_umi_los_probability_table_7_4_2_1():
    p = umi_los_probability([0.0, 18.0, 36.0, 100.0, np.nan])
    assert p[:2].tolist() == [1.0, 1.0]
    assert p[2] == pytest.approx(0.5 + math.exp(-1) * 0.5)
    assert p[3] == pytest.approx(0.18 + math.exp(-100 / 36) * 0.82)
    assert np.isnan(p[4])


def test_umi_street_canyon_map_is_gain_from_back_projected_points():
    ground = 2.0
    tx = np.array([0.0, 0.0, ground + 10.0])
    pts = np.array([[[50.0, 0.0, ground + 1.5], [0.0, 200.0, ground + 1.5]],
                    [[480.0, 640.0, ground + 1.5], [np.nan, np.nan, np.nan]]])  # 50, 200, 800 m; sky
    los = np.array([[True, False], [True, True]])
    g = umi_street_canyon_map_db(pts, tx, ground, 3.5e9, los)
    assert g.shape == (2, 2) and np.isnan(g[1, 1])
    assert g[0, 0] == pytest.approx(-79.090, abs=1e-3)
    assert g[0, 1] == pytest.approx(-115.229, abs=1e-3)
    assert g[1, 0] == pytest.approx(-115.277, abs=1e-3)
    # a roof point above the Tx: by reciprocity the roof is the BS (30 m) and the Tx the UT (10 m)
    roof = umi_street_canyon_map_db(np.array([[[100.0, 0.0, ground + 30.0]]]), tx, np.full((1, 1), ground),
                                    3.5e9, np.zeros((1, 1), bool))
    assert roof[0, 0] == pytest.approx(-_umi_reference(100.0, 30.0, 10.0, 3.5)[1])
    # a street-level Tx (1.6 m) and a ground point: the BS end is raised to the nominal 10 m
    low = np.array([0.0, 0.0, ground + 1.6])
    street = umi_street_canyon_map_db(np.array([[[50.0, 0.0, ground]]]), low, ground, 3.5e9, np.ones((1, 1), bool))
    assert street[0, 0] == pytest.approx(-_umi_reference(50.0, 10.0, 1.5, 3.5)[0])
    literal = umi_street_canyon_map_db(np.array([[[50.0, 0.0, ground + 1.5]]]), low, ground, 3.5e9,
                                       np.ones((1, 1), bool), min_h_bs_m=0)
    assert literal[0, 0] == pytest.approx(-_umi_reference(50.0, 1.6, 1.5, 3.5)[0])


@pytest.mark.parametrize("d3d, los_db, nlos_db, nlos_optional_db", [
    (1.0, 43.281, 43.281, 43.281),
    (10.0, 60.581, 69.147, 75.181),
    (100.0, 77.881, 107.447, 107.081),
    (150.0, 80.928, 114.192, 112.699),
])
def test_inh_office_matches_the_standard(d3d, los_db, nlos_db, nlos_optional_db):
    f = 3.5
    ref_los = 32.4 + 17.3 * math.log10(d3d) + 20 * math.log10(f)
    ref_nlos = max(ref_los, 38.3 * math.log10(d3d) + 17.30 + 24.9 * math.log10(f))
    ref_opt = 32.4 + 20 * math.log10(f) + 31.9 * math.log10(d3d)
    assert (ref_los, ref_nlos, ref_opt) == pytest.approx((los_db, nlos_db, nlos_optional_db), abs=1e-3)
    assert inh_office_db(d3d, 3.5e9, True) == pytest.approx(los_db, abs=1e-3)
    assert inh_office_db(d3d, 3.5e9, False) == pytest.approx(nlos_db, abs=1e-3)
    assert inh_office_db(d3d, 3.5e9, False, optional_nlos=True) == pytest.approx(nlos_optional_db, abs=1e-3)


def test_inh_office_clipping_and_order():
    d = np.array([0.0, 0.3, 1.0, 5.0, 50.0, 150.0, 400.0])
    los, nlos = inh_office_db(d, 3.5e9, True), inh_office_db(d, 3.5e9, False)
    assert np.allclose(los[:3], 43.281, atol=1e-3) and np.allclose(nlos[:3], los[:3])  # d3D raised to 1 m
    assert los[-1] == pytest.approx(32.4 + 17.3 * math.log10(400.0) + 20 * math.log10(3.5))  # extrapolated
    assert (np.diff(los) >= 0).all() and (np.diff(nlos) >= 0).all() and (nlos >= los).all()
    assert (inh_office_db(d, 3.5e9, False, optional_nlos=True) >= los).all()
    assert np.isnan(inh_office_db(np.nan, 3.5e9, True))
    with pytest.raises(ValueError, match="0.5 - 100 GHz"):
        inh_office_db(10.0, 0.1e9, True)
