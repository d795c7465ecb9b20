"""Metrics agree with an independent numpy computation on random data."""
import numpy as np
import pytest

from synthrm.metrics import radio_metrics


def _ssim_numpy(a, b, m):
    """Direct windowed SSIM: loops over pixels, replicate padding, mean over valid pixels."""
    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    g /= g.sum()
    w = np.outer(g, g)
    a = np.where(m, a, a[m].mean())
    b = np.where(m, b, b[m].mean())
    pa, pb = np.pad(a, 5, mode="edge"), np.pad(b, 5, mode="edge")
    vals = []
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if not m[i, j]:
                continue
            x, y = pa[i:i + 11, j:j + 11], pb[i:i + 11, j:j + 11]
            mx, my = (w * x).sum(), (w * y).sum()
            vx, vy = (w * x * x).sum() - mx ** 2, (w * y * y).sum() - my ** 2
            cxy = (w * x * y).sum() - mx * my
            c1, c2 = 0.01 ** 2, 0.03 ** 2
            vals.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
    return float(np.mean(vals))


def test_metrics_match_numpy_on_random_maps():
    rng = np.random.default_rng(0)
    true = rng.uniform(-150, -50, (24, 32))
    pred = true + rng.normal(0, 4, true.shape)
    true[:3] = np.nan  # sky
    valid = np.isfinite(true) & (rng.random(true.shape) > 0.1)
    m = radio_metrics(pred, true, valid)
    d = (pred - true)[valid]
    assert m["mae_db"] == pytest.approx(np.abs(d).mean())
    assert m["rmse_db"] == pytest.approx(np.sqrt((d ** 2).mean()))
    pn = np.clip((pred + 160) / 120, 0, 1)
    tn = np.clip((true + 160) / 120, 0, 1)
    dn = (pn - tn)[valid]
    assert m["nmse"] == pytest.approx((dn ** 2).sum() / (tn[valid] ** 2).sum())
    assert m["nmse_db"] == pytest.approx(10 * np.log10(m["nmse"]))
    assert m["psnr_db"] == pytest.approx(10 * np.log10(1 / (dn ** 2).mean()))
    assert m["ssim"] == pytest.approx(_ssim_numpy(pn, tn, valid), abs=1e-9)
    assert m["valid_fraction"] == pytest.approx(valid.mean())


def test_perfect_prediction_and_bad_input():
    t = np.random.default_rng(1).uniform(-120, -60, (2, 16, 16))
    m = radio_metrics(t, t)
    assert m["mae_db"] == 0 and m["ssim"] == pytest.approx(1.0) and m["nmse"] == 0
    with pytest.raises(ValueError, match="differ in shape"):
        radio_metrics(t, t[0])
    with pytest.raises(ValueError, match="no valid entry"):
        radio_metrics(t, np.full_like(t, np.nan))
