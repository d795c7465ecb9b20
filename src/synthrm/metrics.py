"""Radio-map metrics, in dB space, over valid pixels / voxels only.

Peers mix units (RadioUNet reports NMSE on maps normalised to [0, 1], SenseRay-3D MAE in
dB); we always state both. Conventions (``docs/metrics.md``):

* inputs are path gain or path loss in dB, shapes (..., H, W) or (..., X, Y, Z), with a
  boolean ``valid`` mask of the same shape (NaN targets are invalid automatically);
* ``MAE`` and ``RMSE`` [dB] are computed on the dB values;
* the normalised map is ``(x_db - lo) / (hi - lo)`` with a fixed dynamic range
  ``(lo, hi)`` [dB] (default -160..-40 dB path gain), clipped to [0, 1]; ``NMSE`` =
  sum (pred_n - true_n)^2 / sum true_n^2 over valid entries (also given in dB);
* ``PSNR`` [dB] = 10 log10(1 / MSE) on the normalised map (peak 1 = the range);
* ``SSIM`` on the normalised 2D maps: Gaussian window (sigma 1.5, 11 taps), C1 = 0.01^2,
  C2 = 0.03^2, averaged over valid pixels (invalid pixels enter the local statistics as
  the image's valid mean, so sky does not create edges).
* ``SSIM, whole image`` (:func:`ssim_image`): the way a paper that stores its maps as
  images most plausibly scores them (the SynthRM seed's Table 2 does not say): each map
  min-max normalised by its own extremes, every pixel without a label at 0, SSIM averaged
  over the whole image. Shown beside ours, never instead of it.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

#: Default dynamic range of path gain [dB] for normalisation.
DEFAULT_RANGE_DB = (-160.0, -40.0)


def _as_tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


def _valid(pred: torch.Tensor, true: torch.Tensor, valid) -> torch.Tensor:
    m = torch.isfinite(true) & torch.isfinite(pred)
    if valid is not None:
        m &= _as_tensor(valid).to(torch.bool)
    return m


def normalise(x_db, range_db: tuple[float, float] = DEFAULT_RANGE_DB) -> torch.Tensor:
    """(x - lo) / (hi - lo), clipped to [0, 1]."""
    lo, hi = range_db
    return ((_as_tensor(x_db).double() - lo) / (hi - lo)).clamp(0, 1)


def _gauss_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return g[:, None] * g[None, :]


def ssim(pred_n: torch.Tensor, true_n: torch.Tensor, valid: torch.Tensor) -> float:
    """Mean SSIM over valid pixels of normalised 2D maps (..., H, W)."""
    p = pred_n.reshape(-1, 1, *pred_n.shape[-2:]).double()
    t = true_n.reshape(-1, 1, *true_n.shape[-2:]).double()
    m = valid.reshape(-1, 1, *valid.shape[-2:])
    vals, weights = [], []
    w = _gauss_window()[None, None]
    pad = w.shape[-1] // 2
    for i in range(p.shape[0]):
        if not m[i].any():
            continue
        fill_p, fill_t = p[i][m[i]].mean(), t[i][m[i]].mean()
        a = torch.where(m[i], p[i], fill_p)[None]
        b = torch.where(m[i], t[i], fill_t)[None]
        mu_a = F.conv2d(F.pad(a, (pad,) * 4, mode="replicate"), w)
        mu_b = F.conv2d(F.pad(b, (pad,) * 4, mode="replicate"), w)
        saa = F.conv2d(F.pad(a * a, (pad,) * 4, mode="replicate"), w) - mu_a ** 2
        sbb = F.conv2d(F.pad(b * b, (pad,) * 4, mode="replicate"), w) - mu_b ** 2
        sab = F.conv2d(F.pad(a * b, (pad,) * 4, mode="replicate"), w) - mu_a * mu_b
        c1, c2 = 0.01 ** 2, 0.03 ** 2
        smap = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
        vals.append(smap[0, 0][m[i, 0]].sum())
        weights.append(m[i].sum())
    if not vals:
        return float("nan")
    return float(torch.stack(vals).sum() / torch.stack(weights).sum())


def ssim_image(pred_db, true_db, valid=None) -> float:
    """SSIM of 2D maps (..., H, W) [dB] scored as images, the way the SynthRM seed most
    plausibly computed its Table 2 SSIM (it states only "maps normalised to [0, 1]").

    Per map, exactly:

    1. the labelled pixels are those where ``valid`` (default: all) holds and the truth is
       finite; the prediction is read on the same pixels (a non-finite prediction there
       counts as 0 after step 2);
    2. truth and prediction are each min-max normalised to [0, 1] by their **own** minimum
       and maximum over the labelled pixels, ``(x - min) / (max - min)`` (a map constant
       there becomes 0). Consequently a constant dB offset, or any positive gain, of the
       prediction leaves the score unchanged: only the maps' shapes are compared;
    3. every pixel without a label (sky, no ray) is set to 0 in both, the image's floor, as
       an image file stores it;
    4. SSIM as :func:`ssim` (Gaussian window sigma 1.5, 11 taps, C1 = 0.01^2, C2 = 0.03^2,
       data range 1, replicate padding), averaged over **every** pixel of the image, the
       unlabelled floor included.

    The score of the batch is the mean over maps with at least one labelled pixel (NaN when
    none has). Identical maps give 1; it lies in [-1, 1]. Unlike :func:`ssim` (our Table 2
    column: the fixed -160..-40 dB range, labelled pixels only), the shared floor and the
    per-map stretch make it a different number for the same predictions.
    """
    p = _as_tensor(pred_db).double()
    t = _as_tensor(true_db).double()
    if p.shape != t.shape:
        raise ValueError(f"prediction {tuple(p.shape)} and truth {tuple(t.shape)} differ in shape")
    m = torch.isfinite(t)
    if valid is not None:
        m &= _as_tensor(valid).to(torch.bool)
    p = p.reshape(-1, *p.shape[-2:])
    t = t.reshape(-1, *t.shape[-2:])
    m = m.reshape(-1, *m.shape[-2:])
    w = _gauss_window()[None, None]
    pad = w.shape[-1] // 2
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    vals = []
    for i in range(p.shape[0]):
        if not m[i].any():
            continue
        imgs = []
        for x in (p[i], t[i]):
            ok = m[i] & torch.isfinite(x)
            y = torch.zeros_like(x)
            if ok.any():
                lo, hi = x[ok].min(), x[ok].max()
                if hi > lo:
                    y = torch.where(ok, (x - lo) / (hi - lo), 0.0)
            imgs.append(y[None, None])
        a, b = imgs
        mu_a = F.conv2d(F.pad(a, (pad,) * 4, mode="replicate"), w)
        mu_b = F.conv2d(F.pad(b, (pad,) * 4, mode="replicate"), w)
        saa = F.conv2d(F.pad(a * a, (pad,) * 4, mode="replicate"), w) - mu_a ** 2
        sbb = F.conv2d(F.pad(b * b, (pad,) * 4, mode="replicate"), w) - mu_b ** 2
        sab = F.conv2d(F.pad(a * b, (pad,) * 4, mode="replicate"), w) - mu_a * mu_b
        smap = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
        vals.append(smap.mean())
    return float(torch.stack(vals).mean()) if vals else float("nan")


def radio_metrics(pred_db, true_db, valid=None, range_db: tuple[float, float] = DEFAULT_RANGE_DB,
                  with_ssim: bool = True) -> dict[str, float]:
    """MAE, RMSE [dB]; NMSE (linear and dB), PSNR [dB], SSIM on the normalised maps.

    Raises ValueError when the shapes differ or no entry is valid.
    """
    p, t = _as_tensor(pred_db).double(), _as_tensor(true_db).double()
    if p.shape != t.shape:
        raise ValueError(f"prediction {tuple(p.shape)} and truth {tuple(t.shape)} differ in shape")
    m = _valid(p, t, valid)
    if not m.any():
        raise ValueError("no valid entry to score (all targets NaN or masked)")
    d = (p - t)[m]
    pn, tn = normalise(p, range_db), normalise(t, range_db)
    dn = (pn - tn)[m]
    mse_n = float((dn ** 2).mean())
    nmse = float((dn ** 2).sum() / (tn[m] ** 2).sum().clamp_min(1e-30))
    out = {
        "mae_db": float(d.abs().mean()),
        "rmse_db": float(torch.sqrt((d ** 2).mean())),
        "nmse": nmse,
        "nmse_db": 10 * float(np.log10(max(nmse, 1e-30))),
        "psnr_db": 10 * float(np.log10(1.0 / max(mse_n, 1e-30))),
        "valid_fraction": float(m.double().mean()),
    }
    if with_ssim and p.ndim >= 2:
        out["ssim"] = ssim(torch.where(m, pn, 0), torch.where(m, tn, 0), m)
    return out
