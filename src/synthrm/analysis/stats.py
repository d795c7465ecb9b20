"""Per-sample signal statistics (SynthRM paper, section 5.1, Figure 9) and tests of
bimodality: Sarle's coefficient, Hartigan's dip test, one Gaussian against two by BIC."""
from __future__ import annotations

from functools import lru_cache

import numpy as np


def signal_stats(path_gain_db: np.ndarray) -> dict[str, float]:
    """Mean, max and standard deviation [dB] of one path-gain map over its finite pixels,
    and the labelled fraction. Raises ValueError for a map without any value."""
    v = np.asarray(path_gain_db, np.float64)
    f = v[np.isfinite(v)]
    if f.size == 0:
        raise ValueError("path-gain map has no finite value")
    return {"mean_db": float(f.mean()), "max_db": float(f.max()), "std_db": float(f.std()),
            "labelled_fraction": float(f.size / v.size)}


def bimodality_coefficient(x: np.ndarray) -> float:
    """Sarle's bimodality coefficient ``(g^2 + 1) / (k + 3 (n-1)^2 / ((n-2)(n-3)))`` with
    sample skewness g and excess kurtosis k (bias-corrected); above 5/9 ~ 0.555 (the
    uniform distribution's value) suggests a bimodal or flat distribution."""
    from scipy.stats import kurtosis, skew

    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 4:
        raise ValueError(f"bimodality coefficient needs at least 4 values, got {n}")
    g = skew(x, bias=False)
    k = kurtosis(x, fisher=True, bias=False)
    return float((g ** 2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def _finite_sample(x, name: str, at_least: int) -> np.ndarray:
    """``x`` as a sorted 1-D float64 array of its finite values; ValueError naming ``name``
    when it is not 1-D or holds fewer than ``at_least`` finite values."""
    x = np.asarray(x, np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name}: must be a 1-D array of values, got shape {x.shape}")
    x = np.sort(x[np.isfinite(x)])
    if x.size < at_least:
        raise ValueError(f"{name}: needs at least {at_least} finite values, got {x.size}")
    return x


def _dip_sorted(x: np.ndarray) -> float:
    """Hartigan's dip of the sorted sample ``x`` (AS 217, Hartigan 1985, with Maechler's two
    fixes as in R's ``diptest``): the greatest convex minorant and least concave majorant of
    the empirical distribution function are fitted on a shrinking modal interval
    [low, high] until it stops changing. Works with 2n x dip (counts) until the end."""
    n = x.size
    if n < 4 or x[-1] == x[0]:
        return 1.0 / (2 * n)
    xs = np.concatenate([[0.0], x]).tolist()  # 1-based like the published algorithm
    # mn[j]: the point before j on the convex minorant of points 1..j
    mn = [0] * (n + 1)
    mn[1] = 1
    for j in range(2, n + 1):
        mn[j] = j - 1
        while True:
            a = mn[j]
            b = mn[a]
            if a == 1 or (xs[j] - xs[a]) * (a - b) < (xs[a] - xs[b]) * (j - a):
                break
            mn[j] = b
    # mj[k]: the point after k on the concave majorant of points k..n
    mj = [0] * (n + 1)
    mj[n] = n
    for k in range(n - 1, 0, -1):
        mj[k] = k + 1
        while True:
            a = mj[k]
            b = mj[a]
            if a == n or (xs[k] - xs[a]) * (a - b) < (xs[a] - xs[b]) * (k - a):
                break
            mj[k] = b
    xa = np.asarray(xs)
    low, high, dip = 1, n, 1.0
    while True:
        gcm = [0, high]  # change points of the minorant from high down to low (1-based list)
        while gcm[-1] > low:
            gcm.append(mn[gcm[-1]])
        lcm = [0, low]  # of the majorant from low up to high
        while lcm[-1] < high:
            lcm.append(mj[lcm[-1]])
        l_gcm, l_lcm = len(gcm) - 1, len(lcm) - 1
        ig, ih = l_gcm, l_lcm
        ix, iv = l_gcm - 1, 2
        d = 0.0
        if l_gcm != 2 or l_lcm != 2:
            while True:  # the largest distance between minorant and majorant on [low, high]
                gx, lv = gcm[ix], lcm[iv]
                if gx > lv:
                    g1 = gcm[ix + 1]
                    dx = (lv - g1 + 1) - (xs[lv] - xs[g1]) * (gx - g1) / (xs[gx] - xs[g1])
                    iv += 1
                    if dx >= d:
                        d, ig, ih = dx, ix + 1, iv - 1
                else:
                    l1 = lcm[iv - 1]
                    dx = (xs[gx] - xs[l1]) * (lv - l1) / (xs[lv] - xs[l1]) - (gx - l1 - 1)
                    ix -= 1
                    if dx >= d:
                        d, ig, ih = dx, ix + 1, iv
                ix = max(ix, 1)
                iv = min(iv, l_lcm)
                if gcm[ix] == lcm[iv]:
                    break
        else:
            d = 1.0
        if d < dip:
            break
        # the dip of the minorant and of the majorant within [low, high]
        dip_l = 0.0
        for j in range(ig, l_gcm):
            top, j1 = gcm[j], gcm[j + 1]
            t = 1.0
            if top - j1 > 1 and xs[top] != xs[j1]:
                jj = np.arange(j1, top + 1)
                t = max(t, float(np.max((jj - j1 + 1) - (xa[jj] - xs[j1]) * (top - j1) / (xs[top] - xs[j1]))))
            dip_l = max(dip_l, t)
        dip_u = 0.0
        for j in range(ih, l_lcm):
            bot, j1 = lcm[j], lcm[j + 1]
            t = 1.0
            if j1 - bot > 1 and xs[j1] != xs[bot]:
                jj = np.arange(bot, j1 + 1)
                t = max(t, float(np.max((xa[jj] - xs[bot]) * (j1 - bot) / (xs[j1] - xs[bot]) - (jj - bot - 1))))
            dip_u = max(dip_u, t)
        dip = max(dip, dip_l, dip_u)
        if low == gcm[ig] and high == lcm[ih]:
            break
        low, high = gcm[ig], lcm[ih]
    return dip / (2 * n)


@lru_cache(maxsize=64)
def _uniform_dips(n: int, n_sim: int, seed: int) -> np.ndarray:
    """Sorted dips of ``n_sim`` samples of ``n`` uniform values (the least favourable
    unimodal null, Hartigan 1985), seeded; cached, since many tests share one n."""
    rng = np.random.default_rng(seed)
    return np.sort([_dip_sorted(np.sort(rng.random(n))) for _ in range(n_sim)])


def dip_test(x: np.ndarray, n_sim: int = 1000, seed: int = 0) -> dict:
    """Hartigan's dip test of unimodality.

    ``x``: 1-D sample (any unit; NaN and inf dropped), at least 4 finite values. Returns
    ``{"dip", "p", "n"}``: the dip, the largest distance between the sample's distribution
    function and the closest unimodal one (a fraction of the sample, in [1/(2n), 1/4];
    invariant under shift and positive scale of ``x``), and its p-value against the
    uniform distribution, by simulation: (1 + #{simulated dip >= dip}) / (1 + n_sim) over
    ``n_sim`` uniform samples of the same size drawn with ``seed``. A small p (below 0.05)
    rejects unimodality; a large one does not."""
    if not (isinstance(n_sim, (int, np.integer)) and n_sim >= 1):
        raise ValueError(f"n_sim: must be an integer >= 1, got {n_sim!r}")
    xs = _finite_sample(x, "x", 4)
    d = _dip_sorted(xs)
    sims = _uniform_dips(int(xs.size), int(n_sim), int(seed))
    # a tolerance, so that a dip equal to a simulated one in exact arithmetic counts as >=
    ge = int(sims.size - np.searchsorted(sims, d - 1e-12, side="left"))
    return {"dip": float(d), "p": (1 + ge) / (1 + int(n_sim)), "n": int(xs.size)}


def _normal_logpdf(x: np.ndarray, mean, std) -> np.ndarray:
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)


def gaussian_mixture_bic(x: np.ndarray, n_starts: int = 8, max_iter: int = 500, tol: float = 1e-9,
                         seed: int = 0) -> dict:
    """One Gaussian against a mixture of two, by the Bayesian information criterion.

    ``x``: 1-D sample (any unit; NaN and inf dropped), at least 5 finite values. The
    mixture is fitted by expectation-maximisation (plain numpy; ``n_starts`` starts: a split
    at the median, then random splits drawn with ``seed``; the best likelihood kept;
    deterministic for one seed), each std floored at 1e-3 of the sample's std so that no
    component collapses onto one value. BIC = k ln n - 2 ln L with k = 2 (one Gaussian) or
    5 (two). Returns ``{"delta_bic", "bic_one", "bic_two", "prefers", "means", "stds",
    "weights", "n"}``: ``delta_bic = bic_one - bic_two`` (> 0 favours two components; above
    10 is very strong evidence), ``prefers`` 1 or 2, and the two components' means and stds
    (in ``x``'s unit) and weights, by increasing mean."""
    for name, v, lo in (("n_starts", n_starts, 1), ("max_iter", max_iter, 1)):
        if not (isinstance(v, (int, np.integer)) and v >= lo):
            raise ValueError(f"{name}: must be an integer >= {lo}, got {v!r}")
    if not tol > 0:
        raise ValueError(f"tol: must be > 0, got {tol!r}")
    xs = _finite_sample(x, "x", 5)
    n = xs.size
    s0 = float(xs.std())
    if s0 == 0:
        raise ValueError("x: all finite values are equal; no distribution to fit")
    ll1 = float(_normal_logpdf(xs, xs.mean(), s0).sum())
    floor = 1e-3 * s0
    rng = np.random.default_rng(seed)
    best = None
    for start in range(n_starts):
        left = xs <= np.median(xs) if start == 0 else rng.random(n) < 0.5
        if left.all() or not left.any():
            left = np.arange(n) < n // 2
        resp = np.stack([left, ~left]).astype(np.float64)
        prev = -np.inf
        for _ in range(max_iter):
            nk = resp.sum(axis=1) + 1e-300
            w = nk / n
            mu = resp @ xs / nk
            sd = np.maximum(np.sqrt((resp * (xs[None] - mu[:, None]) ** 2).sum(axis=1) / nk), floor)
            lp = np.log(np.maximum(w, 1e-300))[:, None] + _normal_logpdf(xs[None], mu[:, None], sd[:, None])
            top = lp.max(axis=0)
            lse = top + np.log(np.exp(lp - top).sum(axis=0))
            ll = float(lse.sum())
            resp = np.exp(lp - lse)
            if ll - prev <= tol * abs(ll):
                break
            prev = ll
        if best is None or ll > best[0] + 1e-9:
            best = (ll, mu, sd, w)
    ll2, mu, sd, w = best
    order = np.argsort(mu)
    bic1 = 2 * np.log(n) - 2 * ll1
    bic2 = 5 * np.log(n) - 2 * ll2
    return {"delta_bic": float(bic1 - bic2), "bic_one": float(bic1), "bic_two": float(bic2),
            "prefers": 2 if bic2 < bic1 else 1, "means": [float(v) for v in mu[order]],
            "stds": [float(v) for v in sd[order]], "weights": [float(v) for v in w[order]], "n": int(n)}
