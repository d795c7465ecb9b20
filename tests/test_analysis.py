"""Analysis (issue 6, first part): point-biserial correlation against scipy, undefined
cases, signal statistics and the bimodality coefficient."""
import numpy as np
import pytest
from scipy.stats import pointbiserialr

from synthrm.analysis import bimodality_coefficient, concept_correlations, point_biserial, semantic_masks, signal_stats
from synthrm.dataset.hdf5 import list_samples, read_sample


def test_point_biserial_equals_scipy_on_random_data():
    rng = np.random.default_rng(0)
    for _ in range(20):
        v = rng.normal(-100, 15, size=(24, 32))
        m = rng.random((24, 32)) < rng.uniform(0.1, 0.9)
        v[m] += rng.uniform(-10, 10)  # a real effect of the mask
        v[rng.random(v.shape) < 0.2] = np.nan  # unlabelled pixels are left out
        ok = np.isfinite(v)
        expect = pointbiserialr(m[ok].astype(float), v[ok]).statistic
        got = point_biserial(v, m)
        assert got.r == pytest.approx(expect, abs=1e-12)
        assert got.n1 + got.n0 == ok.sum()


def test_constant_mask_or_values_is_undefined_not_nan():
    v = np.linspace(-120, -60, 50)
    for m in (np.zeros(50, bool), np.ones(50, bool)):
        r = point_biserial(v, m)
        assert r.r is None and r.reason.startswith("undefined: the mask is constant")
    r = point_biserial(np.full(50, -90.0), np.arange(50) % 2 == 0)
    assert r.r is None and "path gain is constant" in r.reason
    # a mask that covers only unlabelled pixels is constant over the valid ones
    v2 = v.copy()
    v2[:10] = np.nan
    assert point_biserial(v2, np.arange(50) < 10).r is None
    with pytest.raises(ValueError, match="differ in shape"):
        point_biserial(v, np.ones(49, bool))


def test_concepts_on_a_generated_sample_match_scipy(tiny_dataset):
    root, _ = tiny_dataset
    s = read_sample(root, list_samples(root)[0][1])
    masks = semantic_masks(s["semantic"], s["material"])
    assert {"road", "building", "roof", "ground", "sidewalk"} <= set(masks)
    assert any(k.startswith("material:") for k in masks)
    pg = s["path_gain_db"][0]
    res = concept_correlations(pg, masks)
    ok = np.isfinite(pg)
    for name, r in res.items():
        m = masks[name][ok]
        if 0 < m.sum() < m.size:
            assert r.r == pytest.approx(pointbiserialr(m.astype(float), pg[ok]).statistic, abs=1e-9), name
            assert -1 <= r.r <= 1
        else:
            assert r.r is None


def test_signal_stats_and_bimodality():
    st = signal_stats(np.array([[-100.0, np.nan], [-80.0, -90.0]]))
    assert st == pytest.approx({"mean_db": -90.0, "max_db": -80.0, "std_db": np.std([-100, -80, -90]),
                                "labelled_fraction": 0.75})
    with pytest.raises(ValueError, match="no finite value"):
        signal_stats(np.full((2, 2), np.nan))
    rng = np.random.default_rng(1)
    two = np.concatenate([rng.normal(-110, 3, 400), rng.normal(-70, 3, 400)])
    one = rng.normal(-90, 5, 800)
    assert bimodality_coefficient(two) > 5 / 9 > bimodality_coefficient(one)


def test_dataset_analysis_rows_and_table(tiny_dataset):
    from synthrm.analysis.dataset import analyse_dataset, correlation_table

    root, cfg = tiny_dataset
    res = analyse_dataset([root])
    n_maps = sum(int(np.isfinite(read_sample(root, sid, ["path_gain_db"])["path_gain_db"][t]).any())
                 for _, sid in list_samples(root) for t in range(cfg.radio.tx_per_frame))
    assert len(res["rows"]) == n_maps
    summ = res["districts"]["mix"]
    assert summ["maps"] == n_maps
    b = summ["concepts"]["building"]
    assert b["defined"] + b["undefined"] == n_maps
    tab = correlation_table(res)
    assert tab.splitlines()[0] == "| concept | mix |" and "| building |" in tab
