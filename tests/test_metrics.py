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


def test_ssim_image_scores_maps_as_images():
    """The seed-style SSIM (whole image, per-map min-max, unlabelled pixels at the floor):
    identical maps give 1; a constant dB offset or a positive gain of the prediction is
    normalised away; a flat prediction of a structured map scores far below 1; it lies in
    [-1, 1] and the unlabelled floor counts."""
    from synthrm.metrics import ssim_image

    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:32, 0:40]
    t = -60 - 0.8 * np.hypot(yy - 10, xx - 25) + rng.normal(0, 2, (32, 40))
    t[:6] = np.nan  # sky: no label
    assert ssim_image(t, t) == pytest.approx(1.0)
    assert ssim_image(t - 17.0, t) == pytest.approx(1.0)  # constant offset: normalised away
    assert ssim_image(2.5 * t + 4, t) == pytest.approx(1.0)  # positive gain, likewise
    # a prediction with values where the truth has none: those pixels are the floor in both
    p = np.where(np.isnan(t), -50.0, t)
    assert ssim_image(p, t) == pytest.approx(1.0)
    flat = np.full_like(t, -80.0)
    assert ssim_image(flat, t) < 0.5
    noisy = t + rng.normal(0, 10, t.shape)
    s = ssim_image(noisy, t)
    assert -1 <= s < 1
    # batches: the mean over maps; a map without any label is skipped; shapes must agree
    both = np.stack([t, noisy])
    assert ssim_image(both, np.stack([t, t])) == pytest.approx((1 + s) / 2)
    assert ssim_image(np.stack([t, t]), np.stack([t, np.full_like(t, np.nan)])) == pytest.approx(1.0)
    assert np.isnan(ssim_image(t, np.full_like(t, np.nan)))
    with pytest.raises(ValueError):
        ssim_image(t, t[0])
    # the valid mask: pixels outside it are floor, as unlabelled ones
    v = np.ones_like(t, bool)
    v[:, :5] = False
    assert ssim_image(np.where(v, t, 0.0), t, v) == pytest.approx(1.0)


def test_ssim_image_differs_from_ours_on_the_same_maps():
    """Same predictions, two SSIMs: ours on the fixed range over labelled pixels, the seed
    style on per-map stretched images; a smooth prediction of a noisy map is compared."""
    from synthrm.metrics import radio_metrics, ssim_image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:32, 0:32]
    smooth = -70 - 0.5 * np.hypot(yy - 16, xx - 16)
    truth = smooth + rng.normal(0, 4, smooth.shape)
    ours = radio_metrics(smooth, truth)["ssim"]
    seed = ssim_image(smooth, truth)
    assert 0 < seed < 1 and 0 < ours < 1 and abs(seed - ours) > 1e-3
    # ours is on the fixed range: an offset moves it, the seed style does not see one
    assert radio_metrics(smooth - 20, truth)["ssim"] < ours and ssim_image(smooth - 20, truth) == pytest.approx(seed)
