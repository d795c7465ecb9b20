"""Physics baselines: log-distance fit, multi-wall model."""
import numpy as np
import pytest

from synthrm.models.baselines import LogDistance, multi_wall_db
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
